import { strict as assert } from 'node:assert';
import { upsertNote } from '../../../server/services/notes/notes-queries';
import { createSignedInAccount, describeEachStore, startSignedInServer, type TestServer } from '../helpers';

describeEachStore('beta server: page notes service', (store) => {
  let server: TestServer;
  let token: string;
  const page = 'https://example.org/article?id=1';
  beforeEach(async () => ({ server, token } = await startSignedInServer({ store })));
  afterEach(async () => server.close());

  it('creates, updates, lists and deletes the note for a page', async () => {
    const created = await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'first' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.text, 'first');
    server.clock.now += 1000;
    const updated = await server.call('PUT', '/v1/services/notes', { token, body: { url: page, text: 'second' } });
    assert.equal(updated.status, 200);
    assert.notEqual(updated.body.updatedAt, updated.body.createdAt);
    await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/other', text: 'other' } });

    const forPage = await server.call('GET', `/v1/services/notes/?url=${encodeURIComponent(page)}`, { token });
    assert.deepEqual(forPage.body.notes.map((n: { text: string }) => n.text), ['second']);
    const all = await server.call('GET', '/v1/services/notes/', { token });
    assert.equal(all.body.notes.length, 2);

    assert.equal((await server.call('DELETE', `/v1/services/notes/?url=${encodeURIComponent(page)}`, { token })).status, 204);
    const gone = await server.call('DELETE', `/v1/services/notes/?url=${encodeURIComponent(page)}`, { token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'note_not_found');
    assert.equal((await server.call('GET', '/v1/services/notes/', { token })).body.notes.length, 1);
  });

  it('lists only the addresses that have a note, for clients that match pages locally', async () => {
    await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'secret text' } });
    await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/other', text: 'more' } });
    const listed = await server.call('GET', '/v1/services/notes/urls', { token });
    assert.equal(listed.status, 200);
    assert.deepEqual([...listed.body.urls].sort(), ['https://example.org/article?id=1', 'https://example.org/other']);
    assert.doesNotMatch(listed.text, /secret text/);
    assert.equal((await server.call('GET', '/v1/services/notes/urls')).status, 401);
    assert.equal((await server.call('GET', '/v1/services/notes/urls?x=1', { token })).status, 400);
  });

  it('keeps notes per account and needs a valid session', async () => {
    await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'private' } });
    const other = await createSignedInAccount(server, 'other@example.org');
    assert.deepEqual((await server.call('GET', '/v1/services/notes/', { token: other })).body.notes, []);
    assert.equal((await server.call('DELETE', `/v1/services/notes/?url=${encodeURIComponent(page)}`, { token: other })).status, 404);
    assert.equal((await server.call('GET', '/v1/services/notes/')).status, 401);
    assert.equal((await server.call('PUT', '/v1/services/notes/', { body: { url: page, text: 'x' } })).status, 401);
  });

  it('bounds note text, url length and the number of notes', async () => {
    const long = await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'x'.repeat(10_001) } });
    assert.equal(long.status, 413);
    assert.equal(long.body.error.code, 'note_too_large');
    // 10,000 characters outside the BMP are accepted: the bound is in characters, not bytes.
    const emoji = await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: '😀'.repeat(10_000) } });
    assert.equal(emoji.status, 201);
    const longUrl = await server.call('PUT', '/v1/services/notes/', { token, body: { url: `https://example.org/${'a'.repeat(2048)}`, text: 'x' } });
    assert.equal(longUrl.status, 413);
    assert.equal(longUrl.body.error.code, 'url_too_long');
    const notUrl = await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'not a url', text: 'x' } });
    assert.equal(notUrl.status, 400);

    const account = (await server.store.findAccountByEmail('reader@example.org'))!;
    for (let i = 1; i < 1000; i++) await upsertNote(server.store.db, server.store.dialect, { accountId: account.id, url: `https://example.org/${i}`, text: 'n', now: server.clock.now, maxNotes: 1000 });
    const full = await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/one-more', text: 'x' } });
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, 'too_many_notes');
    // Updating an existing note still works at the limit.
    assert.equal((await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'edited' } })).status, 200);
  });
});
