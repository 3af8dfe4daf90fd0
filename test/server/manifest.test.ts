import { strict as assert } from 'node:assert';
import { makeEntry, makeManifestPayload, sha256 } from '../helpers/manifests';
import { createSigningKeys, signPayload, type SigningKey } from '../helpers/signing';
import { ADMIN_TOKEN, assertApiError, createPayload, describeEachStore, startTestServer, START, type TestServer } from './helpers';

describeEachStore('beta server: manifest hosting', (store) => {
  let server: TestServer;
  let channel: SigningKey;
  let stranger: SigningKey;
  const put = (raw: string, token = ADMIN_TOKEN) => server.call('PUT', '/v1/admin/manifest', { raw, token });

  before(async () => {
    [channel, stranger] = await createSigningKeys('channel-2026', 'stranger');
  });
  beforeEach(async () => (server = await startTestServer({ store, trust: [channel.pinned] })));
  afterEach(async () => server.close());

  it('answers 404 with a JSON error before anything is published', async () => {
    assertApiError(await server.call('GET', '/v1/manifest'), 404, 'no_manifest');
  });

  it('serves the published envelope byte for byte with a strong ETag, Cache-Control and 304 revalidation', async () => {
    const envelope = await signPayload(createPayload({ serial: 3 }), [channel]);
    const published = await put(envelope);
    assert.equal(published.status, 201);
    assert.equal(published.body.serial, 3);

    const response = await fetch(`${server.url}/v1/manifest`);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), Buffer.from(envelope));
    const etag = response.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');

    const revalidated = await fetch(`${server.url}/v1/manifest`, { headers: { 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);
    assert.equal(await revalidated.text(), '');
    const changed = await fetch(`${server.url}/v1/manifest`, { headers: { 'if-none-match': '"something-else"' } });
    assert.equal(changed.status, 200);

    const next = await signPayload(createPayload({ serial: 4 }), [channel]);
    assert.equal((await put(next)).status, 201);
    const replaced = await fetch(`${server.url}/v1/manifest`, { headers: { 'if-none-match': etag } });
    assert.equal(replaced.status, 200);
    assert.equal(await replaced.text(), next);
  });

  it('accepts a manifest signed by any one trusted key, so keys can rotate', async () => {
    server.keys.push(stranger.pinned);
    const envelope = await signPayload(createPayload({ serial: 1 }), [{ keyId: 'retired', privateKey: stranger.privateKey }, stranger]);
    assert.equal((await put(envelope)).status, 201);
  });

  it('refuses bad signatures, unknown keys, other environments, old serials, expired, unreviewed and malformed envelopes, keeping the current one', async () => {
    const current = await signPayload(createPayload({ serial: 5 }), [channel]);
    assert.equal((await put(current)).status, 201);

    const forged = JSON.parse(await signPayload(createPayload({ serial: 6 }), [channel]));
    forged.payload = JSON.parse(await signPayload(createPayload({ serial: 7 }), [channel])).payload;
    const cases: Array<[string, string, number, string]> = [
      ['bad signature', JSON.stringify(forged), 422, 'bad_signature'],
      ['signed by a stranger', await signPayload(createPayload({ serial: 6 }), [stranger]), 422, 'unknown_key'],
      ['stranger using the channel key id', await signPayload(createPayload({ serial: 6 }), [{ keyId: channel.keyId, privateKey: stranger.privateKey }]), 422, 'bad_signature'],
      ['wrong env', await signPayload(createPayload({ serial: 6, env: 'production' }), [channel]), 422, 'wrong_env'],
      ['lower serial', await signPayload(createPayload({ serial: 4 }), [channel]), 409, 'stale_serial'],
      ['equal serial', await signPayload(createPayload({ serial: 5 }), [channel]), 409, 'stale_serial'],
      ['expired', await signPayload(createPayload({ serial: 6, expiresAt: new Date(START - 1000).toISOString() }), [channel]), 422, 'expired'],
      ['unreviewed', await signPayload(createPayload({ serial: 6, unreviewed: true }), [channel]), 422, 'unreviewed'],
      ['payload off the schema', await signPayload({ ...createPayload({ serial: 6 }), extra: 1 }, [channel]), 422, 'malformed_payload'],
      ['not an envelope', '{"payload": 1}', 400, 'malformed_envelope'],
      ['not JSON', 'not json at all', 400, 'malformed_envelope'],
      ['empty', '', 400, 'malformed_envelope'],
    ];
    for (const [name, raw, status, code] of cases) {
      const response = await put(raw);
      assert.equal(response.status, status, `${name}: ${response.text}`);
      assert.equal(response.body.error.code, code, name);
      assert.ok(response.body.error.message.length > 0, name);
    }
    assert.equal(await (await fetch(`${server.url}/v1/manifest`)).text(), current);
  });

  it('refuses what the add-on refuses: a long lifetime, a future issue time, an implausible serial, a feature named twice', async () => {
    const current = await signPayload(createPayload({ serial: 5 }), [channel]);
    assert.equal((await put(current)).status, 201);
    const entry = makeEntry('kit', '1.0.0', sha256('kit'));
    const cases: Array<[string, string, string]> = [
      ['valid for 31 days', await signPayload(makeManifestPayload({ serial: 6 }, START, 31), [channel]), 'lifetime_too_long'],
      ['issued in ten minutes', await signPayload(makeManifestPayload({ serial: 6 }, START + 10 * 60_000), [channel]), 'issued_in_future'],
      ['serial 2^53 - 1', await signPayload(createPayload({ serial: Number.MAX_SAFE_INTEGER }), [channel]), 'implausible_serial'],
      ['kit twice', await signPayload(createPayload({ serial: 6, features: [{ ...entry, killed: true }, entry] }), [channel]), 'malformed_payload'],
    ];
    for (const [name, raw, code] of cases) {
      const response = await put(raw);
      assert.equal(response.status, 422, `${name}: ${response.text}`);
      assert.equal(response.body.error.code, code, name);
    }
    assert.equal(await (await fetch(`${server.url}/v1/manifest`)).text(), current);
    // A later honest publish still goes through: nothing poisoned the serial.
    assert.equal((await put(await signPayload(createPayload({ serial: 6 }), [channel]))).status, 201);
  });

  it('accepts unreviewed manifests only on a server configured for local development', async () => {
    await server.close();
    server = await startTestServer({ store, allowUnreviewed: true, trust: [channel.pinned] });
    assert.equal((await put(await signPayload(createPayload({ serial: 1, unreviewed: true }), [channel]))).status, 201);
  });

  it('guards the upload with the admin token and answers 503 when no key is configured', async () => {
    const envelope = await signPayload(createPayload({ serial: 1 }), [channel]);
    assert.equal((await put(envelope, 'wrong-token')).status, 401);
    assert.equal((await server.call('PUT', '/v1/admin/manifest', { raw: envelope })).status, 401);
    server.keys.length = 0;
    const unconfigured = await put(envelope);
    assert.equal(unconfigured.status, 503);
    assert.equal(unconfigured.body.error.code, 'no_public_keys');
    assert.equal((await server.call('GET', '/v1/manifest')).status, 404);
  });

  it('reads trusted keys from the configured key folder by default', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { loadConfiguredKeys } = await import('../../server/app');
    const folder = join(server.dir, 'keys');
    assert.deepEqual(loadConfiguredKeys([folder]), []);
    mkdirSync(folder);
    writeFileSync(join(folder, 'channel-2026.public.json'), JSON.stringify(channel.pinned));
    assert.deepEqual(loadConfiguredKeys([folder, join(server.dir, 'missing')]), [channel.pinned]);
  });
});
