import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { BetaServerClientOptions, FetchLike } from '../../../extension/channel/beta-server-client';
import { ManifestClient, type ManifestClientDeps } from '../../../extension/channel/manifest-client';
import { decodeBase64url, encodeBase64url } from '../../../protocol/envelope';
import type { ManifestFeature } from '../../../protocol/manifest-schema';
import type { HostDb } from '../../../extension/db';
import { makeBetaServer, NOW, ORIGIN, manifestResponse, openFreshDb, scriptedFetch, trustKeys } from '../../helpers/addon-fixtures';
import { makePayload } from '../../helpers/manifests';
import { createSigningKey as makeKey, createSigningKeys, signPayload, type SigningKey as TestKey } from '../../helpers/signing';

describe('ManifestClient', () => {
  let db: HostDb;
  let key: TestKey;
  let otherKey: TestKey;

  before(async () => {
    [key, otherKey] = await createSigningKeys('channel-2026', 'stranger');
  });
  beforeEach(async () => {
    db = await openFreshDb();
  });
  afterEach(() => db.close());

  type Overrides = Partial<Omit<ManifestClientDeps, 'server'>> & Partial<Pick<BetaServerClientOptions, 'origin' | 'timeoutMs'>>;
  function makeClient(fetch: FetchLike, { origin, timeoutMs, ...overrides }: Overrides = {}) {
    const server = makeBetaServer(fetch, { ...(origin ? { origin } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
    return new ManifestClient({ db, server, trust: trustKeys([key.pinned]), env: 'beta', allowUnreviewed: false, now: () => NOW, ...overrides });
  }

  async function acceptSerial5(): Promise<string> {
    const good = await signPayload(makePayload({ serial: 5 }), key);
    const result = await makeClient(scriptedFetch(() => manifestResponse(good)).fetch).check();
    assert.equal(result.outcome, 'accepted');
    return good;
  }

  it('accepts a manifest signed by a pinned key, fetched from the configured origin only', async () => {
    const { fetch, requests } = scriptedFetch(async () => manifestResponse(await signPayload(makePayload(), key)));
    const client = makeClient(fetch, { origin: `${ORIGIN}/somewhere/else?x=1` });
    const result = await client.check();
    assert.equal(result.outcome, 'accepted');
    assert.equal(result.outcome === 'accepted' && result.payload.features[0]!.id, 'tab-groups');
    assert.equal(requests[0]!.url, `${ORIGIN}/v1/manifest`);
    assert.equal(requests[0]!.headers.get('if-none-match'), null, 'no If-None-Match without a cached manifest');
    const status = await client.status();
    assert.equal(status.serial, 5);
    assert.equal(status.acceptedAt, NOW.toISOString());
    assert.equal(status.checkedAt, NOW.toISOString());
    assert.equal(status.lastError, null);
  });

  it('sends If-None-Match with the cached ETag and keeps the manifest on 304', async () => {
    await acceptSerial5();
    const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 304 }));
    const client = makeClient(fetch);
    assert.deepEqual(await client.check(), { outcome: 'unchanged' });
    assert.equal(requests[0]!.headers.get('if-none-match'), '"v1"');
    assert.equal((await client.loadCached())?.serial, 5);
  });

  describe('verifies each manifest once', () => {
    let verify: sinon.SinonSpy;
    beforeEach(() => {
      verify = sinon.spy(crypto.subtle, 'verify');
    });
    afterEach(() => verify.restore());

    it('answers status() from the manifest it verified, without checking the signature again', async () => {
      const client = makeClient(scriptedFetch(async () => manifestResponse(await signPayload(makePayload({ serial: 5 }), key))).fetch);
      assert.equal((await client.check()).outcome, 'accepted');
      assert.equal(verify.callCount, 1);
      for (let i = 0; i < 3; i++) assert.equal((await client.status()).serial, 5);
      assert.equal(verify.callCount, 1, 'status() verified the signature again');
    });

    it('restores the verified payload on a wake of the same build, and verifies again for another version', async () => {
      await acceptSerial5();
      verify.resetHistory();
      const wake = makeClient(scriptedFetch(() => new Response(null, { status: 304 })).fetch);
      assert.equal((await wake.loadCached())?.serial, 5);
      assert.equal((await wake.status()).serial, 5);
      assert.equal(verify.callCount, 0, 'a wake verified the stored manifest again');

      const updated = makeClient(scriptedFetch(() => new Response(null, { status: 304 })).fetch, { addonVersion: '0.2.0' });
      assert.equal((await updated.loadCached())?.serial, 5);
      assert.equal(verify.callCount, 1, 'an add-on update verifies the stored manifest once');
      const next = makeClient(scriptedFetch(() => new Response(null, { status: 304 })).fetch, { addonVersion: '0.2.0' });
      assert.equal((await next.loadCached())?.serial, 5);
      assert.equal(verify.callCount, 1, 'and its later wakes do not');
    });

    it("validates and keeps only the entries of the build's features", async () => {
      const payload = makePayload({ serial: 5 });
      const [first] = payload.features as ManifestFeature[];
      const other = { ...first!, id: 'not-in-this-build', rollout: 'everyone' };
      const client = makeClient(scriptedFetch(async () => manifestResponse(await signPayload({ ...payload, features: [first!, other!] }, key))).fetch, {
        features: [first!.id],
      });
      const result = await client.check();
      assert.equal(result.outcome, 'accepted', 'a malformed entry of a feature the build does not ship cannot matter to it');
      assert.deepEqual(result.outcome === 'accepted' && result.payload.features.map((f) => f.id), [first!.id]);

      const strict = makeClient(scriptedFetch(async () => manifestResponse(await signPayload({ ...payload, serial: 6, features: [{ ...first!, rollout: -1 }] }, key))).fetch, {
        features: [first!.id],
      });
      const refused = await strict.check();
      assert.equal(refused.outcome === 'refused' && refused.reason, 'malformed-payload');
      assert.match(refused.outcome === 'refused' ? refused.message : '', /features\[0\] \(tab-groups\)\.rollout/);
    });
  });

  describe('refuses, keeps the last good manifest and stores the reason', () => {
    const cases: Array<{ reason: string; envelope: () => Promise<string>; allowUnreviewed?: boolean }> = [
      { reason: 'malformed-envelope', envelope: async () => JSON.stringify({ payload: 42, signatures: [] }) },
      { reason: 'unknown-key', envelope: () => signPayload(makePayload({ serial: 6 }), otherKey) },
      {
        reason: 'bad-signature',
        envelope: async () => {
          const envelope = JSON.parse(await signPayload(makePayload({ serial: 6 }), key));
          const bytes = decodeBase64url(envelope.payload);
          bytes[bytes.length - 2] ^= 0x01; // one byte altered after signing
          return JSON.stringify({ ...envelope, payload: encodeBase64url(bytes) });
        },
      },
      { reason: 'malformed-payload', envelope: () => signPayload(makePayload({ serial: 6, features: 'all' }), key) },
      { reason: 'wrong-env', envelope: () => signPayload(makePayload({ serial: 6, env: 'production' }), key) },
      { reason: 'expired', envelope: () => signPayload(makePayload({ serial: 6, expiresAt: '2026-11-25T11:59:59Z' }), key) },
      { reason: 'rollback', envelope: () => signPayload(makePayload({ serial: 4 }), key) },
      { reason: 'unreviewed', envelope: () => signPayload(makePayload({ serial: 6, unreviewed: true }), key) },
      // Serial 5 again, with other content (e.g. the --out file of a publish the server refused): it would undo a kill switch.
      { reason: 'serial-reused', envelope: () => signPayload(makePayload({ serial: 5, features: [] }), key) },
      { reason: 'lifetime-too-long', envelope: () => signPayload(makePayload({ serial: 6, expiresAt: '2026-12-25T00:00:01Z' }), key) },
      { reason: 'issued-in-future', envelope: () => signPayload(makePayload({ serial: 6, issuedAt: '2026-11-25T12:06:00Z' }), key) },
      { reason: 'implausible-serial', envelope: () => signPayload(makePayload({ serial: Number.MAX_SAFE_INTEGER }), key) },
    ];
    for (const { reason, envelope } of cases) {
      it(reason, async () => {
        const good = await acceptSerial5();
        const bad = await envelope();
        const client = makeClient(scriptedFetch(() => manifestResponse(bad, '"v2"')).fetch);
        const result = await client.check();
        assert.equal(result.outcome, 'refused');
        assert.equal(result.outcome === 'refused' && result.reason, reason);
        assert.equal((await db.get('manifest', 'current'))?.envelopeText, good, 'the cached manifest is untouched');
        assert.equal((await client.loadCached())?.serial, 5);
        const status = await client.status();
        assert.equal(status.lastError?.reason, reason);
        assert.equal(status.serial, 5);
      });
    }
  });

  it('treats serial 5 re-signed over the same bytes as unchanged, even after the cache was dropped', async () => {
    await acceptSerial5();
    const resigned = await signPayload(makePayload({ serial: 5 }), key);
    assert.deepEqual(await makeClient(scriptedFetch(() => manifestResponse(resigned, '"v9"')).fetch).check(), { outcome: 'unchanged' });
    await db.delete('manifest', 'current');
    const again = await makeClient(scriptedFetch(() => manifestResponse(resigned, '"v9"')).fetch).check();
    assert.equal(again.outcome, 'accepted');
    const other = await signPayload(makePayload({ serial: 5, features: [] }), key);
    await db.delete('manifest', 'current');
    const refused = await makeClient(scriptedFetch(() => manifestResponse(other, '"v10"')).fetch).check();
    assert.equal(refused.outcome === 'refused' && refused.reason, 'serial-reused');
  });

  it('recovers from a last serial of 2^53 - 1 accepted before the serial policy existed', async () => {
    await db.put('channel', Number.MAX_SAFE_INTEGER, 'lastSerial');
    const result = await makeClient(scriptedFetch(async () => manifestResponse(await signPayload(makePayload({ serial: 6 }), key))).fetch).check();
    assert.equal(result.outcome, 'accepted');
    assert.equal(await db.get('channel', 'lastSerial'), 6);
  });

  it('refuses a manifest valid for longer than this build allows (channel.config.json)', async () => {
    const week = await signPayload(makePayload({ serial: 6, expiresAt: '2026-12-03T00:00:00Z' }), key);
    const result = await makeClient(scriptedFetch(() => manifestResponse(week)).fetch, { maxLifetimeDays: 7 }).check();
    assert.equal(result.outcome === 'refused' && result.reason, 'lifetime-too-long');
    assert.match(result.outcome === 'refused' ? result.message : '', /within 7 days/);
  });

  it('accepts an unreviewed manifest only in a build that allows it', async () => {
    const unreviewed = await signPayload(makePayload({ unreviewed: true }), key);
    const client = makeClient(scriptedFetch(() => manifestResponse(unreviewed)).fetch, { allowUnreviewed: true });
    assert.equal((await client.check()).outcome, 'accepted');
    assert.equal((await client.status()).unreviewed, true);
  });

  it('follows a key rotation while both keys are pinned and refuses an unpinned signer', async () => {
    const oldKey = await makeKey('channel-2025');
    const newKey = await makeKey('channel-2026b');
    const envelopes = [
      await signPayload(makePayload({ serial: 5 }), oldKey),
      await signPayload(makePayload({ serial: 6 }), newKey),
      await signPayload(makePayload({ serial: 7 }), otherKey),
    ];
    const { fetch } = scriptedFetch(
      () => manifestResponse(envelopes[0]!, '"a"'),
      () => manifestResponse(envelopes[1]!, '"b"'),
      () => manifestResponse(envelopes[2]!, '"c"'),
    );
    const client = makeClient(fetch, { trust: trustKeys([oldKey.pinned, newKey.pinned]) });
    assert.equal((await client.check()).outcome, 'accepted');
    assert.equal((await client.check()).outcome, 'accepted');
    assert.equal((await client.loadCached())?.serial, 6);
    const third = await client.check();
    assert.equal(third.outcome === 'refused' && third.reason, 'unknown-key');
    assert.equal((await client.loadCached())?.serial, 6);
  });

  describe('a server that is down, slow or answers garbage', () => {
    it('reports a network failure when fetch rejects, keeping the cache', async () => {
      await acceptSerial5();
      const client = makeClient(scriptedFetch(() => Promise.reject(new TypeError('NetworkError when attempting to fetch resource.'))).fetch);
      const result = await client.check();
      assert.equal(result.outcome === 'failed' && result.reason, 'network');
      assert.match(result.outcome === 'failed' ? result.message : '', /beta\.example\.test\/v1\/manifest/);
      assert.equal((await client.status()).lastError?.reason, 'network');
      assert.equal((await client.loadCached())?.serial, 5);
    });

    it('times out a server that never answers', async () => {
      const fetch = (_: string | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
      const result = await makeClient(fetch, { timeoutMs: 30 }).check();
      assert.equal(result.outcome === 'failed' && result.reason, 'network');
      assert.match(result.outcome === 'failed' ? result.message : '', /within 30 ms/);
    });

    it('times out a server that sends headers and then stalls, even if fetch ignores the signal', async () => {
      const stalled = () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"payl')) }), { status: 200 });
      const result = await makeClient(scriptedFetch(stalled).fetch, { timeoutMs: 30 }).check();
      assert.equal(result.outcome === 'failed' && result.reason, 'network');
    });

    it('refuses an HTML page and truncated JSON as malformed envelopes', async () => {
      const html = new Response('<!doctype html><h1>Welcome to nginx</h1>', { status: 200, headers: { 'Content-Type': 'text/html' } });
      const envelope = await signPayload(makePayload(), key);
      const truncated = new Response(envelope.slice(0, envelope.length / 2), { status: 200 });
      const { fetch } = scriptedFetch(() => html, () => truncated);
      const client = makeClient(fetch);
      for (let i = 0; i < 2; i++) {
        const result = await client.check();
        assert.equal(result.outcome === 'refused' && result.reason, 'malformed-envelope');
      }
      assert.equal(await client.loadCached(), null);
    });

    it('refuses a body over the size cap without reading it all', async () => {
      const huge = new Response(JSON.stringify({ payload: 'A'.repeat(2 * 1024 * 1024), signatures: [] }), { status: 200 });
      const result = await makeClient(scriptedFetch(() => huge).fetch).check();
      assert.equal(result.outcome === 'refused' && result.reason, 'malformed-envelope');
      assert.match(result.outcome === 'refused' ? result.message : '', /more than 1048576 bytes/);
    });

    it('reports HTTP failures, with Retry-After in seconds or as an HTTP-date', async () => {
      const { fetch } = scriptedFetch(
        () => new Response('oops', { status: 500 }),
        () => new Response('busy', { status: 503, headers: { 'Retry-After': '120' } }),
        () => new Response('busy', { status: 429, headers: { 'Retry-After': new Date(NOW.getTime() + 90_000).toUTCString() } }),
      );
      const client = makeClient(fetch);
      const first = await client.check();
      assert.deepEqual([first.outcome, first.outcome === 'failed' && first.reason, first.outcome === 'failed' && first.retryAfterMs], ['failed', 'http', undefined]);
      const second = await client.check();
      assert.equal(second.outcome === 'failed' && second.retryAfterMs, 120_000);
      const third = await client.check();
      assert.equal(third.outcome === 'failed' && third.retryAfterMs, 90_000);
    });

    it('says plainly when nothing is published yet (404)', async () => {
      const client = makeClient(scriptedFetch(() => new Response('not found', { status: 404 })).fetch);
      const result = await client.check();
      assert.equal(result.outcome === 'failed' && result.reason, 'http');
      assert.match((await client.status()).lastError?.message ?? '', /no manifest has been published/);
    });
  });

  describe('loadCached', () => {
    it('returns the last good manifest without any network request, even once expired', async () => {
      await acceptSerial5();
      const later = new Date('2027-01-01T00:00:00Z');
      const client = makeClient(
        () => Promise.reject(new Error('loadCached must not use the network')),
        { now: () => later },
      );
      assert.equal((await client.loadCached())?.serial, 5);
      const status = await client.status();
      assert.equal(status.lastError?.reason, 'expired');
      assert.equal(status.serial, 5);
    });

    it('does not trust a cached manifest that was altered in IndexedDB', async () => {
      await acceptSerial5();
      const cached = (await db.get('manifest', 'current'))!;
      const envelope = JSON.parse(cached.envelopeText);
      const forged = { ...makePayload({ serial: 5 }), features: [] };
      envelope.payload = encodeBase64url(new TextEncoder().encode(JSON.stringify(forged)));
      await db.put('manifest', { ...cached, envelopeText: JSON.stringify(envelope) }, 'current');

      const { fetch, requests } = scriptedFetch(async () => manifestResponse(await signPayload(makePayload({ serial: 5 }), key)));
      const client = makeClient(fetch);
      assert.equal(await client.loadCached(), null);
      assert.equal((await client.status()).lastError?.reason, 'bad-signature');
      // Without a trusted cache, the next check asks for the full manifest.
      assert.equal((await client.check()).outcome, 'accepted');
      assert.equal(requests[0]!.headers.get('if-none-match'), null);
    });

    it('does not trust an older, validly signed manifest swapped into IndexedDB (a rollback)', async () => {
      const old = await signPayload(makePayload({ serial: 3 }), key);
      await acceptSerial5();
      const cached = (await db.get('manifest', 'current'))!;
      await db.put('manifest', { ...cached, envelopeText: old, serial: 3 }, 'current');

      const client = makeClient(() => Promise.reject(new Error('loadCached must not use the network')));
      assert.equal(await client.loadCached(), null);
      assert.equal((await client.status()).lastError?.reason, 'rollback');
    });

    it('still refuses a rollback after the cache was dropped', async () => {
      await acceptSerial5();
      await db.delete('manifest', 'current');
      const client = makeClient(scriptedFetch(async () => manifestResponse(await signPayload(makePayload({ serial: 3 }), key))).fetch);
      const result = await client.check();
      assert.equal(result.outcome === 'refused' && result.reason, 'rollback');
    });
  });
});
