import assert from 'node:assert/strict';
import { checkHalt } from '../../../extension/channel/halt-check';
import { HaltClient, type HaltClientDeps } from '../../../extension/channel/halt-client';
import type { HostDb } from '../../../extension/db';
import type { TrustedSigners } from '../../../protocol/envelope';
import type { HaltPayload } from '../../../protocol/halt-document';
import type { ManifestPayload } from '../../../protocol/manifest-schema';
import { makeBetaServer, NOW, ORIGIN, manifestResponse, openFreshDb, scriptedFetch } from '../../helpers/addon-fixtures';
import { makeEntry, makeManifestPayload, sha256 } from '../../helpers/manifests';
import { createSigningKey, signPayload, type SigningKey } from '../../helpers/signing';

const manifest: ManifestPayload = makeManifestPayload({ serial: 9, features: [makeEntry('tab-groups', '1.0.0', sha256('t')), makeEntry('page-notes', '1.0.0', sha256('p'))] }, NOW.getTime() - 60_000);

function haltOf(serial: number, halts: Array<Pick<HaltPayload['halts'][number], 'featureId' | 'action'>>, manifestSerial = 9): HaltPayload {
  const at = new Date(NOW.getTime() - 1000).toISOString();
  return {
    schema: 1,
    kind: 'halt',
    env: 'beta',
    serial,
    issuedAt: at,
    expiresAt: new Date(NOW.getTime() + 86_400_000).toISOString(),
    manifestSerial,
    halts: halts.map((halt) => ({ ...halt, reason: 'failureRate exceeds its ceiling', haltedAt: at })),
  };
}

describe('HaltClient', () => {
  let db: HostDb;
  let haltKey: SigningKey;
  let manifestKey: SigningKey;
  before(async () => {
    haltKey = await createSigningKey('halt-2026');
    manifestKey = await createSigningKey('manifest-2026');
  });
  beforeEach(async () => {
    db = await openFreshDb();
  });
  afterEach(() => db.close());

  const clientFor = (answer: () => Response | Promise<Response>, signers: TrustedSigners | null = null) => {
    const scripted = scriptedFetch(answer);
    const deps: HaltClientDeps = { db, server: makeBetaServer(scripted.fetch), env: 'beta', now: () => NOW, signers: async () => signers ?? { keys: [haltKey.pinned] } };
    const halts = new HaltClient(deps);
    const client = { check: (m: ManifestPayload) => checkHalt(deps, m), loadCached: () => halts.loadCached(), status: () => halts.status() };
    return { client, requests: scripted.requests };
  };
  const serve = async (doc: HaltPayload, key = haltKey, etag = `"h${doc.serial}"`) => {
    const text = await signPayload(doc, key);
    return () => manifestResponse(text, etag);
  };

  it('accepts a halt signed by a halt key, keeps it for the next wake and revalidates with its ETag', async () => {
    const { client, requests } = clientFor(await serve(haltOf(100, [{ featureId: 'page-notes', action: 'kill' }])));
    const result = await client.check(manifest);
    assert.equal(result.outcome, 'accepted');
    assert.equal(requests[0]!.url, `${ORIGIN}/v1/halt`);
    assert.deepEqual((await client.loadCached())?.halts.map((h) => [h.featureId, h.action]), [['page-notes', 'kill']]);
    assert.deepEqual(await client.status(), { serial: 100, issuedAt: new Date(NOW.getTime() - 1000).toISOString(), manifestSerial: 9, lastError: null });
    const again = clientFor(() => new Response(null, { status: 304 }));
    assert.equal((await again.client.check(manifest)).outcome, 'unchanged');
    assert.equal(again.requests[0]!.headers.get('if-none-match'), '"h100"');
  });

  it('refuses a halt signed by the manifest key, one that un-kills, one naming an unknown feature, and keeps the halt in force', async () => {
    assert.equal((await clientFor(await serve(haltOf(100, [{ featureId: 'page-notes', action: 'kill' }]))).client.check(manifest)).outcome, 'accepted');
    const refusals: string[] = [];
    for (const [doc, key] of [
      [haltOf(101, [{ featureId: 'page-notes', action: 'kill' }]), manifestKey],
      [haltOf(102, [{ featureId: 'page-notes', action: 'freeze' }]), haltKey],
      [haltOf(103, [{ featureId: 'page-notes', action: 'kill' }, { featureId: 'brand-new', action: 'kill' }]), haltKey],
      [haltOf(104, [{ featureId: 'page-notes', action: 'kill' }], 10), haltKey],
    ] as const) {
      const { client } = clientFor(await serve(doc, key));
      assert.equal((await client.check(manifest)).outcome, 'refused');
      refusals.push((await client.status()).lastError!.reason);
    }
    assert.deepEqual(refusals, ['unknown-key', 'halt-unkills', 'halt-unknown-feature', 'halt-wrong-manifest']);
    const { client } = clientFor(() => new Response(null, { status: 304 }));
    assert.equal((await client.loadCached())?.serial, 100, 'the accepted halt stays in force');
  });

  it('asks for nothing while no halt key is known, and a 404 means nothing is halted', async () => {
    const none = scriptedFetch(() => new Response('', { status: 500 }));
    assert.equal((await checkHalt({ db, server: makeBetaServer(none.fetch), env: 'beta', signers: async () => null }, manifest)).outcome, 'unchanged');
    assert.equal(none.requests.length, 0);
    const { client } = clientFor(() => new Response(JSON.stringify({ error: { code: 'no_halt', message: 'no feature has been halted' } }), { status: 404 }));
    assert.equal((await client.check(manifest)).outcome, 'unchanged');
    assert.equal((await client.status()).lastError, null);
  });

  it("after a poll's manifest check, hands a new halt to the replanner and has it plan again with the manifest in force", async () => {
    const deps: HaltClientDeps = { db, server: makeBetaServer(scriptedFetch(await serve(haltOf(100, [{ featureId: 'page-notes', action: 'kill' }]))).fetch), env: 'beta', now: () => NOW, signers: async () => ({ keys: [haltKey.pinned] }) };
    const holder = { manifest, halt: null as HaltPayload | null };
    const result = await new HaltClient(deps).checkAfter({ check: async () => ({ outcome: 'unchanged' }) }, holder);
    assert.deepEqual(result, { outcome: 'accepted', payload: manifest });
    assert.equal(holder.halt?.serial, 100);
    const again = await new HaltClient({ ...deps, server: makeBetaServer(scriptedFetch(() => new Response(null, { status: 304 })).fetch) }).checkAfter({ check: async () => ({ outcome: 'unchanged' }) }, holder);
    assert.deepEqual(again, { outcome: 'unchanged' });
  });

  it('leaves a halt of an older manifest aside: a newer manifest from the channel ends it', async () => {
    const { client } = clientFor(await serve(haltOf(100, [{ featureId: 'page-notes', action: 'kill' }], 8)));
    assert.equal((await client.check(manifest)).outcome, 'unchanged');
    assert.equal(await client.loadCached(), null);
  });
});
