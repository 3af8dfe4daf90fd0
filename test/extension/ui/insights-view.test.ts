import assert from 'node:assert/strict';
import { describeChanges, describeServerLine, isSaidByServerLine, nextRetryDelay } from '../../../extension/ui/insights-view';
import { makeStatus, NOW } from './status-fixture';

const down = { reachable: false, lastReachedAt: '2025-03-01T11:55:00Z', lastFailureAt: '2025-03-01T11:59:00Z', lastFailure: 'NetworkError' };

describe('popup and QA panel: what the host tells about itself', () => {
  it('says once that the beta server cannot be reached, with when it last answered', () => {
    assert.equal(
      describeServerLine(makeStatus({ server: down }), NOW),
      'The beta server at https://beta.example.org cannot be reached. Last reached: 2025-03-01 11:55 UTC (5 min ago). Trying again…',
    );
    assert.match(describeServerLine(makeStatus({ server: { ...down, lastReachedAt: null } }), NOW) ?? '', /Last reached: never\./);
    assert.equal(describeServerLine(makeStatus({ server: { ...down, reachable: true } }), NOW), null);
    assert.equal(describeServerLine(makeStatus(), NOW), null, 'a host that does not track it shows no line');
  });

  it('leaves a manifest check that failed for want of a network to that one line', () => {
    const lastError = { reason: 'network' as const, message: 'could not be reached', at: '2025-03-01T11:59:00Z' };
    assert.equal(isSaidByServerLine(makeStatus({ server: down }, { lastError })), true);
    assert.equal(isSaidByServerLine(makeStatus({ server: down }, { lastError: { ...lastError, reason: 'bad-signature' } })), false);
  });

  it('lists the newest changes, the unseen ones marked new', () => {
    const entry = (featureId: string, name: string, kind: 'added' | 'killed' | 'needs-account', at: string) => ({ featureId, name, kind, at });
    const items = describeChanges(
      {
        entries: [entry('tab-stash', 'Tab stash', 'needs-account', '2025-03-01T11:58:00Z'), entry('page-notes', 'Page notes', 'killed', '2025-03-01T09:00:00Z')],
        unseen: 1,
        notify: true,
      },
      NOW,
    );
    assert.deepEqual(items, [
      { featureId: 'tab-stash', text: 'Tab stash needs you to sign in', when: '2 min ago', isNew: true },
      { featureId: 'page-notes', text: 'Page notes was turned off by the beta team', when: '3 h ago', isNew: false },
    ]);
  });

  it('tries again soon at first, then no less often than every 8 seconds', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 10].map(nextRetryDelay), [1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
