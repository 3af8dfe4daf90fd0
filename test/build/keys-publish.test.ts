import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, runKeysCli, type GeneratedKeyPair } from '../../build/keys';
import { publishKeyDocument, runKeysPublishCli, type KeysPublishOptions } from '../../build/keys-publish';
import { findManifestSigners, verifyKeyDocument } from '../../protocol/key-document';
import { readPublicKeyFile } from '../../protocol/key-files';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../server/helpers';

describe('npm run keys:publish against the real beta server', () => {
  let dir: string;
  let server: TestServer;
  let root: GeneratedKeyPair;
  let manifestA: GeneratedKeyPair;
  let manifestB: GeneratedKeyPair;
  const now = () => new Date(server.clock.now);
  const options = (overrides: Partial<KeysPublishOptions> = {}): KeysPublishOptions => ({
    rootKeyPaths: [root.privateKeyPath],
    manifestKeyPaths: [manifestA.publicKeyPath],
    threshold: 1,
    revoke: [],
    expiresInDays: 180,
    server: server.url,
    adminToken: ADMIN_TOKEN,
    outPath: join(dir, 'keys.signed.json'),
    ...overrides,
  });
  const live = async () => {
    const text = await (await fetch(`${server.url}/v1/keys`)).text();
    return verifyKeyDocument(text, { rootKeys: [readPublicKeyFile(root.publicKeyPath)], rootThreshold: 1, env: 'beta', now: now() });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbc-keys-publish-'));
    root = await generateKeyPair({ outDir: join(dir, 'root'), role: 'root' });
    manifestA = await generateKeyPair({ outDir: join(dir, 'manifest'), role: 'manifest', keyId: 'manifest-a' });
    manifestB = await generateKeyPair({ outDir: join(dir, 'manifest'), role: 'manifest', keyId: 'manifest-b' });
    server = await startTestServer();
    server.rootKeys.push(readPublicKeyFile(root.publicKeyPath));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes root and manifest keys that say their role', async () => {
    assert.match(root.keyId, /^root-\d{8}-[0-9a-f]{6}$/);
    assert.equal(JSON.parse(readFileSync(root.publicKeyPath, 'utf8')).role, 'root');
    assert.equal(JSON.parse(readFileSync(manifestA.publicKeyPath, 'utf8')).role, 'manifest');
    const lines: string[] = [];
    assert.equal(await runKeysCli(['--out', join(dir, 'cli'), '--role', 'admin'], (l) => lines.push(l), (l) => lines.push(l)), 2);
    assert.match(lines.join('\n'), /--role "admin" must be one of root, manifest/);
  });

  it('signs the key document with the root key and uploads it; the server serves it and the add-on can verify it', async () => {
    const { payload, upload } = await publishKeyDocument(options(), { now });
    assert.equal(upload?.status, 201);
    const doc = await live();
    assert.equal(doc.serial, payload.serial);
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-a']);
    assert.equal(readFileSync(join(dir, 'keys.signed.json'), 'utf8'), await (await fetch(`${server.url}/v1/keys`)).text());
  });

  it('refuses a document that would leave no valid manifest key, uploading and writing nothing', async () => {
    await publishKeyDocument(options(), { now });
    const out = join(dir, 'refused.json');
    await assert.rejects(publishKeyDocument(options({ revoke: [{ keyId: 'manifest-a', reason: 'leaked' }], outPath: out }), { now }), /leaves 0 valid manifest key/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(findManifestSigners(await live()).keys.map((key) => key.keyId), ['manifest-a']);
  });

  it('rotates: the next document revokes the leaked key, and a later one cannot forget the revocation', async () => {
    await publishKeyDocument(options(), { now });
    server.clock.now += 1000;
    await publishKeyDocument(options({ manifestKeyPaths: [join(dir, 'manifest')], revoke: [{ keyId: 'manifest-a', reason: 'leaked in a CI log' }] }), { now });
    let doc = await live();
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-b']);
    assert.equal(findManifestSigners(doc).keys[0]!.jwk.x, manifestB.jwk.x);
    assert.deepEqual(doc.revoked.map((key) => [key.keyId, key.reason]), [['manifest-a', 'leaked in a CI log']]);
    // A later publish that lists the whole folder again, without --revoke: manifest-a stays revoked and unlisted.
    server.clock.now += 1000;
    await publishKeyDocument(options({ manifestKeyPaths: [join(dir, 'manifest')] }), { now });
    doc = await live();
    assert.deepEqual(findManifestSigners(doc).keys.map((key) => key.keyId), ['manifest-b']);
    assert.deepEqual(doc.revoked.map((key) => key.keyId), ['manifest-a']);
    // Listing only the revoked key would leave none.
    await assert.rejects(publishKeyDocument(options(), { now }), /leaves 0 valid manifest key/);
  });

  it('exits 2 with the usage for a command-line mistake', async () => {
    const lines: string[] = [];
    assert.equal(await runKeysPublishCli(['--root-key', 'x.pem'], {}, (l) => lines.push(l), (l) => lines.push(l)), 2);
    assert.match(lines.join('\n'), /missing --manifest-key/);
  });
});
