import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateKey, readPublicKeyFile, readPublicKeys } from '../../protocol/key-files';
import { generateKeyPair, makeKeyId } from '../../build/keys';
import { signEnvelope, verifyEnvelope } from '../../protocol/envelope';
import { runScript } from '../helpers/run-command';
import { useTempDir } from '../helpers/temp-dir';


const runKeysCli = (args: string[]) => runScript('build/keys.ts', args);

async function signAndVerify(privatePath: string, publicPath: string): Promise<void> {
  const signer = await readPrivateKey(privatePath);
  const issuedAt = Date.now() - 60_000;
  const payload = { schema: 1, env: 'beta', serial: 1, issuedAt: new Date(issuedAt).toISOString(), expiresAt: new Date(issuedAt + 7 * 86_400_000).toISOString(), features: [] };
  const envelope = await signEnvelope(new TextEncoder().encode(JSON.stringify(payload)), [signer]);
  const verified = await verifyEnvelope(JSON.stringify(envelope), { keys: [readPublicKeyFile(publicPath)], env: 'beta' });
  assert.equal(verified.serial, 1);
}

describe('keys:generate', () => {
  const dir = useTempDir('sbc-keys-');

  it('writes a private PEM (0600) and a public JWK that sign and verify together, and prints both paths', async () => {
    const { code, stdout } = await runKeysCli(['--out', dir(), '--name', 'qa']);
    assert.equal(code, 0);
    const keyId = /key id:\s+(\S+)/.exec(stdout)?.[1];
    assert.match(keyId ?? '', /^qa-\d{8}-[0-9a-f]{6}$/);
    const privatePath = join(dir(), `${keyId}.private.pem`);
    const publicPath = join(dir(), `${keyId}.public.json`);
    assert.ok(stdout.includes(privatePath) && stdout.includes(publicPath), stdout);
    assert.equal(statSync(privatePath).mode & 0o777, 0o600);
    assert.equal((await readPrivateKey(privatePath)).keyId, keyId);
    assert.deepEqual(readPublicKeys([dir()]).map((k) => k.keyId), [keyId]);
    await signAndVerify(privatePath, publicPath);
  });

  it('refuses to overwrite an existing key and leaves it untouched', async () => {
    const first = await generateKeyPair({ outDir: dir(), keyId: 'beta-2026' });
    const before = readFileSync(first.privateKeyPath, 'utf8');
    const { code, stderr } = await runKeysCli(['--out', dir(), '--key-id', 'beta-2026']);
    assert.equal(code, 1);
    assert.match(stderr, /beta-2026.*already exists/);
    assert.equal(readFileSync(first.privateKeyPath, 'utf8'), before);
  });

  it('writes exactly {keyId, jwk: {kty, crv, x, y}} as the public key file', async () => {
    const pair = await generateKeyPair({ outDir: join(dir(), 'nested'), keyId: 'local-20261125' });
    const onDisk = JSON.parse(readFileSync(pair.publicKeyPath, 'utf8'));
    assert.deepEqual(Object.keys(onDisk), ['keyId', 'jwk']);
    assert.deepEqual(Object.keys(onDisk.jwk).sort(), ['crv', 'kty', 'x', 'y']);
    assert.deepEqual(onDisk, { keyId: 'local-20261125', jwk: pair.jwk });
    assert.equal(pair.jwk.crv, 'P-256');
  });

  it('refuses a key id that would write outside the folder', async () => {
    await assert.rejects(generateKeyPair({ outDir: dir(), keyId: '../escaped' }), /--key-id "\.\.\/escaped"/);
  });

  it('makes default key ids from the name and the UTC date', () => {
    assert.equal(makeKeyId('channel', new Date('2026-11-25T23:30:00-02:00'), () => 'abc123'), 'channel-20261126-abc123');
  });
});
