import { strict as assert } from 'node:assert';
import { formatReportTable, readLocalReport } from '../../server/report';
import { ADMIN_TOKEN, createSignedInAccount, describeEachStore, startTestServer, type TestServer } from './helpers';

const count = (day: string, featureId: string, event: string, n = 1) => ({ day, featureId, event, count: n });

describeEachStore('beta server: usage, feedback and the adoption report', (store) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => server.close());

  const report = async (query = '') => {
    const response = await server.call('GET', `/v1/admin/report${query}`, { token: ADMIN_TOKEN });
    assert.equal(response.status, 200, response.text);
    return response.body as { asOf: string; features: Array<Record<string, any>> };
  };

  it('counts a batch once even when it is retried', async () => {
    const batch = { batchId: 'b-1', installId: 'install-a', counts: [count('2026-11-25', 'page-notes', 'opened', 3)] };
    const first = await server.call('POST', '/v1/usage', { body: batch });
    assert.equal(first.status, 200);
    assert.equal(first.body.status, 'recorded');
    const retry = await server.call('POST', '/v1/usage', { body: batch });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.status, 'duplicate');
    assert.deepEqual((await report()).features[0]!.events, { opened: 3 });
  });

  it('refuses batches over 500 counts and malformed counts without recording any of them', async () => {
    const big = { batchId: 'b-big', installId: 'i', counts: Array.from({ length: 501 }, () => count('2026-11-25', 'page-notes', 'opened')) };
    const tooBig = await server.call('POST', '/v1/usage', { body: big });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, 'batch_too_large');
    const full = { ...big, batchId: 'b-full', counts: big.counts.slice(0, 500).map((c, i) => ({ ...c, featureId: `feature-number-${i}-with-a-long-identifier` })) };
    assert.equal((await server.call('POST', '/v1/usage', { body: full })).status, 200);

    for (const bad of [
      count('2026-02-30', 'page-notes', 'opened'),
      count('2026-11-25', 'Page Notes', 'opened'),
      count('2026-11-25', 'page-notes', 'https://example.org/'),
      count('2026-11-25', 'page-notes', 'opened', 0),
      { ...count('2026-11-25', 'page-notes', 'opened'), url: 'https://example.org/' },
    ]) {
      const response = await server.call('POST', '/v1/usage', { body: { batchId: 'b-bad', installId: 'i', counts: [count('2026-11-25', 'other-feature', 'opened'), bad] } });
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.match(response.body.error.message, /body\.counts\[1\]/);
    }
    assert.equal((await report()).features.some((f) => f.featureId === 'other-feature'), false);
  });

  it('reports installs, active installs over 1, 7 and 28 days, events and feedback per feature', async () => {
    const send = (batchId: string, installId: string, counts: unknown[]) =>
      server.call('POST', '/v1/usage', { body: { batchId, installId, counts } });
    await send('1', 'install-a', [count('2026-11-25', 'page-notes', 'opened', 2), count('2026-11-25', 'page-notes', 'saved')]);
    await send('2', 'install-b', [count('2026-11-20', 'page-notes', 'opened')]);
    await send('3', 'install-c', [count('2026-11-01', 'page-notes', 'opened')]);
    await send('4', 'install-d', [count('2026-09-01', 'page-notes', 'opened'), count('2026-11-24', 'tab-groups', 'grouped', 5)]);
    await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: 5, comment: 'great', installId: 'install-a' } });
    await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: 2, installId: 'install-e' } });

    const today = await report();
    assert.equal(today.asOf, '2026-11-25');
    assert.deepEqual(today.features, [
      { featureId: 'page-notes', installs: 5, active1d: 1, active7d: 2, active28d: 3, events: { opened: 5, saved: 1 }, feedbackCount: 2, meanRating: 3.5 },
      { featureId: 'tab-groups', installs: 1, active1d: 0, active7d: 1, active28d: 1, events: { grouped: 5 }, feedbackCount: 0, meanRating: null },
    ]);
    const earlier = await report('?asOf=2026-11-20');
    assert.deepEqual(earlier.features.map((f) => [f.featureId, f.active1d, f.active7d, f.active28d]), [
      ['page-notes', 1, 1, 2],
      ['tab-groups', 0, 0, 0],
    ]);
    assert.equal((await server.call('GET', '/v1/admin/report?asOf=yesterday', { token: ADMIN_TOKEN })).status, 400);
    assert.equal((await server.call('GET', '/v1/admin/report')).status, 401);

    const table = formatReportTable(await readLocalReport(server.dir, '2026-11-25', server.config.databaseUrl));
    assert.match(table, /as of 2026-11-25/);
    assert.match(table, /^page-notes\s+5\s+1\s+2\s+3\s+2\s+3\.50\s+opened=5 saved=1$/m);
    assert.match(table, /^tab-groups\s+1\s+0\s+1\s+1\s+0\s+-\s+grouped=5$/m);
  });

  it('takes feedback with or without an account and validates it', async () => {
    const token = await createSignedInAccount(server);
    const linked = await server.call('POST', '/v1/feedback', { token, body: { featureId: 'page-notes', rating: 4, comment: 'ok', installId: 'i-1' } });
    assert.equal(linked.status, 201);
    assert.equal(linked.body.linkedToAccount, true);
    const anonymous = await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: 1, installId: 'i-2' } });
    assert.equal(anonymous.status, 201);
    assert.equal(anonymous.body.linkedToAccount, false);
    await server.call('DELETE', '/v1/sessions/current', { token });
    const revoked = await server.call('POST', '/v1/feedback', { token, body: { featureId: 'page-notes', rating: 3, installId: 'i-1' } });
    assert.equal(revoked.status, 201);
    assert.equal(revoked.body.linkedToAccount, false);

    for (const bad of [
      { featureId: 'page-notes', rating: 6, installId: 'i' },
      { featureId: 'page-notes', rating: 2.5, installId: 'i' },
      { featureId: 'page-notes', rating: 3, installId: 'i', comment: 'x'.repeat(2001) },
      { featureId: 'page-notes', rating: 3 },
      { featureId: 'page-notes', rating: 3, installId: 'i', email: 'a@example.org' },
    ]) {
      assert.equal((await server.call('POST', '/v1/feedback', { body: bad })).status, 400, JSON.stringify(bad));
    }
    assert.equal((await report()).features[0]!.feedbackCount, 3);
  });

  it('stores a resent feedback once when the client gives its id, and keeps feedback of other installs apart', async () => {
    const body = { featureId: 'reading-time', rating: 5, comment: 'Sent twice: the first answer was lost', installId: 'i-1', feedbackId: 'f-123' };
    assert.equal((await server.call('POST', '/v1/feedback', { body })).status, 201);
    const again = await server.call('POST', '/v1/feedback', { body });
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal((await server.call('POST', '/v1/feedback', { body: { ...body, installId: 'i-2' } })).status, 201);
    assert.equal((await report()).features.find((f) => f.featureId === 'reading-time')!.feedbackCount, 2);
  });
});
