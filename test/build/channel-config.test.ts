import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BuildSettingsError, createBuildConfig, loadPinnedKeys, resolveBuildSettings } from '../../build/channel-config';
import { generateKeyPair } from '../../build/keys';

const ROOT = resolve(__dirname, '../..');

describe('channel.config.json: root keys, their threshold and the manifest lifetime are pinned into the build', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sbc-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pins the root keys, the root threshold and the longest manifest lifetime of the environment', async () => {
    await generateKeyPair({ outDir: dir, role: 'root', keyId: 'root-1' });
    const settings = resolveBuildSettings({ rootDir: ROOT, env: { SBC_ENV: 'beta', SBC_ROOT_KEYS: dir } });
    const config = createBuildConfig(settings, await loadPinnedKeys(settings), '0.1.0');
    assert.deepEqual(config.rootKeys.map((key) => key.keyId), ['root-1']);
    assert.equal(config.rootThreshold, 1);
    assert.equal(config.maxManifestLifetimeDays, 30);
    assert.equal('keys' in config, false, 'no manifest key is pinned: the key document lists them');
  });

  it('refuses a build whose root keys cannot reach the threshold', async () => {
    await generateKeyPair({ outDir: dir, role: 'root', keyId: 'root-1' });
    const settings = resolveBuildSettings({ rootDir: ROOT, env: { SBC_ENV: 'beta', SBC_ROOT_KEYS: dir, SBC_ROOT_THRESHOLD: '2' } });
    await assert.rejects(loadPinnedKeys(settings), (error: Error) => error instanceof BuildSettingsError && /holds 1 root key\(s\) but the threshold is 2/.test(error.message));
    assert.throws(() => resolveBuildSettings({ rootDir: ROOT, env: { SBC_ROOT_THRESHOLD: '0' } }), /SBC_ROOT_THRESHOLD="0"/);
  });

  it('makes a local development root key on the first local build', async () => {
    const settings = resolveBuildSettings({ rootDir: ROOT, env: { SBC_ENV: 'local', SBC_ROOT_KEYS: join(dir, 'root') } });
    const lines: string[] = [];
    const keys = await loadPinnedKeys(settings, undefined, (line) => lines.push(line));
    assert.equal(keys.length, 1);
    assert.match(keys[0]!.keyId, /^local-root-/);
    assert.match(lines.join('\n'), /created the development root key pair/);
  });
});
