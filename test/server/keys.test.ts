import { strict as assert } from 'node:assert';
import { createSigningKeys, signKeyDocument, signPayload, type SigningKey } from '../helpers/signing';
import { ADMIN_TOKEN, assertApiError, createPayload, describeEachStore, startTestServer, START, type TestServer } from './helpers';

describeEachStore('beta server: key document', (store) => {
  let server: TestServer;
  let root: SigningKey;
  let otherRoot: SigningKey;
  let manifestA: SigningKey;
  let manifestB: SigningKey;
  const putKeys = (raw: string, token = ADMIN_TOKEN) => server.call('PUT', '/v1/admin/keys', { raw, token });
  const putManifest = (raw: string) => server.call('PUT', '/v1/admin/manifest', { raw, token: ADMIN_TOKEN });
  const keyDocument = (serial: number, listed: SigningKey[], extra: Record<string, unknown> = {}, signers: SigningKey[] = [root]) =>
    signKeyDocument(signers, listed.map((key) => key.pinned), { serial, ...extra }, START - 60_000);

  before(async () => {
    [root, otherRoot, manifestA, manifestB] = await createSigningKeys('root-1', 'root-2', 'manifest-a', 'manifest-b');
  });
  beforeEach(async () => (server = await startTestServer({ store, trustRoots: [root.pinned] })));
  afterEach(async () => server.close());

  it('answers 404 before a key document is published, then serves its exact bytes with an ETag and 304', async () => {
    assertApiError(await server.call('GET', '/v1/keys'), 404, 'no_key_document');
    const document = await keyDocument(1, [manifestA]);
    const published = await putKeys(document);
    assert.equal(published.status, 201, published.text);
    assert.equal(published.body.serial, 1);
    const response = await fetch(`${server.url}/v1/keys`);
    assert.equal(await response.text(), document);
    const etag = response.headers.get('etag')!;
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    assert.match(response.headers.get('access-control-expose-headers') ?? '', /\bETag\b/, 'the add-on reads the ETag across origins');
    assert.equal((await fetch(`${server.url}/v1/keys`, { headers: { 'if-none-match': etag } })).status, 304);
  });

  it('refuses what is not signed by enough root keys, goes back, reuses a serial or leaves no manifest key', async () => {
    const current = await keyDocument(5, [manifestA]);
    assert.equal((await putKeys(current)).status, 201);
    const cases: Array<[string, string, number, string]> = [
      ['signed by a manifest key', await keyDocument(6, [manifestA], {}, [manifestA]), 422, 'unknown_key'],
      ['signed by an unknown root', await keyDocument(6, [manifestA], {}, [otherRoot]), 422, 'unknown_key'],
      ['lower serial', await keyDocument(4, [manifestA]), 409, 'stale_serial'],
      ['equal serial', await keyDocument(5, [manifestB]), 409, 'stale_serial'],
      ['revokes the only manifest key', await keyDocument(6, [manifestA], { revoked: [{ keyId: 'manifest-a', reason: 'leaked' }] }), 422, 'no_manifest_key'],
      ['lists a key twice', await keyDocument(6, [manifestA, manifestA]), 422, 'malformed_payload'],
      ['a manifest, not a key document', await signPayload(createPayload({ serial: 6 }), [root]), 422, 'malformed_payload'],
      ['valid for two years', await keyDocument(6, [manifestA], { expiresAt: new Date(START + 730 * 86_400_000).toISOString() }), 422, 'lifetime_too_long'],
      ['not an envelope', '{"payload": 1}', 400, 'malformed_envelope'],
    ];
    for (const [name, raw, status, code] of cases) {
      const response = await putKeys(raw);
      assert.equal(response.status, status, `${name}: ${response.text}`);
      assert.equal(response.body.error.code, code, name);
    }
    assert.equal(await (await fetch(`${server.url}/v1/keys`)).text(), current);
  });

  it('needs the configured number of root signatures', async () => {
    await server.close();
    server = await startTestServer({ store, rootThreshold: 2, trustRoots: [root.pinned, otherRoot.pinned] });
    const one = await putKeys(await keyDocument(1, [manifestA]));
    assert.equal(one.body.error.code, 'below_threshold');
    assert.equal((await putKeys(await keyDocument(1, [manifestA], {}, [root, otherRoot]))).status, 201);
  });

  it('guards the upload with the admin token, and answers 503 without root keys', async () => {
    const document = await keyDocument(1, [manifestA]);
    assert.equal((await putKeys(document, 'wrong-token')).status, 401);
    server.rootKeys.length = 0;
    const unconfigured = await putKeys(document);
    assert.equal(unconfigured.status, 503);
    assert.equal(unconfigured.body.error.code, 'no_root_keys');
  });

  it('once a key document exists, accepts manifests only from its listed, unrevoked manifest keys', async () => {
    server.keys.push(manifestA.pinned); // PUBLIC_KEYS no longer count once a key document is published
    assert.equal((await putManifest(await signPayload(createPayload({ serial: 1 }), [manifestA]))).status, 201);
    assert.equal((await putKeys(await keyDocument(1, [manifestB], { revoked: [{ keyId: 'manifest-a', reason: 'leaked' }] }))).status, 201);
    const revoked = await putManifest(await signPayload(createPayload({ serial: 2 }), [manifestA]));
    assert.equal(revoked.status, 422);
    assert.equal(revoked.body.error.code, 'revoked_key');
    assert.match(revoked.body.error.message, /manifest-a \(revoked: leaked\)/);
    assert.equal((await putManifest(await signPayload(createPayload({ serial: 2 }), [manifestB]))).status, 201);
  });
});
