/**
 * `npm run new-feature` on temporary features and tests folders: discovery
 * accepts what it writes, the real build bundles it, and the test it writes
 * passes in mocha (and fails once the feature stops doing what it checks).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import webpack, { type Stats } from 'webpack';
import { discoverFeatures } from '../../build/discover-features';
import { runCommand } from '../helpers/run-command';
import { isBuildError } from '../../build/errors';
import type { LockFile } from '../../protocol/release-schema';
import { runNewFeatureCli, writeNewFeature, type NewFeatureResult } from '../../build/new-feature';
import { createWebpackConfig } from '../../build/webpack-config';
import { useTempDir } from '../helpers/temp-dir';

const ROOT = process.cwd();
const FIXTURES = join(ROOT, 'test/build/fixtures');
const TMP = join(ROOT, 'test/build/.tmp');

interface MochaReport {
  stats: { tests: number; passes: number; failures: number };
  failures: Array<{ title: string }>;
}

/** Runs mocha on the given test files in a child process, as `npx mocha <file>` would, and reads its JSON report. */
async function runMocha(files: string[]): Promise<{ code: number; report: MochaReport; stderr: string }> {
  const mocha = join(ROOT, 'node_modules/mocha/bin/mocha.js');
  const { code, stdout, stderr } = await runCommand(process.execPath, [mocha, '--reporter', 'json', ...files]);
  try {
    return { code, report: JSON.parse(stdout) as MochaReport, stderr };
  } catch {
    throw new Error(`mocha printed no report (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

function build(env: NodeJS.ProcessEnv): Promise<Stats> {
  return createWebpackConfig({ rootDir: ROOT, env, log: () => {} }).then(
    (config) => new Promise((resolve, reject) => webpack(config, (error, stats) => (error || !stats ? reject(error ?? new Error('no stats')) : resolve(stats)))),
  );
}

/** Every file under dir, relative to it, sorted. */
function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('npm run new-feature', function () {
  this.timeout(120_000);
  let work: string;
  let featuresDir: string;
  let testsDir: string;
  let plain: NewFeatureResult;
  let full: NewFeatureResult;

  before(() => {
    mkdirSync(TMP, { recursive: true });
    // Inside the repository like the real features folder, so the generated imports are the ones an author gets.
    work = mkdtempSync(join(TMP, 'new-'));
    featuresDir = join(work, 'features');
    testsDir = join(work, 'test', 'features');
    plain = writeNewFeature({ id: 'menu-hello', featuresDir, testsDir });
    full = writeNewFeature({ id: 'page-hello', content: true, account: true, owner: 'ana@services.example.org', featuresDir, testsDir });
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (existsSync(TMP) && readdirSync(TMP).length === 0) rmSync(TMP, { recursive: true });
  });

  it('writes the feature folder and its test, with a content script and the account only when asked', () => {
    assert.deepEqual(listTree(featuresDir), [
      'menu-hello/_locales/en/messages.json',
      'menu-hello/feature.json',
      'menu-hello/index.ts',
      'page-hello/_locales/en/messages.json',
      'page-hello/content/page.ts',
      'page-hello/feature.json',
      'page-hello/index.ts',
      'page-hello/messages.ts',
    ]);
    assert.deepEqual(listTree(testsDir), ['menu-hello.test.ts', 'page-hello.test.ts']);
    assert.deepEqual([plain.testPath, full.testPath], [join(testsDir, 'menu-hello.test.ts'), join(testsDir, 'page-hello.test.ts')]);
    assert.doesNotMatch(readFileSync(join(plain.featureDir, 'index.ts'), 'utf8'), /services\.fetch|contentScripts/);
    assert.match(readFileSync(join(full.featureDir, 'index.ts'), 'utf8'), /ctx\.services\.fetch\(SERVICE_PATH\)/);
  });

  it('writes folders that discovery accepts as they are, the content script declared as the build expects', () => {
    const features = discoverFeatures(featuresDir);
    assert.deepEqual(
      features.map((f) => [f.id, f.json.name, f.json.requiresAccount, f.json.permissions, f.json.owners]),
      [
        ['menu-hello', 'Menu hello', false, ['menus'], ['menu-hello-team@services.example.org']],
        ['page-hello', 'Page hello', true, ['menus', 'scripting'], ['ana@services.example.org']],
      ],
    );
    assert.deepEqual(features[0]!.contentScripts, []);
    assert.deepEqual(features[1]!.contentScripts.map((s) => s.output), ['features/page-hello/content/page.js']);
    assert.deepEqual(features[1]!.json.hostPermissions, ['http://*/*', 'https://*/*']);
  });

  it('builds each as its own chunk, with its content script, listed in the lock file', async () => {
    const outDir = join(work, 'dist');
    const stats = await build({
      SBC_ENV: 'local',
      SBC_OUT_DIR: outDir,
      SBC_FEATURES_DIR: featuresDir,
      SBC_GENERATED_DIR: join(work, 'generated'),
      SBC_PUBLIC_KEYS: join(work, 'keys'),
      SBC_BACKGROUND_ENTRY: join(FIXTURES, 'extension/background.ts'),
      SBC_UI_DIR: join(FIXTURES, 'extension/ui'),
    });
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    const lock = JSON.parse(readFileSync(join(outDir, 'features.lock.json'), 'utf8')) as LockFile;
    assert.deepEqual(
      lock.features.map((f) => [f.id, f.chunk, f.files.map((file) => file.path)]),
      [
        ['menu-hello', 'features/menu-hello/index.js', []],
        ['page-hello', 'features/page-hello/index.js', ['features/page-hello/content/page.js']],
      ],
    );
    const chunk = readFileSync(join(outDir, 'extension/features/page-hello/index.js'), 'utf8');
    assert.match(chunk, /\/v1\/services\/page-hello\//);
    const script = readFileSync(join(outDir, 'extension/features/page-hello/content/page.js'), 'utf8');
    assert.match(script, /sbc:feature/, 'the content script carries sendToFeature inlined');
    assert.doesNotMatch(script, /__webpack_require__\.e\b/);
  });

  it('writes tests that pass in mocha, and fail once the feature stops doing what they check', async () => {
    const passing = await runMocha([plain.testPath, full.testPath]);
    assert.equal(passing.code, 0, passing.stderr + JSON.stringify(passing.report.failures, null, 2));
    assert.deepEqual([passing.report.stats.tests, passing.report.stats.passes], [7, 7]);

    const index = join(full.featureDir, 'index.ts');
    writeFileSync(index, readFileSync(index, 'utf8').replace("await ctx.usage.count('page-greeted');", ''));
    const failing = await runMocha([full.testPath]);
    assert.notEqual(failing.code, 0);
    assert.deepEqual(failing.report.failures.map((f) => f.title), ['answers its content script with a greeting and counts it']);
  });

  describe('refusals', () => {
    const dir = useTempDir('sbc-new-feature-');

    it('refuses an id that breaks the feature-id rule, naming the rule, and writes nothing', () => {
      for (const id of ['Word_Count', 'wc', '9-lives', 'ends-with-']) {
        assert.throws(
          () => writeNewFeature({ id, featuresDir: join(dir(), 'features'), testsDir: join(dir(), 'tests') }),
          (error) => isBuildError(error) && error.code === 'invalid-feature-id' && error.subject === id && /3–64 characters of a-z, 0-9 and "-", starting with a letter/.test(error.message),
        );
      }
      assert.deepEqual(readdirSync(dir()), []);
    });

    it('refuses a taken id, whether the folder or the test exists, and leaves both untouched', () => {
      const featuresDir = join(dir(), 'features');
      const testsDir = join(dir(), 'tests');
      writeNewFeature({ id: 'taken-one', featuresDir, testsDir });
      const before = listTree(dir()).map((path) => [path, readFileSync(join(dir(), path), 'utf8')]);
      assert.throws(
        () => writeNewFeature({ id: 'taken-one', content: true, featuresDir, testsDir }),
        (error) => isBuildError(error) && error.code === 'feature-exists' && error.subject === join(featuresDir, 'taken-one'),
      );
      // A test left over from a removed feature is not overwritten either.
      writeFileSync(join(testsDir, 'orphan-test.test.ts'), '// kept\n');
      assert.throws(
        () => writeNewFeature({ id: 'orphan-test', featuresDir, testsDir }),
        (error) => isBuildError(error) && error.code === 'feature-exists' && error.subject === join(testsDir, 'orphan-test.test.ts'),
      );
      assert.ok(!existsSync(join(featuresDir, 'orphan-test')), 'no folder is made for a refused id');
      assert.deepEqual(listTree(dir()).filter((path) => !path.includes('orphan')).map((path) => [path, readFileSync(join(dir(), path), 'utf8')]), before);
      assert.equal(readFileSync(join(testsDir, 'orphan-test.test.ts'), 'utf8'), '// kept\n');
    });

    it('exits 2 with the usage for a command-line mistake, 1 for a refused id, 0 with the files written', () => {
      const run = (argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = runNewFeatureCli(argv, { featuresDir: join(dir(), 'features'), testsDir: join(dir(), 'tests') }, (l) => out.push(l), (l) => err.push(l));
        return { code, out: out.join('\n'), err: err.join('\n') };
      };
      assert.equal(run([]).code, 2);
      assert.match(run(['one-id', 'two-id']).err, /one feature id, not 2[\s\S]*usage: npm run new-feature/);
      assert.equal(run(['word-count', '--colour']).code, 2);
      const bad = run(['Word_Count']);
      assert.deepEqual([bad.code, bad.out], [1, '']);
      assert.match(bad.err, /^new-feature: "Word_Count" is not a feature id: must be/);

      const made = run(['word-count', '--content']);
      assert.equal(made.code, 0, made.err);
      assert.match(made.out, /features\/word-count\/content\/page\.ts/);
      assert.match(made.out, /tests\/word-count\.test\.ts/);
      assert.equal(run(['word-count']).code, 1);
    });
  });
});
