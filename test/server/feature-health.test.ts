// Verdicts over the real server: publish a manifest with exit criteria, send
// usage and feedback through the public routes as add-ons would, then read
// the verdict from the admin routes, on SQLite and PostgreSQL.
import { strict as assert } from 'node:assert';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { makeExitCriteria } from '../helpers/exit-criteria';
import { makeEntry, sha256 } from '../helpers/manifests';
import { createSigningKey, signPayload } from '../helpers/signing';
import { ADMIN_TOKEN, createPayload, describeEachStore, runReport, startTestServer, type TestServer } from './helpers';

/** Runs `npm run report` on the test server's database. */
const runReportOn = (server: TestServer, args: string[]) => runReport(args, { DATA_DIR: server.dir, DATABASE_URL: server.config.databaseUrl ?? '' });

const CRITERIA = makeExitCriteria({ minInstalls: 40, retention7d: [0.5, 30], rating: [3.5, 10], failureRate: [0.1, 40], optOutRate: [0.3, 40] });

describeEachStore('beta server: exit criteria and verdicts', (store) => {
  let server: TestServer;
  let channel: Awaited<ReturnType<typeof createSigningKey>>;
  const health = (id: string, query = '', token = ADMIN_TOKEN) => server.call('GET', `/v1/admin/features/${id}/health${query}`, { token });
  const send = (installId: string, batchId: string, counts: Array<[day: string, event: string]>) =>
    server.call('POST', '/v1/usage', { body: { batchId, installId, counts: counts.map(([day, event]) => ({ day, featureId: 'page-notes', event, count: 1 })) } });

  before(async () => {
    channel = await createSigningKey('channel-2026');
  });
  beforeEach(async () => {
    server = await startTestServer({ store, trust: [channel.pinned] });
    const features = [makeEntry('page-notes', '1.0.0', sha256('notes'), { exitCriteria: CRITERIA }), makeEntry('reading-time', '1.0.0', sha256('time'))];
    const published = await server.call('PUT', '/v1/admin/manifest', { raw: await signPayload(createPayload({ serial: 1, features }), [channel]), token: ADMIN_TOKEN });
    assert.equal(published.status, 201, published.text);
  });
  afterEach(async () => server.close());

  /** 40 installs first use page-notes on Nov 10; 32 come back on Nov 14, 8 only on Nov 20, after their week. Ten rate it 4 or 5. */
  async function seedHealthyUsage(): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const later = i < 32 ? '2026-11-14' : '2026-11-20';
      const sent = await send(`install-${i}`, 'b-1', [['2026-11-10', 'opened'], [later, 'opened']]);
      assert.equal(sent.status, 200, sent.text);
    }
    for (let i = 0; i < 10; i++) {
      const sent = await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: i % 2 ? 4 : 5, installId: `install-${i}` } });
      assert.equal(sent.status, 201, sent.text);
    }
  }

  it('graduates a feature whose every criterion passes with its interval', async () => {
    await seedHealthyUsage();
    const response = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.featureId, 'page-notes');
    assert.equal(response.body.verdict, 'graduate', JSON.stringify(response.body, null, 1));
    const byName = Object.fromEntries(response.body.criteria.map((c: { name: string }) => [c.name, c]));
    assert.deepEqual(Object.keys(byName), ['minInstalls', 'retention7d', 'rating', 'failureRate', 'optOutRate']);
    assert.equal(byName.minInstalls.value, 40);
    assert.equal(byName.retention7d.value, 0.8);
    assert.equal(byName.retention7d.samples, 40);
    assert.equal(byName.rating.value, 4.5);
    assert.equal(byName.rating.samples, 10);
    assert.equal(byName.failureRate.value, 0);
    for (const criterion of response.body.criteria) {
      assert.equal(criterion.pass, true, criterion.name);
      assert.equal(criterion.interval.length, 2);
      assert.ok(criterion.interval[0] <= criterion.interval[1]);
    }
  });

  it('kills it once enough installs report failures that even the lower bound is over the ceiling', async () => {
    await seedHealthyUsage();
    for (let i = 0; i < 12; i++) await send(`install-${i}`, 'b-2', [['2026-11-21', HOST_EVENTS.installFailed]]);
    const response = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(response.body.verdict, 'kill');
    assert.match(response.body.reason, /^failureRate exceeds the ceiling 10\.0%/);
    const failure = response.body.criteria.find((c: { name: string }) => c.name === 'failureRate');
    assert.equal(failure.value, 0.3);
    assert.ok(failure.interval[0] > 0.1);
  });

  it('halts it when opt-outs are over their ceiling', async () => {
    await seedHealthyUsage();
    for (let i = 0; i < 25; i++) await send(`install-${i}`, 'b-2', [['2026-11-21', HOST_EVENTS.optOut]]);
    const response = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(response.body.verdict, 'halt');
  });

  it('halts it when installs that erred (host.error) are over the error-rate ceiling', async () => {
    const features = [makeEntry('page-notes', '1.0.0', sha256('notes'), { exitCriteria: { ...CRITERIA, errorRate: { max: 0.1, minSample: 40 } } })];
    const republished = await server.call('PUT', '/v1/admin/manifest', { raw: await signPayload(createPayload({ serial: 2, features }), [channel]), token: ADMIN_TOKEN });
    assert.equal(republished.status, 201, republished.text);
    await seedHealthyUsage();
    const healthy = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(healthy.body.verdict, 'graduate', JSON.stringify(healthy.body, null, 1));
    for (let i = 0; i < 14; i++) await send(`install-${i}`, 'b-2', [['2026-11-21', HOST_EVENTS.error], ['2026-11-21', HOST_EVENTS.contentError]]);
    const response = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(response.body.verdict, 'halt');
    assert.match(response.body.reason, /^errorRate exceeds the ceiling 10\.0%/);
    const errors = response.body.criteria.find((c: { name: string }) => c.name === 'errorRate');
    assert.deepEqual([errors.value, errors.samples], [0.35, 40]);
  });

  it('says "not enough data" rather than judging a handful of installs', async () => {
    for (let i = 0; i < 5; i++) await send(`install-${i}`, 'b-1', [['2026-11-10', 'opened'], ['2026-11-10', HOST_EVENTS.installFailed]]);
    const response = await health('page-notes', '?asOf=2026-11-25');
    assert.equal(response.body.verdict, 'continue');
    const failure = response.body.criteria.find((c: { name: string }) => c.name === 'failureRate');
    assert.deepEqual([failure.value, failure.pass, failure.reason], [1, null, 'not enough data: 5 of the 40 installs needed']);
    // Installs whose first week is not over yet do not count for retention.
    const early = await health('page-notes', '?asOf=2026-11-16');
    assert.equal(early.body.criteria.find((c: { name: string }) => c.name === 'retention7d').samples, 0);
  });

  it('lists every feature of the manifest, continues one without criteria, and guards and checks its input', async () => {
    const all = await server.call('GET', '/v1/admin/health', { token: ADMIN_TOKEN });
    assert.equal(all.status, 200);
    assert.equal(all.body.asOf, '2026-11-25');
    assert.deepEqual(all.body.features.map((f: { featureId: string; verdict: string }) => [f.featureId, f.verdict]), [['page-notes', 'continue'], ['reading-time', 'continue']]);
    assert.deepEqual((await health('reading-time')).body, { featureId: 'reading-time', verdict: 'continue', reason: 'the release gives this feature no exit criteria', criteria: [] });
    const unknown = await health('tab-groups');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'unknown_feature']);
    assert.equal((await health('page-notes', '', 'wrong-token')).status, 401);
    assert.equal((await server.call('GET', '/v1/admin/features/page-notes/health')).body.error.code, 'admin_token_required');
    const badDay = await health('page-notes', '?asOf=2026-13-01');
    assert.deepEqual([badDay.status, badDay.body.error.code], [400, 'invalid_request']);
    assert.match(badDay.body.error.message, /asOf/);
    assert.equal((await health('Bad_Id')).status, 400);
  });

  it('npm run report prints each verdict with its reasons, and --json gives what the admin route gives', async function () {
    this.timeout(60_000);
    await seedHealthyUsage();
    for (let i = 0; i < 12; i++) await send(`install-${i}`, 'b-2', [['2026-11-21', HOST_EVENTS.installFailed]]);
    const fromRoute = await server.call('GET', '/v1/admin/health?asOf=2026-11-25', { token: ADMIN_TOKEN });
    const json = JSON.parse(await runReportOn(server, ['--as-of', '2026-11-25', '--json']));
    assert.deepEqual(json, fromRoute.body);
    assert.deepEqual(json.features.map((f: { featureId: string; verdict: string }) => [f.featureId, f.verdict]), [['page-notes', 'kill'], ['reading-time', 'continue']]);
    const text = await runReportOn(server, ['--as-of', '2026-11-25']);
    assert.match(text, /^Adoption report as of 2026-11-25$/m);
    assert.match(text, /^page-notes: KILL \(failureRate exceeds the ceiling 10\.0%: even the lower bound \d+\.\d% is above it\)$/m);
    assert.match(text, /^ {4}FAIL {2}failureRate: 30\.0% \[\d+\.\d%, \d+\.\d%\], n=40; exceeds the ceiling 10\.0%/m);
    assert.match(text, /^ {4}pass {2}retention7d: 80\.0% \[\d+\.\d%, \d+\.\d%\], n=40; lower bound/m);
    assert.match(text, /^reading-time: CONTINUE \(the release gives this feature no exit criteria\)$/m);
  });
});
