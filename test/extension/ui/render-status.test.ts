import assert from 'node:assert/strict';
import {
  describeTelemetrySend,
  describeAccount,
  describeFeatureRow,
  describeRefreshResult,
  formatKeyStatus,
  formatManifestStatus,
  formatRelative,
  formatRollout,
  formatTime,
  parseOverrideChoice,
  shouldShowDevBanner,
  toSafeLink,
} from '../../../extension/ui/render-status';
import { makeFeature, makeStatus, NOW } from './status-fixture';

describe('QA panel view model', () => {
  describe('dev banner', () => {
    it('shows only on a build that does not enforce sign-offs', () => {
      const local = makeStatus({ build: { buildEnv: 'local', origin: 'http://127.0.0.1:8787', hostVersion: '0.1.0', allowUnreviewed: true } });
      assert.equal(shouldShowDevBanner(local), true);
      assert.equal(shouldShowDevBanner(makeStatus()), false);
    });
  });

  describe('times', () => {
    it('gives the UTC time and how long ago or ahead it is', () => {
      assert.equal(formatTime('2025-03-01T09:00:00Z', NOW), '2025-03-01 09:00 UTC (3 h ago)');
      assert.equal(formatTime('2025-03-01T12:20:00Z', NOW), '2025-03-01 12:20 UTC (in 20 min)');
      assert.equal(formatTime('2025-03-04T12:00:00Z', NOW), '2025-03-04 12:00 UTC (in 3 days)');
      assert.equal(formatTime('2025-03-01T11:59:50Z', NOW), '2025-03-01 11:59 UTC (just now)');
    });

    it('says never, or flags an unreadable time instead of showing Invalid Date', () => {
      assert.equal(formatTime(null, NOW), 'never');
      assert.equal(formatTime('yesterday-ish', NOW), 'yesterday-ish (unreadable time)');
    });

    it('rounds relative times to the unit people expect', () => {
      assert.equal(formatRelative(-90 * 60_000), '2 h ago');
      assert.equal(formatRelative(59 * 60_000), 'in 59 min');
    });
  });

  describe('formatManifestStatus', () => {
    it('shows the serial and dates of the accepted manifest', () => {
      const view = formatManifestStatus(makeStatus(), NOW);
      assert.equal(view.serial, '12');
      assert.equal(view.issued, '2025-03-01 10:00 UTC (2 h ago)');
      assert.equal(view.expires, '2025-03-08 10:00 UTC (in 7 days)');
      assert.equal(view.checked, '2025-03-01 11:55 UTC (5 min ago)');
      assert.equal(view.nextCheck, '2025-03-01 12:55 UTC (in 55 min)');
      assert.equal(view.expired, false);
      assert.equal(view.error, null);
    });

    it('flags a manifest whose expiry has passed', () => {
      assert.equal(formatManifestStatus(makeStatus({}, { expiresAt: '2025-03-01T11:59:00Z' }), NOW).expired, true);
      assert.equal(formatManifestStatus(makeStatus({}, { expiresAt: '2025-03-01T12:00:00Z' }), NOW).expired, true);
    });

    it('says when no manifest was ever accepted', () => {
      const view = formatManifestStatus(makeStatus({}, { serial: null, issuedAt: null, expiresAt: null, acceptedAt: null }), NOW);
      assert.equal(view.serial, 'none accepted yet');
      assert.equal(view.accepted, 'never');
      assert.equal(view.expired, false);
    });

    it('names the refusal reason with its message and time', () => {
      const lastError = { reason: 'rollback' as const, message: 'Serial 11 is lower than the last accepted 12.', at: '2025-03-01T11:55:00Z' };
      const view = formatManifestStatus(makeStatus({}, { lastError }), NOW);
      assert.equal(view.error, 'Serial went back (rollback): Serial 11 is lower than the last accepted 12. — 2025-03-01 11:55 UTC (5 min ago)');
    });
  });

  describe('signing keys', () => {
    it('names the key a manifest was refused for, and why it is revoked', () => {
      const lastError = { reason: 'revoked-key' as const, keyId: 'manifest-2026a', message: 'the manifest is signed by a revoked key: manifest-2026a (revoked: leaked)', at: '2025-03-01T11:55:00Z' };
      assert.equal(
        formatManifestStatus(makeStatus({}, { lastError }), NOW).error,
        'Signed with a revoked key (revoked-key, key manifest-2026a): the manifest is signed by a revoked key: manifest-2026a (revoked: leaked) — 2025-03-01 11:55 UTC (5 min ago)',
      );
      const keys = { serial: 7, expiresAt: '2025-06-01T00:00:00Z', manifestKeyIds: ['manifest-2026b'], revoked: [{ keyId: 'manifest-2026a', reason: 'leaked' }], lastError: null };
      const view = formatKeyStatus(makeStatus({ keys }), NOW);
      assert.deepEqual([view.serial, view.manifestKeys, view.revoked, view.error], ['7', 'manifest-2026b', 'manifest-2026a (leaked)', null]);
      assert.equal(formatKeyStatus(makeStatus(), NOW).serial, 'none accepted yet');
    });
  });

  describe('describeFeatureRow', () => {
    it('adds the bucket and rollout to the reason', () => {
      const row = describeFeatureRow(makeFeature({ state: 'not-installed', reasonCode: 'rollout', bucket: 4711, rollout: 1000 }), 'firefox');
      assert.equal(row.reason, "Rollout 10%: this browser's bucket 4711 is at or above 1000 · bucket 4711 / rollout 10%");
      assert.equal(row.stateLabel, 'Not installed');
      assert.equal(row.error, null);
    });

    it('shows the reason alone for features without a rollout', () => {
      const row = describeFeatureRow(makeFeature({ reasonCode: 'killed', bucket: null, rollout: null }), 'firefox');
      assert.equal(row.reason, 'Turned off everywhere by the kill switch');
    });

    it("shows a staged feature's stage and the beta server's halt, from the messages file", () => {
      const halt = { action: 'freeze' as const, reason: 'gate optOutRate of stage 2 of 4 (5%): exceeds the ceiling 10.0%', haltedAt: '2026-12-02T00:00:00Z' };
      const held = { reasonCode: 'rollout' as const, detail: { held: true }, bucket: 4711, rollout: 500, stage: { number: 2, of: 4, nextAt: null }, halt };
      const frozen = describeFeatureRow(makeFeature(held), 'firefox');
      assert.equal(frozen.reason, "Rollout 5% (held at this stage by a halt): this browser's bucket 4711 is at or above 500 · bucket 4711 / rollout 5% · stage 2 of 4");
      assert.equal(frozen.halt, 'Held at this stage by the beta server: gate optOutRate of stage 2 of 4 (5%): exceeds the ceiling 10.0%');
      const killed = describeFeatureRow(makeFeature({ reasonCode: 'halted', detail: { forcedOn: true }, bucket: null, rollout: null, halt: { ...halt, action: 'kill', reason: 'gate failureRate failed' } }), 'firefox');
      assert.equal(killed.reason, 'Halted everywhere by the beta server (QA force-on does not override it)');
      assert.equal(killed.halt, 'Stopped everywhere by the beta server: gate failureRate failed');
      assert.equal(describeFeatureRow(makeFeature({ stage: { number: 0, of: 4, nextAt: '2026-12-01T00:00:00Z' } }), 'firefox').reason.endsWith('staged rollout not started yet'), true);
      assert.equal(describeFeatureRow(makeFeature({}), 'firefox').halt, null);
    });

    it('shows why an install failed', () => {
      const row = describeFeatureRow(makeFeature({ state: 'failed', error: 'Chunk sha256 does not match the manifest.' }), 'firefox');
      assert.equal(row.stateLabel, 'Failed');
      assert.equal(row.error, 'Chunk sha256 does not match the manifest.');
    });

    it('maps the QA override and the account marker', () => {
      assert.equal(describeFeatureRow(makeFeature({ override: 'off' }), 'firefox').override, 'off');
      assert.equal(describeFeatureRow(makeFeature({ override: null }), 'firefox').override, 'default');
      assert.equal(describeFeatureRow(makeFeature({ requiresAccount: true }), 'firefox').requiresAccount, true);
    });

    it('says when the user turned the feature off', () => {
      assert.match(describeFeatureRow(makeFeature({ optedOut: true, state: 'disabled' }), 'firefox').reason, /turned off by the user$/);
    });
  });

  it('formats rollouts in basis points as percentages', () => {
    assert.equal(formatRollout(1000), '10%');
    assert.equal(formatRollout(25), '0.25%');
    assert.equal(formatRollout(10000), '100%');
  });

  it('turns the override select back into the request value, refusing unknown ones', () => {
    assert.equal(parseOverrideChoice('default'), null);
    assert.equal(parseOverrideChoice('on'), 'on');
    assert.throws(() => parseOverrideChoice('maybe'), /QA override select: unknown value "maybe"/);
  });

  it('describes the account state', () => {
    assert.deepEqual(describeAccount(makeStatus()), { signedIn: false, email: null, termsOutdated: false });
    assert.deepEqual(describeAccount(makeStatus({ account: { email: 'qa@example.org', termsOutdated: true } })), {
      signedIn: true,
      email: 'qa@example.org',
      termsOutdated: true,
    });
  });

  describe('describeRefreshResult', () => {
    it('reports a newly accepted serial, or that nothing changed', () => {
      assert.deepEqual(describeRefreshResult(makeStatus({}, { serial: 11 }), makeStatus()), { ok: true, text: 'Accepted manifest serial 12.' });
      assert.deepEqual(describeRefreshResult(makeStatus(), makeStatus()), { ok: true, text: 'Up to date: serial 12.' });
    });

    it('reports the refusal', () => {
      const after = makeStatus({}, { lastError: { reason: 'bad-signature', message: 'Signature does not verify with key beta-2025.', at: '2025-03-01T12:00:00Z' } });
      assert.deepEqual(describeRefreshResult(makeStatus(), after), { ok: false, text: 'Refresh failed: Signature does not verify with key beta-2025.' });
    });
  });

  it('keeps only web links from the server', () => {
    assert.equal(toSafeLink('https://beta.example.org/terms'), 'https://beta.example.org/terms');
    assert.equal(toSafeLink('javascript:alert(1)'), null);
    assert.equal(toSafeLink('not a url'), null);
  });
});

describe('QA panel: the result of "Send now"', () => {
  it('says what was sent, what stays queued and what the server refused', () => {
    assert.equal(
      describeTelemetrySend({ usage: { sent: 2, queued: 1, dropped: 0 }, feedback: { sent: 1, queued: 0, dropped: 1 } }),
      'Sent 2 usage batches, 1 kept queued for the next try. Sent 1 feedback item, 1 refused by the server and dropped.',
    );
  });

  it('says plainly when nothing was waiting', () => {
    assert.equal(
      describeTelemetrySend({ usage: { sent: 0, queued: 0, dropped: 0 }, feedback: { sent: 0, queued: 0, dropped: 0 } }),
      'No usage counters were waiting. No feedback was waiting.',
    );
  });
});
