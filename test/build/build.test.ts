/**
 * Runs the real build (webpack through its Node API, and the CLI for the
 * failure path) on a temporary copy of the fixture features. Each run takes
 * about a second, so the runs are shared between the tests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import webpack, { type Stats } from 'webpack';
import { BuildSettingsError, loadPinnedKeys, resolveBuildSettings } from '../../build/channel-config';
import type { LockFile } from '../../protocol/release-schema';
import { createWebpackConfig } from '../../build/webpack-config';
import { hashTree } from '../helpers/hash-tree';
import { readZip } from '../helpers/read-zip';
import { runBuild, runCommand, type CommandResult } from '../helpers/run-command';

const ROOT = process.cwd();
const FIXTURES = join(ROOT, 'test/build/fixtures');

async function build(env: NodeJS.ProcessEnv): Promise<Stats> {
  const config = await createWebpackConfig({ rootDir: ROOT, env, log: () => {} });
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => (error || !stats ? reject(error ?? new Error('no stats')) : resolve(stats)));
  });
}

/** A build that stops on a setting: exit 1, the reason without a stack trace, nothing written. */
function assertBuildRefused(result: CommandResult, outDir: string, reason: RegExp): void {
  assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, reason);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  assert.ok(!existsSync(outDir), 'a failed build must not write an add-on');
}

describe('the build', function () {
  this.timeout(60_000);
  // Inside the repository, at the fixtures' depth, so that the features' relative imports resolve.
  let work: string;
  let outDirs: string[];
  let env: (outDir: string) => NodeJS.ProcessEnv;

  before(async () => {
    mkdirSync(join(ROOT, 'test/build/.tmp'), { recursive: true });
    work = mkdtempSync(join(ROOT, 'test/build/.tmp/run-'));
    const features = join(work, 'features');
    cpSync(join(FIXTURES, 'features/valid'), features, { recursive: true });
    // A helper two features share: one of them starting to use more of it must not touch the other's chunk.
    mkdirSync(join(work, 'shared'));
    writeFileSync(
      join(work, 'shared/text-tools.ts'),
      'export const shout = (text: string) => text.toUpperCase();\nexport const whisper = (text: string) => text.toLowerCase();\n',
    );
    const helloIndex = join(features, 'hello-tabs', 'index.ts');
    writeFileSync(helloIndex, `import { shout } from '../../shared/text-tools';\n${readFileSync(helloIndex, 'utf8')}\nexport const title = shout('hello');\n`);
    // Drop a folder, get a feature: a copy with a new id and nothing else edited.
    cpSync(join(features, 'hello-tabs'), join(features, 'hello-copy'), { recursive: true });
    const copiedJson = join(features, 'hello-copy', 'feature.json');
    writeFileSync(copiedJson, JSON.stringify({ ...JSON.parse(readFileSync(copiedJson, 'utf8')), id: 'hello-copy' }, null, 2));

    const out = mkdtempSync(join(tmpdir(), 'sbc-build-'));
    outDirs = [join(out, 'first'), join(out, 'second'), join(out, 'edited')];
    env = (outDir) => ({
      SBC_ENV: 'local',
      SBC_OUT_DIR: outDir,
      SBC_FEATURES_DIR: features,
      SBC_GENERATED_DIR: join(work, 'generated'),
      SBC_PUBLIC_KEYS: join(work, 'keys'),
      SBC_BACKGROUND_ENTRY: join(FIXTURES, 'extension/background.ts'),
      SBC_UI_DIR: join(FIXTURES, 'extension/ui'),
    });
    for (const outDir of outDirs.slice(0, 2)) {
      const stats = await build(env(outDir));
      assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    }
    // One feature edited: only its own chunk may change.
    const copyIndex = join(features, 'hello-copy', 'index.ts');
    writeFileSync(copyIndex, `import { whisper } from '../../shared/text-tools';\n${readFileSync(copyIndex, 'utf8')}\nexport const quiet = whisper('HELLO');\n`);
    const stats = await build(env(outDirs[2]!));
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (readdirSync(join(ROOT, 'test/build/.tmp')).length === 0) rmSync(join(ROOT, 'test/build/.tmp'), { recursive: true });
    if (outDirs) rmSync(join(outDirs[0]!, '..'), { recursive: true, force: true });
  });

  it('builds a copied folder as its own lazy chunk, listed in the lock file with the sha256 of its bytes', () => {
    const [outDir] = outDirs;
    const lock = JSON.parse(readFileSync(join(outDir!, 'features.lock.json'), 'utf8')) as LockFile;
    assert.deepEqual(lock.features.map((f) => f.id), ['hello-copy', 'hello-tabs', 'quiet-notes']);

    const copy = lock.features[0]!;
    assert.equal(copy.chunk, 'features/hello-copy/index.js');
    const chunk = readFileSync(join(outDir!, 'extension', copy.chunk));
    assert.equal(copy.sha256, createHash('sha256').update(chunk).digest('hex'));
    assert.deepEqual(copy.files.map((f) => f.path), ['features/hello-copy/content/greet.js']);
    const script = readFileSync(join(outDir!, 'extension', copy.files[0]!.path));
    assert.equal(copy.files[0]!.sha256, createHash('sha256').update(script).digest('hex'));
    assert.deepEqual([copy.version, copy.owners, copy.requiresAccount], ['1.2.0', ['hello-team@services.example.org'], false]);

    // Lazy: the background only knows the chunk's name; the feature's code is not in it.
    const background = readFileSync(join(outDir!, 'extension/background.js'), 'utf8');
    assert.match(background, /features\/hello-copy\/index/);
    assert.doesNotMatch(background, /tab-updated/);
    assert.match(chunk.toString('utf8'), /tab-updated/);
  });

  it('builds content scripts as self-contained plain scripts, with their imports inlined', () => {
    const script = readFileSync(join(outDirs[0]!, 'extension/features/hello-tabs/content/greet.js'), 'utf8');
    assert.match(script, /Hello from the beta channel/);
    assert.doesNotMatch(script, /webpackChunk|__webpack_require__\.e\b/);
  });

  it('writes the manifest with feature permissions, the beta origin and data collection, and copies the UI files', () => {
    const ext = join(outDirs[0]!, 'extension');
    const manifest = JSON.parse(readFileSync(join(ext, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.permissions, ['alarms', 'menus', 'notifications', 'scripting', 'storage', 'tabs']);
    assert.deepEqual(manifest.host_permissions, ['http://127.0.0.1/*', 'https://*.example.com/*']);
    assert.equal(manifest.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    assert.deepEqual(manifest.browser_specific_settings.gecko.data_collection_permissions.optional, ['technicalAndInteraction']);
    for (const file of ['ui/options.html', 'ui/options.css', 'ui/popup.html', 'ui/options.js', 'ui/popup.js']) {
      assert.ok(existsSync(join(ext, file)), `${file} is missing from the add-on`);
    }
  });

  it('gives byte-identical output for the same source, and an edit changes only that feature', () => {
    const [first, second, edited] = outDirs.map((dir) => hashTree(join(dir!, 'extension')));
    assert.deepEqual(second, first);
    const changed = [...first!.keys()].filter((path) => first!.get(path) !== edited!.get(path));
    assert.deepEqual(changed, ['features/hello-copy/index.js']);
  });

  it('pins the public key and never puts a private key in the output', () => {
    const keyFiles = readdirSync(join(work, 'keys'));
    assert.ok(keyFiles.some((name) => name.endsWith('.private.pem')), 'the local build should have created a development key pair');
    const { keyId } = JSON.parse(readFileSync(join(work, 'keys', keyFiles.find((n) => n.endsWith('.public.json'))!), 'utf8'));
    const background = readFileSync(join(outDirs[0]!, 'extension/background.js'), 'utf8');
    assert.ok(background.includes(keyId), `key ${keyId} is not pinned in background.js`);

    for (const path of hashTree(outDirs[0]!).keys()) {
      assert.ok(!path.endsWith('.pem'), `${path} is a private key`);
      const text = readFileSync(join(outDirs[0]!, path), 'utf8');
      assert.doesNotMatch(text, /PRIVATE KEY|"d"\s*:/, `${path} holds private key material`);
    }
  });

  it('passes web-ext lint with no errors', async () => {
    const result = await runCommand(join(ROOT, 'node_modules/.bin/web-ext'), ['lint', '--source-dir', join(outDirs[0]!, 'extension'), '--output', 'json']);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    assert.deepEqual(report.errors, [], JSON.stringify(report.errors, null, 2));
  });

  it('`npm run build` packs the folder it wrote: the .xpi in SBC_OUT_DIR holds exactly the built files', async () => {
    const outDir = join(outDirs[0]!, '..', 'packed');
    const result = await runCommand('npm', ['run', 'build'], { env: { ...process.env, ...env(outDir) } });
    assert.equal(result.code, 0, `npm run build failed:\n${result.stdout}\n${result.stderr}`);
    const xpis = readdirSync(outDir).filter((name) => name.endsWith('.xpi'));
    assert.equal(xpis.length, 1, `one .xpi in ${outDir}: ${xpis.join(', ')}`);
    const packed = readZip(join(outDir, xpis[0]!));
    const hashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const built = hashTree(join(outDir, 'extension'));
    assert.deepEqual(new Map([...packed].map(([path, bytes]) => [path, hashOf(bytes)])), built);
    assert.ok(built.has('features/hello-tabs/index.js'), 'the fixture features, not the repository\'s, are in the package');
  });

  it('fails on malformed feature folders, naming every file and field, before writing anything', async () => {
    const outDir = join(outDirs[0]!, '..', 'malformed');
    const result = await runBuild({ ...env(outDir), SBC_FEATURES_DIR: join(FIXTURES, 'features/malformed') });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /12 problems in feature folders/);
    assert.match(result.stderr, /malformed\/missing-fields\/feature\.json\s+version\s+expected string, received number/);
    assert.match(result.stderr, /malformed\/needs-permission\/feature\.json\s+events\[1\]\s+"tabs.onUpdated" needs the "tabs" permission/);
    assert.ok(!existsSync(outDir), 'a failed build must not write an add-on');
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'an author-facing error prints no stack trace');
  });

  it('fails when the host runtime or a UI page passes its gzip budget, naming the bundle and both sizes', async () => {
    const outDir = join(outDirs[0]!, '..', 'over-budget');
    const result = await runBuild({ ...env(outDir), SBC_HOST_BUDGET_KB: '1' });
    assert.notEqual(result.code, 0);
    const output = result.stdout + result.stderr;
    assert.match(output, /background\.js \(the host runtime\) is [\d.]+ KB gzip \([\d.]+ KB raw\), over its budget of 1\.0 KB gzip \(sizeBudgets\.hostRuntimeGzipKB in channel\.config\.json/);
    assert.doesNotMatch(output, /ui\/options\.js \(the UI page/, 'a page within its budget is not blamed');
    assert.match(output, /ui\/options\.js\s+[\d.]+ KB raw\s+[\d.]+ KB gzip\s+\(budget 30\.0 KB gzip\)/, 'every bundle size is printed');
  });

  it('fails on a wrong build setting with the variable named and no stack trace', async () => {
    const outDir = join(outDirs[0]!, '..', 'bad-env');
    const result = await runBuild({ ...env(outDir), SBC_ENV: 'staging' });
    assertBuildRefused(result, outDir, /^Build failed: SBC_ENV="staging": must be one of local, beta/m);
  });

  it('fails on a malformed public key file with the file named and no stack trace', async () => {
    const outDir = join(outDirs[0]!, '..', 'bad-key');
    const keyFile = join(work, 'broken.public.json');
    writeFileSync(keyFile, '{"keyId": "broken"}\n');
    const result = await runBuild({ ...env(outDir), SBC_PUBLIC_KEYS: keyFile });
    assertBuildRefused(result, outDir, /^Build failed: \S*broken\.public\.json: field "jwk"/m);
  });

  it('refuses a beta build without a pinned key, saying where the key goes', async () => {
    const settings = resolveBuildSettings({ rootDir: ROOT, env: { SBC_ENV: 'beta', SBC_PUBLIC_KEYS: join(work, 'no-keys-here') } });
    await assert.rejects(loadPinnedKeys(settings, async () => assert.fail('a beta build must never create a key')), (error: Error) => {
      assert.ok(error instanceof BuildSettingsError);
      assert.equal(error.code, 'missing-public-key');
      assert.equal(error.subject, relative(ROOT, join(work, 'no-keys-here')));
      assert.match(error.message, /no public key for the "beta" environment/);
      assert.match(error.message, /keys\/beta\/README\.md/);
      return true;
    });
  });
});
