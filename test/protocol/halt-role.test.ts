// The halt role of the key document: the keys the beta server signs halt
// documents with. A halt key signs halts only, a manifest key manifests only.
import assert from 'node:assert/strict';
import { ManifestRefusedError, verifyEnvelope } from '../../protocol/envelope';
import { verifyHaltDocument, type HaltPayload } from '../../protocol/halt-document';
import { describeKeyDocumentProblems, findHaltSigners, findManifestSigners, verifyKeyDocument, type KeyDocumentPayload } from '../../protocol/key-document';
import { makeManifestPayload } from '../helpers/manifests';
import { createSigningKey, makeKeyDocument, signPayload, type SigningKey } from '../helpers/signing';

const NOW = new Date('2026-11-25T12:00:00Z');
const ISSUED = NOW.getTime() - 60_000;

describe('key document: the halt role', () => {
  let root: SigningKey;
  let manifestKey: SigningKey;
  let haltKey: SigningKey;
  before(async () => {
    [root, manifestKey, haltKey] = await Promise.all(['root-1', 'manifest-a', 'halt-a'].map(createSigningKey));
  });

  /** A key document listing the manifest key and `halt` under the halt role, verified as the add-on does. */
  async function documentWith(halt: SigningKey[], manifest: SigningKey[] = [manifestKey]): Promise<KeyDocumentPayload> {
    const keys = [...new Map([...manifest, ...halt].map((key) => [key.keyId, key.pinned])).values()];
    const payload = makeKeyDocument(keys, {
      roles: { manifest: { keyIds: manifest.map((key) => key.keyId), threshold: 1 }, ...(halt.length > 0 ? { halt: { keyIds: halt.map((key) => key.keyId) } } : {}) },
    }, ISSUED);
    return verifyKeyDocument(await signPayload(payload, root), { rootKeys: [root.pinned], rootThreshold: 1, env: 'beta', now: NOW });
  }

  const halt: HaltPayload = {
    schema: 1, kind: 'halt', env: 'beta', serial: 10, issuedAt: new Date(ISSUED).toISOString(), expiresAt: new Date(ISSUED + 86_400_000).toISOString(),
    manifestSerial: 3, halts: [{ featureId: 'page-notes', action: 'kill', reason: 'gate failureRate failed', haltedAt: new Date(ISSUED).toISOString() }],
  };
  async function refusalOf(run: Promise<unknown>): Promise<string> {
    try {
      await run;
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof ManifestRefusedError, String(error));
      return error.reason;
    }
  }

  it('lets a halt key sign a halt document, and never a manifest; a manifest key never a halt', async () => {
    const doc = await documentWith([haltKey]);
    const haltSigners = findHaltSigners(doc)!;
    assert.deepEqual(haltSigners.keys.map((key) => key.keyId), ['halt-a']);
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-a']);
    const env = { env: 'beta', now: NOW };
    assert.equal(await refusalOf(verifyHaltDocument(await signPayload(halt, haltKey), { signers: haltSigners, ...env })), 'accepted');
    assert.equal(await refusalOf(verifyHaltDocument(await signPayload(halt, manifestKey), { signers: haltSigners, ...env })), 'unknown-key');
    const manifest = makeManifestPayload({ serial: 3 }, ISSUED);
    assert.equal(await refusalOf(verifyEnvelope(await signPayload(manifest, haltKey), { ...findManifestSigners(doc), ...env })), 'unknown-key');
    assert.equal(await refusalOf(verifyEnvelope(await signPayload(manifest, manifestKey), { ...findManifestSigners(doc), ...env })), 'accepted');
  });

  it('keeps roles exclusive: a key named by both roles is refused by publish and the server, and the add-on lets it sign for neither', async () => {
    const both = await createSigningKey('both-roles');
    const doc = await documentWith([haltKey, both], [manifestKey, both]);
    assert.match(describeKeyDocumentProblems(doc)!, /roles\.halt\.keyIds\.1: names key "both-roles", which the manifest role holds too: a key may hold one role only/);
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-a']);
    assert.deepEqual(findHaltSigners(doc)!.keys.map((key) => key.keyId), ['halt-a']);
  });

  it('has no halt signers without a halt role, or when its only key is revoked', async () => {
    assert.equal(findHaltSigners(await documentWith([])), null);
    const doc = await documentWith([haltKey]);
    assert.equal(findHaltSigners({ ...doc, revoked: [{ keyId: 'halt-a', reason: 'the server was broken into' }] }), null);
  });
});
