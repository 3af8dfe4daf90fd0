// The storage service over real HTTP on both stores: server-assigned times,
// conditional requests, atomic batches, quotas, and two clients racing.
import { strict as assert } from 'node:assert';
import { MAX_PAYLOAD_BYTES, QUOTA_BYTES } from '../../../server/services/storage/index';
import { createSignedInAccount, describeEachStore, startSignedInServer, type TestServer } from '../helpers';

const BASE = '/v1/services/storage';

describeEachStore('beta server: storage service', (store) => {
  let server: TestServer;
  let token: string;
  beforeEach(async () => ({ server, token } = await startSignedInServer({ store })));
  afterEach(async () => server.close());

  const put = (id: string, body: unknown, headers: Record<string, string> = {}, as = token) =>
    server.call('PUT', `${BASE}/storage/tabs/${id}`, { token: as, body, headers });
  const lastModified = (reply: { headers: Headers }) => Number(reply.headers.get('x-last-modified'));

  it('stores records with server-assigned times and answers every request with X-Last-Modified', async () => {
    const first = await put('a', { payload: 'one', sortindex: 5 });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.modified, server.clock.now);
    assert.equal(lastModified(first), first.body.modified);
    // Same clock reading: the next write still gets a later time.
    const second = await put('b', { payload: 'two', sortindex: 9 });
    assert.equal(second.body.modified, first.body.modified + 1);

    const record = await server.call('GET', `${BASE}/storage/tabs/a`, { token });
    assert.deepEqual(record.body, { id: 'a', payload: 'one', modified: first.body.modified, sortindex: 5 });
    const info = await server.call('GET', `${BASE}/info/collections`, { token });
    assert.deepEqual(info.body, { tabs: second.body.modified });
    assert.equal(lastModified(info), second.body.modified);
    const missing = await server.call('GET', `${BASE}/storage/tabs/nope`, { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'record_not_found');
  });

  it('reads with newer, sort, limit and offset, and pages with X-Weave-Next-Offset', async () => {
    for (const [id, sortindex] of [['a', 1], ['b', 3], ['c', 2]] as const) {
      await put(id, { payload: id, sortindex });
      server.clock.now += 10;
    }
    const ids = async (query: string) => (await server.call('GET', `${BASE}/storage/tabs?${query}`, { token })).body;
    assert.deepEqual(await ids('sort=oldest'), ['a', 'b', 'c']);
    assert.deepEqual(await ids('sort=newest'), ['c', 'b', 'a']);
    assert.deepEqual(await ids('sort=index'), ['b', 'c', 'a']);
    const a = (await server.call('GET', `${BASE}/storage/tabs/a`, { token })).body.modified;
    assert.deepEqual(await ids(`newer=${a}&sort=oldest`), ['b', 'c']);
    const page = await server.call('GET', `${BASE}/storage/tabs?sort=oldest&limit=2`, { token });
    assert.deepEqual(page.body, ['a', 'b']);
    assert.equal(page.headers.get('x-weave-next-offset'), '2');
    const rest = await server.call('GET', `${BASE}/storage/tabs?sort=oldest&limit=2&offset=2`, { token });
    assert.deepEqual(rest.body, ['c']);
    assert.deepEqual(await ids('sort=oldest&offset=1'), ['b', 'c']);
    assert.equal(rest.headers.get('x-weave-next-offset'), null);
    const full = await server.call('GET', `${BASE}/storage/tabs?full=1&ids=a,c&sort=oldest`, { token });
    assert.deepEqual(full.body.map((r: { payload: string }) => r.payload), ['a', 'c']);
    assert.equal((await server.call('GET', `${BASE}/storage/tabs?limit=0`, { token })).status, 400);
  });

  it('answers 304 to X-If-Modified-Since and 412 to a stale X-If-Unmodified-Since, changing nothing', async () => {
    const first = await put('a', { payload: 'one' });
    const since = String(first.body.modified);
    const unchanged = await server.call('GET', `${BASE}/storage/tabs`, { token, headers: { 'x-if-modified-since': since } });
    assert.equal(unchanged.status, 304);
    await put('b', { payload: 'two' });
    const refused = await put('a', { payload: 'stale' }, { 'x-if-unmodified-since': since });
    assert.equal(refused.status, 412);
    assert.equal(refused.body.error.code, 'modified_since');
    assert.equal((await server.call('GET', `${BASE}/storage/tabs/a`, { token })).body.payload, 'one');
    const bad = await put('a', { payload: 'x' }, { 'x-if-unmodified-since': 'yesterday' });
    assert.equal(bad.status, 400);
  });

  it('lets one of two clients racing from the same version win; the other gets 412, re-reads, merges, and nothing is lost', async () => {
    const laptop = token;
    const phone = (await server.call('POST', '/v1/sessions', { body: { email: 'reader@example.org', password: 'correct horse' } })).body.token as string;
    const base = await put('stash', { payload: JSON.stringify(['base']) });
    const version = String(base.body.modified);
    const [fromLaptop, fromPhone] = await Promise.all([
      put('stash', { payload: JSON.stringify(['base', 'laptop']) }, { 'x-if-unmodified-since': version }, laptop),
      put('stash', { payload: JSON.stringify(['base', 'phone']) }, { 'x-if-unmodified-since': version }, phone),
    ]);
    assert.deepEqual([fromLaptop.status, fromPhone.status].sort(), [200, 412]);
    const [loser, loserToken, mine] = fromLaptop.status === 412 ? [fromLaptop, laptop, 'laptop'] : [fromPhone, phone, 'phone'];
    assert.ok(lastModified(loser) > base.body.modified, 'the 412 says when the collection changed');
    // The loser re-reads, merges its change into the winner's, and writes against what it read.
    const current = await server.call('GET', `${BASE}/storage/tabs/stash`, { token: loserToken });
    const merged = [...new Set([...(JSON.parse(current.body.payload) as string[]), 'base', mine])];
    const retry = await put('stash', { payload: JSON.stringify(merged) }, { 'x-if-unmodified-since': String(lastModified(current)) }, loserToken);
    assert.equal(retry.status, 200, retry.text);
    const final = JSON.parse((await server.call('GET', `${BASE}/storage/tabs/stash`, { token })).body.payload) as string[];
    assert.deepEqual(final.sort(), ['base', 'laptop', 'phone']);
  });

  it('commits a batched upload atomically, at one modified time, and only on commit', async () => {
    const opened = await server.call('POST', `${BASE}/storage/tabs?batch=true`, { token, body: [{ id: 'a', payload: '1' }, { id: 'b', payload: '2' }] });
    assert.equal(opened.status, 202, opened.text);
    const batch = opened.body.batch as string;
    assert.deepEqual((await server.call('GET', `${BASE}/storage/tabs`, { token })).body, [], 'nothing is visible before the commit');
    const committed = await server.call('POST', `${BASE}/storage/tabs?batch=${batch}&commit=true`, { token, body: [{ id: 'c', payload: '3' }, { id: 'bad/id', payload: '' }] });
    assert.equal(committed.status, 200, committed.text);
    assert.deepEqual(committed.body.success, ['a', 'b', 'c']);
    assert.deepEqual(Object.keys(committed.body.failed), ['1']);
    const records = (await server.call('GET', `${BASE}/storage/tabs?full=1&sort=oldest`, { token })).body as Array<{ id: string; modified: number }>;
    assert.deepEqual(records.map((r) => r.id).sort(), ['a', 'b', 'c']);
    assert.equal(new Set(records.map((r) => r.modified)).size, 1);
    const again = await server.call('POST', `${BASE}/storage/tabs?batch=${batch}&commit=true`, { token, body: [] });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'batch_not_found');
  });

  it('refuses payloads over 256 KB and writes past the quota with a clear error, keeping what was stored', async () => {
    const big = await put('big', { payload: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'payload_too_large');
    const chunk = 'y'.repeat(MAX_PAYLOAD_BYTES);
    const fits = Math.floor(QUOTA_BYTES / MAX_PAYLOAD_BYTES);
    for (let i = 0; i < fits; i++) assert.equal((await put(`r${i}`, { payload: chunk })).status, 200);
    const over = await put('one-more', { payload: chunk });
    assert.equal(over.status, 403);
    assert.equal(over.body.error.code, 'quota_exceeded');
    assert.match(over.body.error.message, /quota of 5242880/);
    assert.equal((await server.call('GET', `${BASE}/storage/tabs/one-more`, { token })).status, 404);
    assert.equal((await server.call('GET', `${BASE}/info/quota`, { token })).body.usage, fits * MAX_PAYLOAD_BYTES);
  });

  it('puts the account’s records in its export and erases them with the account', async () => {
    await put('kept', { payload: 'mine', sortindex: 2 });
    const exported = await server.call('GET', '/v1/account/export', { token });
    assert.deepEqual(exported.body.services.storage.records.records.map((r: { collection: string; id: string; payload: string }) => [r.collection, r.id, r.payload]), [['tabs', 'kept', 'mine']]);
    assert.equal((await server.call('DELETE', '/v1/account', { token })).status, 204);
    const other = await createSignedInAccount(server, 'other@example.org');
    assert.deepEqual((await server.call('GET', `${BASE}/info/collections`, { token: other })).body, {});
    const left = await server.store.db.selectFrom('storage_records' as 'notes').selectAll().execute();
    assert.deepEqual(left, []);
  });

  it('forgets records once their ttl is over', async () => {
    await put('brief', { payload: 'soon gone', ttl: 60 });
    assert.equal((await server.call('GET', `${BASE}/storage/tabs/brief`, { token })).status, 200);
    server.clock.now += 61_000;
    assert.equal((await server.call('GET', `${BASE}/storage/tabs/brief`, { token })).status, 404);
  });
});
