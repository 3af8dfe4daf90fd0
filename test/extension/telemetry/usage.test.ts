import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { HostDb } from '../../../extension/db';
import { HostError } from '../../../extension/errors';
import { UsageRecorder, UsageCounterError } from '../../../extension/telemetry/usage-recorder';
import { UsageUploader } from '../../../extension/telemetry/usage-uploader';
import { MAX_COUNTS_PER_BATCH } from '../../../protocol/usage-schema';
import { makeBetaServer, ORIGIN, openFreshDb, scriptedFetch } from '../../helpers/addon-fixtures';

describe('usage counters', () => {
  let db: HostDb;
  let now: Date;
  beforeEach(async () => {
    db = await openFreshDb();
    now = new Date('2026-11-25T23:59:00Z');
    nextId = 0;
  });
  afterEach(() => db.close());

  const makeRecorder = () => new UsageRecorder({ db, now: () => now });
  let nextId = 0;
  const makeUploader = (fetch: ReturnType<typeof scriptedFetch>['fetch'], log = { warn: sinon.spy() }) =>
    new UsageUploader({ db, server: makeBetaServer(fetch), installId: async () => 'unit-1', now: () => now, randomUUID: () => `batch-${++nextId}`, log });
  const bodies = (requests: ReturnType<typeof scriptedFetch>['requests']) => requests.map((r) => JSON.parse(r.body!));

  describe('UsageRecorder', () => {
    it("records nothing while Firefox's data-collection consent is not granted, and counts once it is", async () => {
      let granted: boolean | null = false;
      const usage = new UsageRecorder({ db, now: () => now, consent: async () => granted });
      await usage.count('tab-groups', 'group-created');
      assert.equal(await usage.isEnabled(), false);
      assert.deepEqual(await db.getAll('usage'), []);

      granted = true;
      await usage.count('tab-groups', 'group-created');
      granted = null; // a Firefox without built-in consent: the add-on's switch decides
      await usage.count('tab-groups', 'group-created');
      assert.deepEqual((await db.getAll('usage')).map((c) => c.count), [2]);
    });

    it('adds counts per UTC day, feature and event', async () => {
      const usage = makeRecorder();
      await usage.count('tab-groups', 'group-created');
      await usage.count('tab-groups', 'group-created', 2);
      await usage.count('tab-groups', 'group.closed');
      now = new Date('2026-11-26T00:01:00Z');
      await usage.count('tab-groups', 'group-created');
      const counts = await db.getAll('usage');
      assert.deepEqual(
        counts.map((c) => [c.day, c.event, c.count]),
        [
          ['2026-11-25', 'group-created', 3],
          ['2026-11-25', 'group.closed', 1],
          ['2026-11-26', 'group-created', 1],
        ],
      );
    });

    it('refuses event names that could carry a URL or page content, naming them', async () => {
      const usage = makeRecorder();
      for (const event of ['https://example.com/private', 'Opened Page', 'search:secret', '', 'x'.repeat(65)]) {
        await assert.rejects(usage.count('tab-groups', event), (error: Error) => error instanceof UsageCounterError && error.message.includes('event name'));
      }
      await assert.rejects(usage.count('tab-groups', 'ok', 0), /amount 0/);
      await assert.rejects(usage.count('Not A Feature', 'ok'), /feature id "Not A Feature"/);
      assert.equal(await db.count('usage'), 0);
    });

    it('refuses with a HostError coded invalid-usage-counter whose subject is the feature', async () => {
      await assert.rejects(makeRecorder().count('tab-groups', 'Has Spaces'), (error: unknown) => {
        assert.ok(error instanceof HostError);
        assert.deepEqual([error.name, error.code, error.subject], ['UsageCounterError', 'invalid-usage-counter', 'tab-groups']);
        return true;
      });
    });

    it('stops counting and drops what is queued when turned off, remembered across restarts', async () => {
      const usage = makeRecorder();
      await usage.count('tab-groups', 'group-created');
      await db.put('outbox', { batchId: 'old', createdAt: now.toISOString(), counts: [] });
      await usage.setEnabled(false);
      await usage.count('tab-groups', 'group-created');
      assert.equal(await db.count('usage'), 0);
      assert.equal(await db.count('outbox'), 0);

      const afterRestart = makeRecorder();
      assert.equal(await afterRestart.isEnabled(), false);
      await afterRestart.count('tab-groups', 'group-created');
      assert.equal(await db.count('usage'), 0);
      await afterRestart.setEnabled(true);
      await afterRestart.count('tab-groups', 'group-created');
      assert.equal(await db.count('usage'), 1);
    });
  });

  describe('UsageUploader', () => {
    it('sends the counts and deletes the batch once the server has it', async () => {
      await makeRecorder().count('tab-groups', 'group-created', 4);
      const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 204 }));
      assert.deepEqual(await makeUploader(fetch).flush(), { sent: 1, queued: 0, dropped: 0 });
      assert.equal(requests[0]!.url, `${ORIGIN}/v1/usage`);
      assert.equal(requests[0]!.method, 'POST');
      assert.deepEqual(bodies(requests)[0], {
        batchId: 'batch-1',
        installId: 'unit-1',
        counts: [{ day: '2026-11-25', featureId: 'tab-groups', event: 'group-created', count: 4 }],
      });
      assert.equal(await db.count('outbox'), 0);
      assert.equal(await db.count('usage'), 0);
      assert.deepEqual(await makeUploader(fetch).flush(), { sent: 0, queued: 0, dropped: 0 });
      assert.equal(requests.length, 1, 'nothing left to send');
    });

    it('keeps a batch when the send fails and resends it with the same batchId', async () => {
      const usage = makeRecorder();
      await usage.count('tab-groups', 'group-created');
      const { fetch, requests } = scriptedFetch(
        () => Promise.reject(new TypeError('offline')),
        () => new Response('down', { status: 503 }),
        () => new Response('slow down', { status: 429 }),
        () => new Response('{}', { status: 200 }),
      );
      const uploader = makeUploader(fetch);
      for (let i = 0; i < 3; i++) assert.deepEqual(await uploader.flush(), { sent: 0, queued: 1, dropped: 0 });
      await usage.count('tab-groups', 'group-created'); // counted while offline: goes in a new batch
      assert.deepEqual(await uploader.flush(), { sent: 2, queued: 0, dropped: 0 });
      const ids = bodies(requests).map((b) => b.batchId);
      assert.deepEqual(ids, ['batch-1', 'batch-1', 'batch-1', 'batch-1', 'batch-2']);
      assert.deepEqual(bodies(requests).map((b) => b.counts[0].count), [1, 1, 1, 1, 1]);
      assert.equal(await db.count('outbox'), 0);
    });

    it('keeps a batch when a proxy or firewall answers 404 or 403: only the server judging the batch drops it', async () => {
      await makeRecorder().count('tab-groups', 'group-created');
      for (const status of [404, 403, 405]) {
        const { fetch } = scriptedFetch(() => new Response('not here', { status }));
        assert.deepEqual(await makeUploader(fetch).flush(), { sent: 0, queued: 1, dropped: 0 }, `HTTP ${status}`);
      }
      assert.equal(await db.count('outbox'), 1);
    });

    it('drops a batch the server refuses for good (400) and says so', async () => {
      await makeRecorder().count('tab-groups', 'group-created');
      const log = { warn: sinon.spy() };
      const { fetch } = scriptedFetch(() => new Response('bad', { status: 400 }));
      assert.deepEqual(await makeUploader(fetch, log).flush(), { sent: 0, queued: 0, dropped: 1 });
      assert.equal(await db.count('outbox'), 0);
      sinon.assert.calledOnce(log.warn);
      assert.match(log.warn.firstCall.args[0], /batch-1.*HTTP 400/);
    });

    it(`splits more than ${MAX_COUNTS_PER_BATCH} counts into several batches`, async () => {
      const usage = makeRecorder();
      for (let i = 0; i < MAX_COUNTS_PER_BATCH + 3; i++) await usage.count('tab-groups', `e${i}`);
      const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 200 }));
      assert.deepEqual(await makeUploader(fetch).flush(), { sent: 2, queued: 0, dropped: 0 });
      assert.deepEqual(bodies(requests).map((b) => b.counts.length).sort((a, b) => a - b), [3, MAX_COUNTS_PER_BATCH]);
      const events = new Set(bodies(requests).flatMap((b) => b.counts.map((c: { event: string }) => c.event)));
      assert.equal(events.size, MAX_COUNTS_PER_BATCH + 3, 'every count sent exactly once');
    });
  });
});
