// Deleting an account erases what every service keeps on it, all or nothing;
// the export is the user's copy of all of it. Two services hold data: notes
// and a test service discovered from a fixture folder.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVICES_DIR } from '../../../server/services/load-services';
import { createSignedInAccount, describeEachStore, startTestServer, type TestServer } from '../helpers';

const FIXTURE_SERVICES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'services');

describeEachStore('beta server: account data across services', (store) => {
  let server: TestServer;
  let ada: string;
  let bob: string;
  beforeEach(async () => {
    server = await startTestServer({ store, servicesDirs: [DEFAULT_SERVICES_DIR, FIXTURE_SERVICES] });
    ada = await createSignedInAccount(server, 'ada@example.org');
    bob = await createSignedInAccount(server, 'bob@example.org');
    for (const [token, who] of [[ada, 'ada'], [bob, 'bob']] as const) {
      assert.equal((await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/', text: `${who}'s note` } })).status, 201);
      assert.equal((await server.call('POST', '/v1/services/bookmarks/', { token, body: { title: `${who}'s bookmark` } })).status, 201);
    }
  });
  afterEach(async () => server.close());

  const countRows = async (table: string, email: string) => {
    const rows = await server.store.db
      .selectFrom(table as 'notes')
      .innerJoin('accounts', 'accounts.id', `${table}.account_id` as 'notes.account_id')
      .select('accounts.email')
      .where('accounts.email', '=', email)
      .execute();
    return rows.length;
  };

  it('exports the account and every service’s data, and only the user’s own', async () => {
    const exported = await server.call('GET', '/v1/account/export', { token: ada });
    assert.equal(exported.status, 200, exported.text);
    assert.equal(exported.body.account.email, 'ada@example.org');
    assert.deepEqual(Object.keys(exported.body.services).sort(), ['bookmarks', 'notes', 'storage']);
    assert.deepEqual(exported.body.services.storage.records, { records: [] });
    assert.deepEqual(exported.body.services.notes.records.notes.map((n: { text: string }) => n.text), ["ada's note"]);
    assert.deepEqual(exported.body.services.bookmarks.records, { titles: ["ada's bookmark"] });
    assert.equal(exported.body.services.notes.data[0].retention, 'until the user deletes the note or the account');
    assert.equal((await server.call('GET', '/v1/account/export')).status, 401);
  });

  it('erases the account with every service’s data, and nothing of other accounts', async () => {
    assert.equal((await server.call('DELETE', '/v1/account', { token: ada })).status, 204);
    assert.equal(await countRows('notes', 'ada@example.org'), 0);
    // Bookmarks have no foreign key: only the service's deleteAccountData removes them.
    const left = await server.store.db.selectFrom('test_bookmarks' as 'notes').selectAll().execute();
    assert.deepEqual(left.map((row) => (row as unknown as { title: string }).title), ["bob's bookmark"]);
    assert.equal(await countRows('notes', 'bob@example.org'), 1);
    assert.equal((await server.call('GET', '/v1/account', { token: ada })).status, 401);
    assert.equal((await server.call('GET', '/v1/account/export', { token: bob })).body.services.bookmarks.records.titles.length, 1);
  });

  it('keeps the account and all its data when one service fails to delete its part', async () => {
    // Drop the fixture table under the running server: the bookmarks deletion fails, so nothing may go.
    await server.store.db.schema.alterTable('test_bookmarks').renameTo('test_bookmarks_away').execute();
    const refused = await server.call('DELETE', '/v1/account', { token: ada });
    assert.notEqual(refused.status, 204, refused.text);
    await server.store.db.schema.alterTable('test_bookmarks_away').renameTo('test_bookmarks').execute();
    assert.equal(await countRows('notes', 'ada@example.org'), 1);
    assert.equal((await server.call('GET', '/v1/account', { token: ada })).status, 200);
  });
});
