/**
 * Declared data collection at build time: feature.json's "dataCollection"
 * holds Firefox's category names, a feature that calls its beta services
 * must declare it, and the add-on's manifest lists every declared category
 * as optional.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFeatures, FeatureValidationError, type FeatureProblem } from '../../build/discover-features';
import { buildAddonManifest } from '../../build/manifest-steps';
import { featureJsonSchema } from '../../build/feature-schema';

const QUIET_NOTES = 'test/build/fixtures/features/valid/quiet-notes';

describe('build: declared data collection', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sbc-data-collection-'));
    cpSync(QUIET_NOTES, join(dir, 'quiet-notes'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const featureJson = () => join(dir, 'quiet-notes', 'feature.json');
  function declare(extra: Record<string, unknown>): void {
    writeFileSync(featureJson(), JSON.stringify({ ...JSON.parse(readFileSync(featureJson(), 'utf8')), ...extra }));
  }
  function problemsOf(): FeatureProblem[] {
    try {
      discoverFeatures(dir);
    } catch (error) {
      assert.ok(error instanceof FeatureValidationError, String(error));
      return error.problems;
    }
    return assert.fail('discovery accepted the folder');
  }

  it('takes Firefox’s category names and defaults to none', () => {
    assert.deepEqual(discoverFeatures(dir)[0]!.json.dataCollection, []);
    declare({ dataCollection: ['browsingActivity', 'websiteContent'] });
    assert.deepEqual(discoverFeatures(dir)[0]!.json.dataCollection, ['browsingActivity', 'websiteContent']);
  });

  it('refuses a name that is not a Firefox category, naming the file and the field', () => {
    declare({ dataCollection: ['websiteContent', 'visitedPages', 'none'] });
    const problems = problemsOf();
    assert.deepEqual(problems.map((p) => [p.file, p.field]), [
      [featureJson(), 'dataCollection[1]'],
      [featureJson(), 'dataCollection[2]'],
    ]);
    assert.match(problems[0]!.message, /"visitedPages" is not one of: authenticationInfo, bookmarksInfo, browsingActivity/);
  });

  it('refuses a feature that calls ctx.services.fetch but declares nothing, naming every file and line', () => {
    writeFileSync(
      join(dir, 'quiet-notes', 'index.ts'),
      [
        "import { defineFeature } from '../../extension/runtime/feature-api';",
        '// ctx.services.fetch( in a comment is not a call',
        'export default defineFeature({',
        '  async activate(ctx) {',
        "    await ctx.services.fetch('/v1/services/notes/');",
        '  },',
        '});',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'quiet-notes', 'lib'));
    writeFileSync(join(dir, 'quiet-notes', 'lib', 'send.ts'), "export const send = ({ services }: any) =>\n  services .fetch ('/v1/services/notes/urls');\n");
    const problems = problemsOf();
    assert.deepEqual(problems.map((p) => [p.file, p.field]), [
      [`${join(dir, 'quiet-notes', 'index.ts')}:5`, 'dataCollection'],
      [`${join(dir, 'quiet-notes', 'lib', 'send.ts')}:2`, 'dataCollection'],
    ]);
    assert.match(problems[0]!.message, /calls ctx\.services\.fetch.*declares no "dataCollection"/);

    declare({ dataCollection: ['websiteContent'] });
    assert.equal(discoverFeatures(dir).length, 1, 'declared, the same sources build');
  });

  it('adds every declared category to the add-on’s optional data collection, once and sorted, and requires none', () => {
    const feature = (dataCollection: string[]) => featureJsonSchema.parse({ id: 'x-feature', name: 'X', description: 'X', version: '1.0.0', owners: ['o@example.org'], dataCollection });
    const manifest = buildAddonManifest(
      { manifest_version: 3, browser_specific_settings: { gecko: { id: 'beta@example.org' } } },
      { features: [feature(['websiteContent', 'browsingActivity']), feature(['browsingActivity']), feature([])], origin: 'https://beta.example.org', version: '1.0.0' },
    );
    assert.deepEqual(manifest.browser_specific_settings?.gecko, {
      id: 'beta@example.org',
      data_collection_permissions: { required: ['none'], optional: ['browsingActivity', 'technicalAndInteraction', 'websiteContent'] },
    });
  });
});
