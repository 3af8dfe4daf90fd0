import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFeatures, FeatureValidationError, type FeatureProblem } from '../../build/discover-features';
import { isBuildError } from '../../build/errors';

const FIXTURES = 'test/build/fixtures/features';
const VALID = `${FIXTURES}/valid`;
const MALFORMED = `${FIXTURES}/malformed`;

function problemsOf(featuresDir: string): FeatureProblem[] {
  try {
    discoverFeatures(featuresDir);
  } catch (error) {
    assert.ok(error instanceof FeatureValidationError, `expected a FeatureValidationError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail(`${featuresDir}: discovery accepted malformed folders`);
}

describe('discoverFeatures', () => {
  it('finds every feature folder, sorted by id, with defaults filled in and content scripts listed', () => {
    const features = discoverFeatures(VALID);

    assert.deepEqual(
      features.map((f) => [f.id, f.chunk, f.json.version]),
      [
        ['hello-tabs', 'features/hello-tabs/index.js', '1.2.0'],
        ['quiet-notes', 'features/quiet-notes/index.js', '0.3.1'],
      ],
    );
    const [helloTabs, quietNotes] = features;
    assert.equal(helloTabs!.entry, join(VALID, 'hello-tabs', 'index.ts'));
    // Only files directly in content/ are content scripts; helpers beside index.ts are not.
    assert.deepEqual(helloTabs!.contentScripts, [
      { name: 'greet', source: join(VALID, 'hello-tabs', 'content', 'greet.ts'), output: 'features/hello-tabs/content/greet.js' },
    ]);
    assert.deepEqual(
      { permissions: quietNotes!.json.permissions, hostPermissions: quietNotes!.json.hostPermissions, events: quietNotes!.json.events, requiresAccount: quietNotes!.json.requiresAccount },
      { permissions: [], hostPermissions: [], events: [], requiresAccount: false },
    );
    assert.deepEqual(quietNotes!.contentScripts, []);
  });

  it('returns no features when the features folder does not exist', () => {
    assert.deepEqual(discoverFeatures(join(VALID, 'no-such-folder')), []);
  });

  it('picks up a copied folder once its feature.json carries the new id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-discover-'));
    try {
      cpSync(VALID, dir, { recursive: true });
      cpSync(join(dir, 'hello-tabs'), join(dir, 'another-hello'), { recursive: true });
      const copied = join(dir, 'another-hello', 'feature.json');
      writeFileSync(copied, JSON.stringify({ ...JSON.parse(readFileSync(copied, 'utf8')), id: 'another-hello' }));

      const features = discoverFeatures(dir);

      assert.deepEqual(features.map((f) => f.id), ['another-hello', 'hello-tabs', 'quiet-notes']);
      assert.equal(features[0]!.contentScripts[0]!.output, 'features/another-hello/content/greet.js');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores folders starting with "." or "_" and plain files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-discover-'));
    try {
      cpSync(join(VALID, 'quiet-notes'), join(dir, 'quiet-notes'), { recursive: true });
      cpSync(join(MALFORMED, 'bad-json'), join(dir, '_draft'), { recursive: true });
      cpSync(join(MALFORMED, 'bad-json'), join(dir, '.hidden'), { recursive: true });
      writeFileSync(join(dir, 'README.md'), 'notes for authors');

      assert.deepEqual(discoverFeatures(dir).map((f) => f.id), ['quiet-notes']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with malformed folders', () => {
    let problems: FeatureProblem[];
    before(() => {
      problems = problemsOf(MALFORMED);
    });

    function find(folder: string, field: string): FeatureProblem {
      const found = problems.find((p) => p.file.startsWith(join(MALFORMED, folder) + '/') && p.field === field);
      assert.ok(found, `no problem reported for ${folder} field ${field}; got:\n${problems.map((p) => `${p.file} ${p.field}`).join('\n')}`);
      return found;
    }

    it('reports every problem of every folder in one run, sorted by file then field', () => {
      const folders = new Set(problems.map((p) => p.file.slice(MALFORMED.length + 1).split('/')[0]));
      assert.deepEqual([...folders].sort(), ['bad-json', 'dup-a', 'dup-b', 'missing-fields', 'needs-permission', 'no-index', 'no-json', 'unknown-names', 'wrong-folder']);
      const keys = problems.map((p) => `${p.file}\u0000${p.field}`);
      assert.deepEqual(keys, [...keys].sort());
    });

    it('names the file and the field of a missing or mistyped field', () => {
      assert.match(find('missing-fields', 'name').message, /missing/);
      assert.match(find('missing-fields', 'version').message, /expected string, received number/);
      assert.equal(find('missing-fields', 'name').file, join(MALFORMED, 'missing-fields', 'feature.json'));
    });

    it('reports invalid JSON with the parser message', () => {
      assert.match(find('bad-json', '(json)').message, /^invalid JSON: /);
    });

    it('reports an id that does not match its folder', () => {
      assert.match(find('wrong-folder', 'id').message, /"right-folder" does not match its folder name "wrong-folder"/);
    });

    it('reports a duplicate id and where it was first used', () => {
      assert.match(find('dup-b', 'id').message, /duplicate id "dup-b".*dup-a\/feature\.json/);
    });

    it('reports unknown permissions, unknown events and unknown fields by index', () => {
      assert.match(find('unknown-names', 'permissions[1]').message, /"camera" is not one of: activeTab/);
      assert.match(find('unknown-names', 'events[0]').message, /"tabs.onZoomed" is not one of: tabs.onUpdated/);
      assert.equal(find('unknown-names', 'colour').message, 'unknown field');
    });

    it('reports an event whose permission is not declared, and only that one', () => {
      assert.match(find('needs-permission', 'events[1]').message, /"tabs.onUpdated" needs the "tabs" permission/);
      assert.ok(!problems.some((p) => p.file.includes('needs-permission') && p.field === 'events[0]'), 'tabs.onCreated needs no permission');
    });

    it('reports a missing index.ts or feature.json as a missing file', () => {
      assert.equal(find('no-index', '(file)').file, join(MALFORMED, 'no-index', 'index.ts'));
      assert.equal(find('no-json', '(file)').file, join(MALFORMED, 'no-json', 'feature.json'));
    });

    it('is a BuildError coded invalid-feature, about the features folder when several files are at fault', () => {
      assert.throws(
        () => discoverFeatures(MALFORMED),
        (error) => isBuildError(error) && error.code === 'invalid-feature' && error.subject === MALFORMED,
      );
      const dir = mkdtempSync(join(tmpdir(), 'sbc-discover-'));
      try {
        cpSync(join(MALFORMED, 'wrong-folder'), join(dir, 'wrong-folder'), { recursive: true });
        assert.throws(() => discoverFeatures(dir), (error) => isBuildError(error) && error.subject === join(dir, 'wrong-folder', 'feature.json'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('prints one table that lists every offending path', () => {
      let message = '';
      try {
        discoverFeatures(MALFORMED);
      } catch (error) {
        message = (error as Error).message;
      }
      assert.match(message, new RegExp(`^${problems.length} problems in feature folders:`));
      for (const problem of problems) assert.ok(message.includes(problem.file), `${problem.file} missing from the message`);
      assert.equal(message.split('\n').length, problems.length + 1);
    });
  });
});
