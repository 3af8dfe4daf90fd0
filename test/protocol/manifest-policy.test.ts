import assert from 'node:assert/strict';
import { hashPayload, ManifestRefusedError, verifyEnvelope } from '../../protocol/envelope';
import { DAY_MS, MAX_SERIAL, checkManifestPolicy } from '../../protocol/manifest-policy';
import { manifestPayloadSchema, parseManifestPayload } from '../../protocol/manifest-schema';
import { formatZodIssues } from '../../protocol/zod-issues';
import { makeEntry, makeManifestPayload, sha256 } from '../helpers/manifests';
import { createSigningKey, signPayload, type SigningKey } from '../helpers/signing';

const NOW = new Date('2026-11-25T12:00:00Z');
const ISSUED = NOW.getTime() - 60_000;
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const policy = { now: NOW, maxLifetimeMs: 30 * DAY_MS };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ManifestRefusedError, String(error));
    return error.reason;
  }
  return 'accepted';
}

describe('manifest policy (shared by the add-on, the server and the publish tool)', () => {
  const times = (overrides: { serial?: number; issuedAt?: number; days?: number }) => {
    const issuedAt = overrides.issuedAt ?? ISSUED;
    return {
      serial: overrides.serial ?? NOW_SECONDS,
      issuedAt: new Date(issuedAt).toISOString(),
      expiresAt: new Date(issuedAt + (overrides.days ?? 7) * DAY_MS).toISOString(),
    };
  };

  it('accepts a lifetime of up to the maximum, and refuses a longer or an inverted one', () => {
    assert.equal(refusal(() => checkManifestPolicy(times({ days: 30 }), policy)), 'accepted');
    assert.equal(refusal(() => checkManifestPolicy(times({ days: 30.01 }), policy)), 'lifetime-too-long');
    assert.equal(refusal(() => checkManifestPolicy(times({ days: 3650 }), policy)), 'lifetime-too-long');
    assert.equal(refusal(() => checkManifestPolicy(times({ days: -1 }), policy)), 'lifetime-too-long');
    assert.equal(refusal(() => checkManifestPolicy(times({ days: 2 }), { ...policy, maxLifetimeMs: DAY_MS })), 'lifetime-too-long');
  });

  it('refuses an issue time more than five minutes ahead of the clock, unless re-reading a cached manifest', () => {
    assert.equal(refusal(() => checkManifestPolicy(times({ issuedAt: NOW.getTime() + 4 * 60_000 }), policy)), 'accepted');
    assert.equal(refusal(() => checkManifestPolicy(times({ issuedAt: NOW.getTime() + 6 * 60_000 }), policy)), 'issued-in-future');
    const { now: _now, ...cached } = policy;
    assert.equal(refusal(() => checkManifestPolicy(times({ issuedAt: NOW.getTime() + 6 * 60_000 }), cached)), 'accepted');
  });

  it('refuses a serial far above any plausible next one, such as 2^53 - 1', () => {
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: Number.MAX_SAFE_INTEGER }), policy)), 'implausible-serial');
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: MAX_SERIAL + 1 }), policy)), 'implausible-serial');
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: NOW_SECONDS + 2_000_000 }), policy)), 'implausible-serial');
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: NOW_SECONDS + 500_000 }), policy)), 'accepted');
    // Small counters (1, 2, 3…) are plausible too.
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: 3 }), { ...policy, lastSerial: 2 })), 'accepted');
  });

  it('refuses a lower serial, and an equal one unless its payload is byte-identical', () => {
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: 9 }), { ...policy, lastSerial: 10 })), 'rollback');
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: 10 }), { ...policy, lastSerial: 10 })), 'serial-reused');
    assert.equal(refusal(() => checkManifestPolicy(times({ serial: 10 }), { ...policy, lastSerial: 10, samePayloadAsLast: true })), 'accepted');
  });

  it('ignores a last serial above 2^40 accepted before this rule, so a poisoned client recovers', () => {
    assert.equal(refusal(() => checkManifestPolicy(times({}), { ...policy, lastSerial: Number.MAX_SAFE_INTEGER })), 'accepted');
  });

  describe('through verifyEnvelope', () => {
    let key: SigningKey;
    before(async () => {
      key = await createSigningKey('channel');
    });

    it('accepts an equal serial only with byte-identical payload bytes', async () => {
      const payload = makeManifestPayload({ serial: 10, features: [makeEntry('kit', '1.0.0', sha256('k'))] }, ISSUED);
      const first = await signPayload(payload, key);
      const lastPayloadSha256 = await hashPayload(new TextEncoder().encode(JSON.stringify(payload)));
      const options = { keys: [key.pinned], env: 'beta', now: NOW, lastSerial: 10, lastPayloadSha256 };
      assert.equal((await verifyEnvelope(first, options)).serial, 10);
      assert.equal((await verifyEnvelope(await signPayload(payload, key), options)).serial, 10, 're-signed, same bytes');
      const killed = { ...payload, features: [{ ...payload.features[0]!, killed: false, rollout: 5000 }] };
      await assert.rejects(verifyEnvelope(await signPayload(killed, key), options), (e: ManifestRefusedError) => e.reason === 'serial-reused');
    });
  });
});

describe('manifest schema: one entry per feature, plain paths', () => {
  it('refuses a manifest that names a feature twice, pointing at the second', () => {
    const entry = makeEntry('kit', '1.0.0', sha256('k'));
    const result = manifestPayloadSchema.safeParse(makeManifestPayload({ features: [{ ...entry, killed: true }, entry] }));
    assert.equal(result.success, false);
    assert.match(formatZodIssues(result.error!), /features\[1\]\.id.*names feature "kit" a second time/);
    // The add-on validates only the entries its build ships, and still refuses a feature named twice.
    assert.throws(() => parseManifestPayload(makeManifestPayload({ features: [{ ...entry, killed: true }, entry] }), new Set(['kit'])), /a second time/);
    assert.throws(() => parseManifestPayload(makeManifestPayload({ features: [entry, makeEntry('other', '1.0.0', sha256('o')), makeEntry('other', '1.0.0', sha256('o'))] }), new Set(['kit'])), /a second time/);
  });

  it('refuses a file path that is encoded, has dot segments or leaves the feature folder', () => {
    for (const path of ['features/kit/%2e%2e/other/index.js', 'features/kit/./content/a.js', 'features/other/content/a.js', 'features/kit\\content\\a.js']) {
      const entry = makeEntry('kit', '1.0.0', sha256('k'), { files: [{ path, sha256: sha256('a') }] });
      const result = manifestPayloadSchema.safeParse(makeManifestPayload({ features: [entry] }));
      assert.equal(result.success, false, path);
      assert.match(formatZodIssues(result.error!), /must be a plain path inside features\/kit\//);
    }
    const plain = makeEntry('kit', '1.0.0', sha256('k'), { files: [{ path: 'features/kit/content/a.js', sha256: sha256('a') }] });
    assert.equal(manifestPayloadSchema.safeParse(makeManifestPayload({ features: [plain] })).success, true);
  });
});
