// A beta server runs a service only while the signed manifest deploys it with
// sign-offs for the code it runs; a publish deploys or withdraws it without a
// restart, and a withdrawn service's data is kept.
import { strict as assert } from 'node:assert';
import { ADMIN_TOKEN, createPayload, describeEachStore, startSignedInServer, type TestServer } from '../helpers';
import { makeServiceEntry } from '../../helpers/manifests';
import { createSigningKey, signPayload, type SigningKey } from '../../helpers/signing';
import type { ManifestService } from '../../../protocol/manifest-schema';

describeEachStore('beta server: service deployment', (store) => {
  let server: TestServer;
  let channel: SigningKey;
  let token: string;
  let serial = 0;
  const page = 'https://example.org/';

  before(async () => (channel = await createSigningKey('channel')));
  beforeEach(async () => {
    ({ server, token } = await startSignedInServer({ store, serviceDeployment: 'manifest', trust: [channel.pinned] }));
  });
  afterEach(async () => server.close());

  const publish = async (services: ManifestService[]) => {
    const envelope = await signPayload(createPayload({ serial: ++serial, services }), [channel]);
    const answer = await server.call('PUT', '/v1/admin/manifest', { raw: envelope, token: ADMIN_TOKEN });
    assert.equal(answer.status, 201, answer.text);
  };
  const listNotes = () => server.call('GET', '/v1/services/notes/', { token });

  it('answers 404 service_not_deployed until a manifest deploys the service, then serves it without a restart', async () => {
    const before = await listNotes();
    assert.equal(before.status, 404);
    assert.equal(before.body.error.code, 'service_not_deployed');
    assert.deepEqual((await server.call('GET', '/v1/services')).body, { services: [] });

    await publish([makeServiceEntry('notes')]);
    assert.equal((await listNotes()).status, 200);
    assert.deepEqual((await server.call('GET', '/v1/services')).body, { services: [{ id: 'notes', name: 'Page notes', version: '1.0.0' }] });
  });

  it('refuses to run a service whose manifest entry is for other code, another version or signed off by an owner', async () => {
    const entry = makeServiceEntry('notes');
    const others = [
      makeServiceEntry('notes', undefined, { sha256: 'a'.repeat(64) }),
      makeServiceEntry('notes', undefined, { version: '1.0.1' }),
      { ...entry, signOffs: { ...entry.signOffs, privacy: { ...entry.signOffs.privacy!, reviewer: 'notes-team@example.org' } } },
      { ...entry, signOffs: { security: entry.signOffs.security, technical: entry.signOffs.technical } },
      { ...entry, signOffs: { ...entry.signOffs, technical: { ...entry.signOffs.technical!, sha256: 'b'.repeat(64) } } },
    ];
    for (const other of others) {
      await publish([other]);
      const refused = await listNotes();
      assert.equal(refused.status, 404, JSON.stringify(other));
      assert.equal(refused.body.error.code, 'service_not_deployed');
    }
    assert.match((await listNotes()).body.error.message, /technical sign-off was given for/);
    await publish([entry]);
    assert.equal((await listNotes()).status, 200);
  });

  it('goes dark when a manifest withdraws it, keeps its data, and serves it again when redeployed', async () => {
    await publish([makeServiceEntry('notes')]);
    assert.equal((await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'kept' } })).status, 201);
    await publish([]);
    assert.equal((await listNotes()).body.error.code, 'service_not_deployed');
    assert.equal((await server.call('PUT', '/v1/services/notes/', { token, body: { url: page, text: 'lost?' } })).status, 404);
    await publish([makeServiceEntry('notes')]);
    assert.deepEqual((await listNotes()).body.notes.map((n: { text: string }) => n.text), ['kept']);
  });

  it('checks the deployment before the session: a stranger learns only that the service is not deployed', async () => {
    const stranger = await server.call('GET', '/v1/services/notes/');
    assert.equal(stranger.body.error.code, 'service_not_deployed');
    await publish([makeServiceEntry('notes')]);
    assert.equal((await server.call('GET', '/v1/services/notes/')).status, 401);
  });
});
