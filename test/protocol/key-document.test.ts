import assert from 'node:assert/strict';
import { verifyEnvelope, type ManifestRefusedError } from '../../protocol/envelope';
import { describeKeyDocumentProblems, findManifestSigners, verifyKeyDocument, type KeyDocumentPayload } from '../../protocol/key-document';
import { makeManifestPayload } from '../helpers/manifests';
import { createSigningKey, makeKeyDocument, signKeyDocument, signPayload, type SigningKey } from '../helpers/signing';

const NOW = new Date('2026-11-25T12:00:00Z');
const ISSUED = NOW.getTime() - 60_000;

describe('key document: root keys sign the list of manifest keys', () => {
  let roots: SigningKey[];
  let manifestA: SigningKey;
  let manifestB: SigningKey;
  const anchor = () => ({ rootKeys: roots.map((root) => root.pinned), rootThreshold: 1, env: 'beta', now: NOW });
  const reason = (error: ManifestRefusedError) => error.reason;

  before(async () => {
    roots = await Promise.all(['root-1', 'root-2', 'root-3'].map(createSigningKey));
    manifestA = await createSigningKey('manifest-a');
    manifestB = await createSigningKey('manifest-b');
  });

  async function refusal(text: Promise<string>, options: Partial<Parameters<typeof verifyKeyDocument>[1]> = {}): Promise<{ reason: string; message: string; subject?: string }> {
    try {
      await verifyKeyDocument(await text, { ...anchor(), ...options });
      return { reason: 'accepted', message: '' };
    } catch (error) {
      const refused = error as ManifestRefusedError;
      return { reason: reason(refused), message: refused.message, ...(refused.subject ? { subject: refused.subject } : {}) };
    }
  }

  it('accepts a document signed by a pinned root key and names its manifest signers', async () => {
    const doc = await verifyKeyDocument(await signKeyDocument(roots[0]!, [manifestA.pinned], {}, ISSUED), anchor());
    const signers = findManifestSigners(doc);
    assert.deepEqual(signers.keys.map((key) => key.keyId), ['manifest-a']);
    assert.equal(signers.threshold, 1);
  });

  it('needs the root threshold of distinct root keys; one root signing twice counts once', async () => {
    const twoOfThree = { rootThreshold: 2 };
    assert.equal((await refusal(signKeyDocument([roots[0]!, roots[2]!], [manifestA.pinned], {}, ISSUED), twoOfThree)).reason, 'accepted');
    const one = await refusal(signKeyDocument(roots[0]!, [manifestA.pinned], {}, ISSUED), twoOfThree);
    assert.equal(one.reason, 'below-threshold');
    assert.match(one.message, /requires 2/);
    assert.equal((await refusal(signKeyDocument([roots[1]!, roots[1]!], [manifestA.pinned], {}, ISSUED), twoOfThree)).reason, 'below-threshold');
  });

  it('refuses a document signed by a manifest key instead of a root key', async () => {
    const result = await refusal(signKeyDocument(manifestA, [manifestA.pinned], {}, ISSUED));
    assert.equal(result.reason, 'unknown-key');
    assert.equal(result.subject, 'manifest-a');
  });

  it('refuses a manifest signed by a root key as a key document (kind) and a key document as a manifest', async () => {
    assert.equal((await refusal(signPayload(makeManifestPayload({}, ISSUED), roots[0]!))).reason, 'malformed-payload');
    const doc = await signKeyDocument(roots[0]!, [manifestA.pinned], {}, ISSUED);
    await assert.rejects(verifyEnvelope(doc, { keys: [roots[0]!.pinned], env: 'beta', now: NOW }), (e: ManifestRefusedError) => e.reason === 'malformed-payload');
  });

  it('refuses a document that would leave no valid manifest key', async () => {
    const revokeOnlyKey = () => signKeyDocument(roots[0]!, [manifestA.pinned], { revoked: [{ keyId: 'manifest-a', reason: 'leaked' }] }, ISSUED);
    const inAddon = await refusal(revokeOnlyKey());
    assert.equal(inAddon.reason, 'no-manifest-key');
    assert.match(inAddon.message, /leaves 0 valid manifest key\(s\) for a threshold of 1/);
    const tooFew = await refusal(signKeyDocument(roots[0]!, [manifestA.pinned], { roles: { manifest: { keyIds: ['manifest-a'], threshold: 2 } } }, ISSUED));
    assert.equal(tooFew.reason, 'no-manifest-key');
  });

  it('names every inconsistency for the server and keys:publish to refuse', () => {
    const doc = (listed: SigningKey[], extra: Record<string, unknown> = {}) =>
      makeKeyDocument(listed.map((key) => key.pinned), extra, ISSUED) as unknown as KeyDocumentPayload;
    const revokedOnly = describeKeyDocumentProblems(doc([manifestA], { revoked: [{ keyId: 'manifest-a', reason: 'leaked' }] }));
    assert.match(revokedOnly ?? '', /names key "manifest-a", which is revoked/);
    assert.match(revokedOnly ?? '', /leaves 0 valid manifest key\(s\)/);
    assert.match(describeKeyDocumentProblems(doc([], { roles: { manifest: { keyIds: ['manifest-a'] } } })) ?? '', /names key "manifest-a", which "keys" does not list/);
    assert.match(describeKeyDocumentProblems(doc([manifestA], { roles: { manifest: { keyIds: ['manifest-a'], threshold: 2 } } })) ?? '', /leaves 1 valid manifest key\(s\) for a threshold of 2/);
    assert.match(describeKeyDocumentProblems(doc([manifestA, manifestA])) ?? '', /lists key "manifest-a" a second time/);
    assert.equal(describeKeyDocumentProblems(doc([manifestA])), null);
  });

  it('is accepted by the add-on when a mistake leaves usable manifest keys (a key listed twice)', async () => {
    const twice = makeKeyDocument([manifestA.pinned, manifestA.pinned], {}, ISSUED);
    assert.equal((await refusal(signPayload(twice, roots[0]!))).reason, 'accepted');
  });

  it('keeps roles it does not know (a halt role) and ignores them', async () => {
    const roles = { manifest: { keyIds: ['manifest-a'] }, halt: { keyIds: ['halt-1'], maxStage: 'anything' }, future: 42 };
    const doc = await verifyKeyDocument(await signKeyDocument(roots[0]!, [manifestA.pinned], { roles }, ISSUED), anchor());
    assert.deepEqual((doc.roles as Record<string, unknown>).halt, roles.halt);
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-a']);
  });

  it('never goes back, never reuses a serial with other content, expires, and refuses a lifetime over 366 days', async () => {
    const at = (serial: number, extra: Record<string, unknown> = {}) => signKeyDocument(roots[0]!, [manifestA.pinned], { serial, ...extra }, ISSUED);
    assert.equal((await refusal(at(4), { lastSerial: 5 })).reason, 'rollback');
    assert.equal((await refusal(at(5), { lastSerial: 5, lastPayloadSha256: 'f'.repeat(64) })).reason, 'serial-reused');
    assert.equal((await refusal(at(6, { expiresAt: new Date(NOW.getTime() - 1000).toISOString() }))).reason, 'expired');
    assert.equal((await refusal(at(6, { expiresAt: new Date(ISSUED + 367 * 86_400_000).toISOString() }))).reason, 'lifetime-too-long');
    assert.equal((await refusal(at(6, { env: 'production' }))).reason, 'wrong-env');
    assert.equal((await refusal(at(Number.MAX_SAFE_INTEGER))).reason, 'implausible-serial');
  });

  describe('manifests under a key document', () => {
    let doc: KeyDocumentPayload;
    before(async () => {
      const text = await signKeyDocument(roots[0]!, [manifestA.pinned, manifestB.pinned], {
        roles: { manifest: { keyIds: ['manifest-b'] } },
        revoked: [{ keyId: 'manifest-old', reason: 'leaked in a CI log on 2026-11-20' }],
        keys: [manifestA.pinned, manifestB.pinned],
      }, ISSUED);
      doc = await verifyKeyDocument(text, anchor());
    });
    const verifyWith = async (signer: SigningKey) =>
      verifyEnvelope(await signPayload(makeManifestPayload({ serial: 7 }, ISSUED), signer), { ...findManifestSigners(doc), env: 'beta', now: NOW });

    it('accepts a manifest signed by a listed manifest key', async () => {
      assert.equal((await verifyWith(manifestB)).serial, 7);
    });

    it('refuses a manifest signed by a revoked key, naming the key and why', async () => {
      const old = { ...(await createSigningKey('x')), keyId: 'manifest-old' };
      await assert.rejects(verifyWith(old), (e: ManifestRefusedError) => {
        assert.equal(e.reason, 'revoked-key');
        assert.equal(e.subject, 'manifest-old');
        assert.match(e.message, /manifest-old \(revoked: leaked in a CI log on 2026-11-20\)/);
        assert.match(e.message, /key document serial 1 no longer trusts it/);
        return true;
      });
    });

    it('refuses a manifest signed by a key listed but not in the manifest role, or not listed at all', async () => {
      await assert.rejects(verifyWith(manifestA), (e: ManifestRefusedError) => e.reason === 'unknown-key' && e.subject === 'manifest-a');
      await assert.rejects(verifyWith(roots[0]!), (e: ManifestRefusedError) => e.reason === 'unknown-key' && /key document serial 1 does not list/.test(e.message));
    });
  });
});
