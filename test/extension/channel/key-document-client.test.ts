import assert from 'node:assert/strict';
import { KeyDocumentClient } from '../../../extension/channel/key-document-client';
import { ManifestClient } from '../../../extension/channel/manifest-client';
import type { HostDb } from '../../../extension/db';
import { makeBetaServer, NOW, openFreshDb } from '../../helpers/addon-fixtures';
import { makePayload } from '../../helpers/manifests';
import { createSigningKey, signKeyDocument, signPayload, type SigningKey } from '../../helpers/signing';

const ISSUED = NOW.getTime() - 60_000;

/** A beta server whose /v1/keys and /v1/manifest answers the test changes as it goes, with an ETag per body. */
function makeServer() {
  const served = { keys: null as string | null, manifest: null as string | null };
  const requests: string[] = [];
  const fetch = async (input: string | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    const body = path === '/v1/keys' ? served.keys : path === '/v1/manifest' ? served.manifest : null;
    const etag = body === null ? null : `"${body.length}-${body.slice(-12)}"`;
    const conditional = new Headers(init?.headers).get('if-none-match');
    requests.push(`${path}${conditional ? ' (If-None-Match)' : ''}`);
    if (body === null) return new Response('{"error":{"code":"not_found","message":"none"}}', { status: 404 });
    if (conditional === etag) return new Response(null, { status: 304, headers: { ETag: etag! } });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json', ETag: etag! } });
  };
  return { served, requests, fetch };
}

describe('key rotation without an add-on update', () => {
  let db: HostDb;
  let root: SigningKey;
  let leaked: SigningKey;
  let fresh: SigningKey;
  let server: ReturnType<typeof makeServer>;
  let keys: KeyDocumentClient;
  let manifests: ManifestClient;

  before(async () => {
    root = await createSigningKey('root-1');
    leaked = await createSigningKey('manifest-2026a');
    fresh = await createSigningKey('manifest-2026b');
  });
  beforeEach(async () => {
    db = await openFreshDb();
    server = makeServer();
    const beta = makeBetaServer(server.fetch);
    keys = new KeyDocumentClient({ db, server: beta, config: { rootKeys: [root.pinned], rootThreshold: 1, manifestEnv: 'beta' }, now: () => NOW });
    manifests = new ManifestClient({ db, server: beta, trust: keys, env: 'beta', allowUnreviewed: false, now: () => NOW });
  });
  afterEach(() => db.close());

  const keyDocument = (serial: number, listed: SigningKey[], revoked: Array<{ keyId: string; reason: string }> = []) =>
    signKeyDocument(root, listed.map((key) => key.pinned), { serial, revoked }, ISSUED);

  it('fetches the key document before each manifest, revalidating both with If-None-Match', async () => {
    server.served.keys = await keyDocument(1, [leaked]);
    server.served.manifest = await signPayload(makePayload({ serial: 5 }), leaked);
    assert.equal((await manifests.check()).outcome, 'accepted');
    assert.equal((await manifests.check()).outcome, 'unchanged');
    assert.deepEqual(server.requests, ['/v1/keys', '/v1/manifest', '/v1/keys (If-None-Match)', '/v1/manifest (If-None-Match)']);
    const status = await keys.status();
    assert.deepEqual([status.serial, status.manifestKeyIds, status.lastError], [1, ['manifest-2026a'], null]);
  });

  it('refuses every manifest until a key document signed by a pinned root key is accepted', async () => {
    server.served.manifest = await signPayload(makePayload({ serial: 5 }), leaked);
    const none = await manifests.check();
    assert.equal(none.outcome === 'refused' && none.reason, 'no-key-document');
    server.served.keys = await signKeyDocument(leaked, [leaked.pinned], {}, ISSUED); // signed by a manifest key, not a root key
    const forged = await manifests.check();
    assert.equal(forged.outcome === 'refused' && forged.reason, 'no-key-document');
    assert.equal((await keys.status()).lastError?.reason, 'unknown-key');
    assert.equal((await keys.status()).lastError?.keyId, 'manifest-2026a');
  });

  it('after a leak: a new key document revokes the key, the old manifest is dropped, the re-signed one is accepted', async () => {
    server.served.keys = await keyDocument(1, [leaked]);
    server.served.manifest = await signPayload(makePayload({ serial: 5 }), leaked);
    assert.equal((await manifests.check()).outcome, 'accepted');

    // Whoever holds the leaked key signs a manifest far ahead, and it is served before the revocation.
    const attack = await signPayload(makePayload({ serial: Math.floor(NOW.getTime() / 1000) + 900_000, features: [] }), leaked);
    server.served.manifest = attack;
    assert.equal((await manifests.check()).outcome, 'accepted');

    // The runbook: a key document without the leaked key (revoked, with why), and the manifest re-signed with the new key.
    server.served.keys = await keyDocument(2, [fresh], [{ keyId: 'manifest-2026a', reason: 'leaked in a CI log' }]);
    const replayed = await manifests.check();
    assert.equal(replayed.outcome === 'refused' && replayed.reason, 'revoked-key');
    assert.equal(replayed.outcome === 'refused' && replayed.keyId, 'manifest-2026a');
    const status = await manifests.status();
    assert.equal(status.lastError?.keyId, 'manifest-2026a');
    assert.match(status.lastError?.message ?? '', /manifest-2026a \(revoked: leaked in a CI log\)/);
    assert.equal(status.serial, null, 'the manifest signed by the revoked key is no longer in force');

    server.served.manifest = await signPayload(makePayload({ serial: Math.floor(NOW.getTime() / 1000) }), fresh);
    const recovered = await manifests.check();
    assert.equal(recovered.outcome, 'accepted', 'the serial floor the leaked key set was dropped with its manifest');
    assert.equal((await manifests.status()).lastError, null);
    assert.deepEqual((await keys.status()).revoked, [{ keyId: 'manifest-2026a', reason: 'leaked in a CI log' }]);
  });

  it('never rolls the key document back, and keeps the last good one when a newer one is refused', async () => {
    server.served.keys = await keyDocument(2, [fresh], [{ keyId: 'manifest-2026a', reason: 'leaked' }]);
    server.served.manifest = await signPayload(makePayload({ serial: 5 }), fresh);
    assert.equal((await manifests.check()).outcome, 'accepted');
    // An old key document that still lists the leaked key, replayed.
    server.served.keys = await keyDocument(1, [leaked]);
    server.served.manifest = await signPayload(makePayload({ serial: 6 }), leaked);
    const result = await manifests.check();
    assert.equal(result.outcome === 'refused' && result.reason, 'revoked-key');
    assert.equal((await keys.status()).lastError?.reason, 'rollback');
    assert.equal((await keys.status()).serial, 2);
  });

  it('does not trust a key document altered in IndexedDB', async () => {
    server.served.keys = await keyDocument(1, [leaked]);
    server.served.manifest = await signPayload(makePayload({ serial: 5 }), leaked);
    assert.equal((await manifests.check()).outcome, 'accepted');
    const cached = (await db.get('manifest', 'keys'))!;
    await db.put('manifest', { ...cached, envelopeText: await signKeyDocument(leaked, [leaked.pinned], { serial: 1 }, ISSUED) }, 'keys');
    assert.equal((await keys.status()).serial, null, 'the QA panel shows no key document in force');
    await assert.rejects(keys.signers(true), /the key document is signed only by keys that the root keys pinned in this build does not list/);
    server.served.manifest = await signPayload(makePayload({ serial: 6 }), leaked);
    const refused = await manifests.check();
    assert.equal(refused.outcome === 'refused' && refused.reason, 'unknown-key', 'no manifest is accepted under the altered document');
  });
});
