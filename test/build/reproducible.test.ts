/**
 * Reviewers sign off chunk hashes, so anyone must be able to rebuild the
 * same bytes from the same commit: two copies of the tree, in two folders,
 * built with the real command, give byte-identical add-ons and lock files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hashTree } from '../helpers/hash-tree';
import { runBuild } from '../helpers/run-command';

const ROOT = process.cwd();

/** The tree as a fresh checkout of this working copy would have it, with the dependencies linked in. */
function copyTree(to: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && file !== 'node_modules');
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(to, file));
    } catch (error) {
      // A file deleted in the working copy but not yet in the index is not part of the tree.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

async function buildIn(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runBuild(env, dir);
  if (result.code !== 0) throw new Error(`the build in ${dir} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('a reproducible build', function () {
  this.timeout(240_000);
  let work: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'sbc-reproducible-'));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('gives byte-identical, minified chunks, content scripts and lock file from two copies of the tree in two folders', async () => {
    const copies = [join(work, 'first-checkout'), join(work, 'elsewhere', 'second')];
    // One pinned key for both: the key is an input of the build, like the source.
    const env = { SBC_ENV: 'local', SBC_PUBLIC_KEYS: join(work, 'keys'), SBC_OUT_DIR: 'dist' };
    const outputs: string[] = [];
    for (const copy of copies) {
      copyTree(copy);
      outputs.push(await buildIn(copy, env));
    }
    const [first, second] = copies.map((copy) => hashTree(join(copy, 'dist/extension')));
    assert.ok([...first!.keys()].some((path) => /^features\/[^/]+\/index\.js$/.test(path)), 'the build has feature chunks');
    assert.deepEqual(second, first);
    assert.equal(readFileSync(join(copies[1]!, 'dist/features.lock.json'), 'utf8'), readFileSync(join(copies[0]!, 'dist/features.lock.json'), 'utf8'));

    const background = readFileSync(join(copies[0]!, 'dist/extension/background.js'), 'utf8');
    assert.ok(background.split('\n').length < 20, 'background.js is minified');
    assert.match(background, /class HostError\b/, 'class names survive minification (errors take their name from new.target.name)');
    assert.match(outputs[0]!, /background\.js\s+[\d.]+ KB raw\s+[\d.]+ KB gzip\s+\(budget 40\.0 KB gzip\)/, 'the build prints each bundle size');
  });
});
