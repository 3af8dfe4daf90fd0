// The gate job over the real server: a manifest with a staged feature, usage
// sent through the public route as add-ons would, and the halt document the
// server signs with its halt key and serves at GET /v1/halt, on SQLite and PostgreSQL.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_EVENTS, type ExitCriteria } from '../../protocol/exit-criteria';
import { checkHaltDocument, verifyHaltDocument, type HaltPayload } from '../../protocol/halt-document';
import type { ManifestFeature, ManifestPayload } from '../../protocol/manifest-schema';
import { makeEntry, sha256 } from '../helpers/manifests';
import { createSigningKey, signPayload, writePrivateKey, type SigningKey } from '../helpers/signing';
import { ADMIN_TOKEN, START, createPayload, describeEachStore, startTestServer, type TestServer } from './helpers';

const HOUR = 3_600_000;
const CRITERIA: ExitCriteria = { failureRate: { max: 0.1, minSample: 20 }, optOutRate: { max: 0.2, minSample: 20 } };
/** Started 30 hours ago: 1% for a day, now 5% until hour 72, then 100%. */
const staged = (id: string, gates: Array<'failureRate' | 'optOutRate'>): ManifestFeature =>
  makeEntry(id, '1.0.0', sha256(id), {
    rollout: 100,
    exitCriteria: CRITERIA,
    stages: {
      startAt: new Date(START - 30 * HOUR).toISOString(),
      steps: [
        { rollout: 100, minMinutes: 24 * 60, gates },
        { rollout: 500, minMinutes: 48 * 60, gates },
        { rollout: 10000, gates: [] },
      ],
    },
  });

describeEachStore('beta server: the gate job signs halts with the halt key', (store) => {
  let server: TestServer;
  let channel: SigningKey;
  let halt: SigningKey;
  let manifest: ManifestPayload;
  const keysDir = mkdtempSync(join(tmpdir(), 'halt-key-'));

  before(async () => {
    channel = await createSigningKey('channel-2026');
    halt = await createSigningKey('halt-2026');
  });
  beforeEach(async () => {
    server = await startTestServer({ store, haltKeyPath: await writePrivateKey(keysDir, halt), haltCheckIntervalMs: 100 });
    server.keys.push(channel.pinned);
    manifest = createPayload({ serial: 7, features: [staged('page-notes', ['failureRate']), staged('reading-time', ['optOutRate']), makeEntry('tab-groups', '1.0.0', sha256('t'))] });
    const published = await server.call('PUT', '/v1/admin/manifest', { raw: await signPayload(manifest, [channel]), token: ADMIN_TOKEN });
    assert.equal(published.status, 201, published.text);
  });
  afterEach(async () => server.close());

  /** `count` installs report the feature; the first `hits` of them also report `event`. */
  async function report(featureId: string, count: number, hits: number, event: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const counts = [{ day: '2026-11-25', featureId, event: 'opened', count: 1 }, ...(i < hits ? [{ day: '2026-11-25', featureId, event, count: 1 }] : [])];
      const sent = await server.call('POST', '/v1/usage', { body: { batchId: `${featureId}-${i}`, installId: `install-${i}`, counts } });
      assert.equal(sent.status, 200, sent.text);
    }
  }

  /** What an add-on sees: polls GET /v1/halt until a document with `serial` above `after` is served, and verifies it as the add-on does. */
  async function awaitHalt(after = 0): Promise<{ doc: HaltPayload; etag: string }> {
    for (;;) {
      const response = await fetch(`${server.url}/v1/halt`);
      const text = await response.text();
      if (response.status === 200) {
        const doc = await verifyHaltDocument(text, { signers: { keys: [halt.pinned] }, env: 'beta', now: new Date(server.clock.now) });
        if (doc.serial > after) return { doc, etag: response.headers.get('etag')! };
      } else {
        assert.equal(JSON.parse(text).error.code, 'no_halt');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('kills a feature whose failure-rate gate fails, and serves the halt with an ETag; the admin health shows the stage', async () => {
    assert.equal((await server.call('GET', '/v1/halt')).status, 404);
    await report('page-notes', 20, 10, HOST_EVENTS.installFailed);
    const { doc, etag } = await awaitHalt();
    checkHaltDocument(doc, manifest);
    assert.equal(doc.manifestSerial, 7);
    assert.deepEqual(doc.halts.map((h) => [h.featureId, h.action]), [['page-notes', 'kill']]);
    assert.match(doc.halts[0]!.reason, /^gate failureRate of stage 2 of 3 \(5%\): exceeds the ceiling 10\.0%: even the lower bound \d+\.\d% is above it$/);
    const again = await fetch(`${server.url}/v1/halt`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const health = await server.call('GET', '/v1/admin/features/page-notes/health', { token: ADMIN_TOKEN });
    assert.deepEqual([health.body.verdict, health.body.stage, health.body.stageDetail.halt.action], ['kill', 'killed by a halt', 'kill']);
    const other = await server.call('GET', '/v1/admin/features/reading-time/health', { token: ADMIN_TOKEN });
    assert.equal(other.body.stage, 'stage 2 of 3 (5%)');
    assert.deepEqual(other.body.stageDetail, { label: 'stage 2 of 3 (5%)', number: 2, of: 3, rolloutPercent: 5, nextAt: new Date(START + 42 * HOUR).toISOString(), halt: null });
  });

  it('freezes at the current stage when another gate fails, keeps earlier halts in later documents, and turns a freeze into a kill', async () => {
    await report('reading-time', 20, 12, HOST_EVENTS.optOut);
    const first = await awaitHalt();
    assert.deepEqual(first.doc.halts.map((h) => [h.featureId, h.action, h.stage]), [['reading-time', 'freeze', 1]]);
    await report('page-notes', 20, 10, HOST_EVENTS.installFailed);
    const second = await awaitHalt(first.doc.serial);
    checkHaltDocument(second.doc, manifest, first.doc);
    assert.deepEqual(second.doc.halts.map((h) => [h.featureId, h.action, h.stage]), [['page-notes', 'kill', undefined], ['reading-time', 'freeze', 1]]);
    const health = await server.call('GET', '/v1/admin/health', { token: ADMIN_TOKEN });
    assert.deepEqual(health.body.features.map((f: { stage?: string }) => f.stage ?? null), ['killed by a halt', 'stage 2 of 3 (5%), frozen by a halt', null]);
  });

  it('freezes a stage about to end whose gates are not shown to hold, and halts nothing while they hold', async () => {
    await report('page-notes', 40, 0, HOST_EVENTS.installFailed);
    await report('reading-time', 40, 0, HOST_EVENTS.optOut);
    // 41.8 hours in: the second stage ends at hour 72, 12 minutes from now.
    server.clock.now = START + 41.8 * HOUR;
    const healthy = await server.call('GET', '/v1/admin/features/page-notes/health', { token: ADMIN_TOKEN });
    assert.equal(healthy.body.criteria.find((c: { name: string }) => c.name === 'failureRate').pass, true);
    // A feature whose gate has fewer installs than it needs, 6 minutes before its first stage ends, is held there.
    const fresh = createPayload({ serial: 8, features: [staged('page-notes', ['failureRate']), staged('new-tab', ['failureRate'])] });
    fresh.features[1]!.stages!.startAt = new Date(START + 41.8 * HOUR - 23.9 * HOUR).toISOString();
    manifest = fresh;
    assert.equal((await server.call('PUT', '/v1/admin/manifest', { raw: await signPayload(fresh, [channel]), token: ADMIN_TOKEN })).status, 201);
    const { doc } = await awaitHalt();
    assert.equal(doc.manifestSerial, 8);
    assert.deepEqual(doc.halts.map((h) => [h.featureId, h.action, h.stage]), [['new-tab', 'freeze', 0]]);
    assert.match(doc.halts[0]!.reason, /^the gates of stage 1 of 3 \(1%\) do not hold before the next stage starts at .*failureRate: not enough data: 0 of the 20 installs needed/);
  });
});
