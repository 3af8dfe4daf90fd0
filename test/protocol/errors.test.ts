import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelError } from '../../protocol/errors';
import { ManifestRefusedError, verifyEnvelope } from '../../protocol/envelope';
import { KeyFileError, readPrivateKey, readPublicKeyFile } from '../../protocol/key-files';
import { parseReleaseFile, ReleaseFileError } from '../../protocol/release-schema';
import { createSigningKey, signPayload } from '../helpers/signing';
import { useTempDir } from '../helpers/temp-dir';

describe('protocol/: its errors are channel errors with a code and a subject', () => {
  const dir = useTempDir('sbc-protocol-');

  it('ManifestRefusedError: the refusal reason is the code, the key ids the subject', async () => {
    const envelope = await signPayload(new TextEncoder().encode('{}'), await createSigningKey('k-unknown'));
    const refusal = await verifyEnvelope(envelope, { keys: [], env: 'beta' }).catch((error: unknown) => error);
    assert.ok(refusal instanceof ManifestRefusedError && refusal instanceof ChannelError);
    assert.equal(refusal.code, 'unknown-key');
    assert.equal(refusal.reason, 'unknown-key');
    assert.equal(refusal.subject, 'k-unknown');
    assert.equal(refusal.name, 'ManifestRefusedError');
  });

  it('ManifestRefusedError names the field of a malformed envelope', async () => {
    const refusal = await verifyEnvelope(JSON.stringify({ payload: 'e30', signatures: [{ keyId: 'k', alg: 'RS256', sig: 'AA' }] }), { keys: [], env: 'beta' }).catch((error: unknown) => error);
    assert.ok(refusal instanceof ManifestRefusedError);
    assert.equal(refusal.code, 'malformed-envelope');
    assert.match(refusal.message, /signatures\[0\]\.alg: /);
  });

  it('KeyFileError: the file is the subject; unreadable and invalid files have their own codes', async () => {
    const missing = join(dir(), 'missing.public.json');
    assert.throws(() => readPublicKeyFile(missing), (error: unknown) => {
      assert.ok(error instanceof KeyFileError && error instanceof ChannelError);
      assert.equal(error.code, 'unreadable-key-file');
      assert.equal(error.subject, missing);
      assert.ok(error.message.startsWith(`${missing}: `));
      return true;
    });
    const notPem = join(dir(), 'k.private.pem');
    writeFileSync(notPem, 'not a key');
    await assert.rejects(readPrivateKey(notPem), (error: unknown) => error instanceof KeyFileError && error.code === 'invalid-key-file' && error.subject === notPem);
  });

  it('ReleaseFileError: the file is the subject and every bad field is listed', () => {
    assert.throws(() => parseReleaseFile('{"features": [{"id": "page-notes", "version": "1.0.0", "rollout": 101}]}', 'release/beta.json'), (error: unknown) => {
      assert.ok(error instanceof ReleaseFileError && error instanceof ChannelError);
      assert.equal(error.code, 'invalid-file');
      assert.equal(error.subject, 'release/beta.json');
      assert.deepEqual(error.problems, ['features[0] (page-notes).rollout: must be a percentage from 0 to 100']);
      return true;
    });
  });
});
