import { strict as assert } from 'node:assert';
import { createSignedInAccount, describeEachStore, startTestServer } from './helpers';

describeEachStore('beta server: closing', (store) => {
  it('closes its store when the server closes, and not before', async () => {
    const server = await startTestServer({ store });
    try {
      await createSignedInAccount(server, 'ada@example.org');
      assert.ok(await server.store.findAccountByEmail('ada@example.org'));
      await server.app.close();
      await assert.rejects(() => server.store.findAccountByEmail('ada@example.org'));
    } finally {
      await server.close();
    }
  });
});
