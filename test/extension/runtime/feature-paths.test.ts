import assert from 'node:assert/strict';
import { HostError } from '../../../extension/errors';
import { checkListedFiles, verifyFeatureFiles } from '../../../extension/runtime/feature-loader';
import { resolveAddonPath } from '../../../protocol/feature-paths';
import { sha256 } from '../../helpers/manifests';

// The forms Firefox resolves when the add-on fetches runtime.getURL(path), and where each really leads.
const ESCAPES: Array<[string, string | null]> = [
  ['features/a/%2e%2e/b/index.js', 'features/b/index.js'],
  ['features/a/%2E%2E/b/index.js', 'features/b/index.js'],
  ['features/a/.%2e/b/index.js', 'features/b/index.js'],
  ['features/a/%2e./b/index.js', 'features/b/index.js'],
  ['features/a/../b/index.js', 'features/b/index.js'],
  ['features/a/.\t./b/index.js', 'features/b/index.js'],
  ['features/a/.\n./b/index.js', 'features/b/index.js'],
  ['/features/b/index.js', 'features/b/index.js'],
  ['features/a/content/../../b/index.js', 'features/b/index.js'],
  ['features/a/content/../../../b/index.js', 'b/index.js'],
  ['features/a/../../manifest.json', 'manifest.json'],
  // Still ambiguous after one decoding: some layer could read them another way.
  ['features/a/..%2fb/index.js', null],
  ['features/a/%2e%2e%2fb/index.js', null],
  ['features/a/%252e%252e/b/index.js', null],
  ['features/a\\..\\b\\index.js', null],
  ['features/a/..\\b/index.js', null],
  ['features/a/%5c../b/index.js', null],
  ['features/a//index.js', null],
  ['features/a/index.js?x=../b', null],
  ['features/a/index.js#../b', null],
  ['features/a/%00.js', null],
  ['features/a/%E0%A4%A.js', null],
  ['//evil.example/features/a/index.js', null],
  ['moz-extension://another-uuid/features/a/index.js', null],
  ['https://evil.example/features/a/index.js', null],
  ['', null],
];

describe('feature paths are resolved as Firefox resolves them before any comparison', () => {
  for (const [path, resolved] of ESCAPES) {
    it(`${JSON.stringify(path)} → ${resolved === null ? 'refused' : resolved}`, () => {
      assert.equal(resolveAddonPath(path), resolved);
    });
  }

  it('keeps plain and harmless forms, resolved', () => {
    assert.equal(resolveAddonPath('features/a/content/badge.js'), 'features/a/content/badge.js');
    assert.equal(resolveAddonPath('features/a/./content/badge.js'), 'features/a/content/badge.js');
    assert.equal(resolveAddonPath('features/a/content/b%61dge.js'), 'features/a/content/badge.js');
  });

  const expected = { featureId: 'a', chunk: 'features/a/index.js', sha256: sha256('a'), registeredFiles: [] as string[] };
  for (const [path] of ESCAPES) {
    it(`the host refuses a manifest file ${JSON.stringify(path)}, which is not inside features/a/`, () => {
      assert.throws(
        () => checkListedFiles({ ...expected, files: [{ path, sha256: sha256('b') }] }),
        (error: unknown) => error instanceof HostError && error.code === 'unlisted-files' && /outside features\/a\//.test(error.message),
      );
    });
  }

  it('counts a shipped file as listed only under the path it resolves to, and fetches that path', async () => {
    const fetched: string[] = [];
    const listed = [{ path: 'features/a/./content/x.js', sha256: sha256('x()') }];
    const files: Record<string, string> = { 'features/a/index.js': 'a', 'features/a/content/x.js': 'x()' };
    await verifyFeatureFiles({ ...expected, files: listed, registeredFiles: ['features/a/content/x.js'] }, async (path) => {
      fetched.push(path);
      return new TextEncoder().encode(files[path]).buffer as ArrayBuffer;
    });
    assert.deepEqual(fetched, ['features/a/index.js', 'features/a/content/x.js']);
  });
});
