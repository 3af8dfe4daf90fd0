import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { CheckResult } from '../../../extension/channel/manifest-client';
import { MANIFEST_POLL_ALARM, ManifestPoller, type AlarmsLike } from '../../../extension/channel/poller';
import { readHostValue, type HostDb } from '../../../extension/db';
import type { ManifestPayload } from '../../../protocol/manifest-schema';
import { NOW, openFreshDb } from '../../helpers/addon-fixtures';

const MIN = 60_000;

/** browser.alarms with a memory of what is scheduled. */
function fakeAlarms() {
  const scheduled = new Map<string, number>();
  const alarms: AlarmsLike = {
    create: sinon.spy((name: string, info: { when?: number }) => void scheduled.set(name, info.when!)),
    clear: async (name) => scheduled.delete(name),
    get: async (name) => (scheduled.has(name) ? { name, scheduledTime: scheduled.get(name)! } : undefined),
  };
  return { alarms, scheduled };
}

describe('ManifestPoller', () => {
  let db: HostDb;
  beforeEach(async () => {
    db = await openFreshDb();
  });
  afterEach(() => db.close());

  function makePoller(results: CheckResult[], alarms: AlarmsLike, onAccepted = sinon.spy()) {
    const check = sinon.stub();
    results.forEach((result, i) => check.onCall(i).resolves(result));
    // random 0: no jitter, so the delays are the schedule's base values.
    const poller = new ManifestPoller({ alarms, client: { check }, onAccepted, db, intervalMinutes: 60, random: () => 0, now: () => NOW });
    return { poller, check, onAccepted };
  }

  it('keeps an existing alarm across wakes instead of pushing the poll back', async () => {
    const { alarms, scheduled } = fakeAlarms();
    scheduled.set(MANIFEST_POLL_ALARM, NOW.getTime() + 17 * MIN);
    const { poller } = makePoller([], alarms);
    await poller.start();
    await poller.start();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 17 * MIN);
    assert.equal((alarms.create as sinon.SinonSpy).callCount, 0);
  });

  it('without an alarm, schedules the stored due time, or now on first run', async () => {
    const { alarms, scheduled } = fakeAlarms();
    const { poller } = makePoller([], alarms);
    await poller.start();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime());

    scheduled.clear();
    await db.put('channel', new Date(NOW.getTime() + 40 * MIN).toISOString(), 'nextCheckAt');
    await poller.start();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 40 * MIN);
  });

  it('ignores alarms that are not its own', async () => {
    const { alarms } = fakeAlarms();
    const { poller, check } = makePoller([{ outcome: 'unchanged' }], alarms);
    assert.equal(await poller.handleAlarm({ name: 'feature:tab-groups:tick' }), false);
    assert.equal(check.callCount, 0);
  });

  it('backs off across failures, survives a new poller (a wake), and resets after success', async () => {
    const { alarms, scheduled } = fakeAlarms();
    const failed: CheckResult = { outcome: 'failed', reason: 'network', message: 'down' };
    const payload = { serial: 9 } as ManifestPayload;
    const first = makePoller([failed, failed], alarms);
    await first.poller.handleAlarm({ name: MANIFEST_POLL_ALARM });
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 1 * MIN);
    await first.poller.handleAlarm({ name: MANIFEST_POLL_ALARM });
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 2 * MIN);

    const afterWake = makePoller([failed, { outcome: 'accepted', payload }], alarms);
    await afterWake.poller.handleAlarm({ name: MANIFEST_POLL_ALARM });
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 4 * MIN);
    await afterWake.poller.checkNow();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 60 * MIN);
    assert.equal(await readHostValue(db, 'failures'), 0);
    assert.equal(await readHostValue(db, 'nextCheckAt'), new Date(NOW.getTime() + 60 * MIN).toISOString());
    sinon.assert.calledOnceWithExactly(afterWake.onAccepted, payload);
  });

  it('waits for Retry-After when the server asks', async () => {
    const { alarms, scheduled } = fakeAlarms();
    const { poller } = makePoller([{ outcome: 'failed', reason: 'http', message: '503', retryAfterMs: 25 * MIN }], alarms);
    await poller.checkNow();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 25 * MIN);
  });

  it('keeps polling when applying an accepted manifest throws', async () => {
    const { alarms, scheduled } = fakeAlarms();
    const onAccepted = sinon.stub().rejects(new Error('install failed'));
    const { poller } = makePoller([{ outcome: 'accepted', payload: { serial: 3 } as ManifestPayload }], alarms, onAccepted);
    const log = sinon.stub(console, 'error');
    try {
      assert.equal((await poller.checkNow()).outcome, 'accepted');
    } finally {
      log.restore();
    }
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 60 * MIN);
  });

  it("polls at the signed manifest's interval: the one in force, and a newly accepted one from that poll on", async () => {
    const { alarms, scheduled } = fakeAlarms();
    let inForce: ManifestPayload | null = { serial: 4, pollIntervalMinutes: 360 } as ManifestPayload;
    const check = sinon.stub();
    check.onCall(0).resolves({ outcome: 'unchanged' });
    check.onCall(1).resolves({ outcome: 'accepted', payload: { serial: 5, pollIntervalMinutes: 5 } as ManifestPayload });
    check.onCall(2).resolves({ outcome: 'accepted', payload: { serial: 6 } as ManifestPayload });
    const poller = new ManifestPoller({
      alarms, client: { check }, onAccepted: (payload) => void (inForce = payload), db, intervalMinutes: 15,
      manifest: () => inForce, random: () => 0, now: () => NOW,
    });
    await poller.checkNow();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 360 * MIN, 'slowed down by the manifest in force');
    await poller.checkNow();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 5 * MIN, 'the new manifest speeds it up at once');
    await poller.checkNow();
    assert.equal(scheduled.get(MANIFEST_POLL_ALARM), NOW.getTime() + 15 * MIN, "a manifest without an interval leaves the build's");
  });

  it('says a wake is due for a check when none was made, or the last is an interval old', async () => {
    const { alarms } = fakeAlarms();
    let now = NOW;
    const poller = new ManifestPoller({
      alarms, client: { check: sinon.stub().resolves({ outcome: 'unchanged' }) }, onAccepted: sinon.spy(), db, intervalMinutes: 15,
      manifest: () => null, random: () => 0, now: () => now,
    });
    assert.equal(await poller.isDue(), true, 'never checked');
    await db.put('channel', NOW.toISOString(), 'checkedAt');
    now = new Date(NOW.getTime() + 14 * MIN);
    assert.equal(await poller.isDue(), false);
    now = new Date(NOW.getTime() + 15 * MIN);
    assert.equal(await poller.isDue(), true);
  });

  it('shares one check between a "refresh now" and an alarm that arrive together', async () => {
    const { alarms } = fakeAlarms();
    const { poller, check } = makePoller([{ outcome: 'unchanged' }], alarms);
    await Promise.all([poller.checkNow(), poller.handleAlarm({ name: MANIFEST_POLL_ALARM })]);
    assert.equal(check.callCount, 1);
  });
});
