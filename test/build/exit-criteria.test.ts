import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFeatureEntries } from '../../build/release';
import { RATING_RANGE } from '../../protocol/exit-criteria';
import { MAX_RATING, MIN_RATING } from '../../protocol/feedback-schema';
import { manifestFeatureSchema } from '../../protocol/manifest-schema';
import { parseLockFile, parseReleaseFile } from '../../protocol/release-schema';

const FIXTURES = join(__dirname, 'fixtures/publish');
const LOCK = join(FIXTURES, 'features.lock.json');
const lock = parseLockFile(readFileSync(LOCK, 'utf8'), LOCK);
const signedOff = JSON.parse(readFileSync(join(FIXTURES, 'release-signed-off.json'), 'utf8')) as { features: Array<Record<string, unknown>> };

/** The signed-off fixture with exit criteria on its first feature (reading-time). */
function releaseWith(exitCriteria: unknown): string {
  const release = structuredClone(signedOff);
  release.features[0]!.exitCriteria = exitCriteria;
  return JSON.stringify(release);
}

const CRITERIA = {
  minInstalls: 500,
  retention7d: { min: 0.4, minSample: 200 },
  rating: { minMean: 3.5, minCount: 30 },
  failureRate: { max: 0.02, minSample: 200 },
  optOutRate: { max: 0.1, minSample: 200 },
};

describe('exit criteria in the release file', () => {
  it('carries them into the signed manifest entry of that feature only', () => {
    const release = parseReleaseFile(releaseWith(CRITERIA), 'release/x.json');
    const { features, problems } = buildFeatureEntries(release, lock);
    assert.deepEqual(problems, []);
    assert.deepEqual(features[0]!.exitCriteria, CRITERIA);
    assert.equal(features[1]!.exitCriteria, undefined);
    assert.equal('exitCriteria' in features[1]!, false, 'a feature without criteria has no field in the manifest');
    assert.deepEqual(manifestFeatureSchema.parse(JSON.parse(JSON.stringify(features[0]))).exitCriteria, CRITERIA);
  });

  it('names the file, the feature and the field of every bad criterion at once', () => {
    const bad = releaseWith({
      minInstalls: 0,
      retention7d: { min: 1.4, minSample: 200 },
      rating: { minMean: 6, minCount: 2.5 },
      failureRate: { max: 0.02 },
      optOutRate: { max: -1, minSample: 10 },
      crashRate: { max: 0.1, minSample: 1 },
    });
    assert.throws(
      () => parseReleaseFile(bad, 'release/bad.json'),
      (error: Error) => {
        const field = 'features\\[0\\] \\(reading-time\\)\\.exitCriteria';
        assert.match(error.message, /^release\/bad\.json:/);
        assert.match(error.message, new RegExp(`${field}\\.minInstalls: must be a whole number of at least 1`));
        assert.match(error.message, new RegExp(`${field}\\.retention7d\\.min: min must be a share from 0 to 1`));
        assert.match(error.message, new RegExp(`${field}\\.rating\\.minMean: must be a rating from 1 to 5`));
        assert.match(error.message, new RegExp(`${field}\\.rating\\.minCount: must be a whole number`));
        assert.match(error.message, new RegExp(`${field}\\.failureRate\\.minSample: `));
        assert.match(error.message, new RegExp(`${field}\\.optOutRate\\.max: max must be a share from 0 to 1`));
        assert.match(error.message, new RegExp(`${field}\\.crashRate: unknown field`));
        return true;
      },
    );
  });

  it('takes an error-rate ceiling, checked like the other ceilings', () => {
    const release = parseReleaseFile(releaseWith({ errorRate: { max: 0.05, minSample: 100 } }), 'release/x.json');
    assert.deepEqual(buildFeatureEntries(release, lock).features[0]!.exitCriteria, { errorRate: { max: 0.05, minSample: 100 } });
    assert.throws(
      () => parseReleaseFile(releaseWith({ errorRate: { max: 1.5 } }), 'release/bad.json'),
      /errorRate\.max: max must be a share from 0 to 1[\s\S]*errorRate\.minSample: /,
    );
  });

  it('judges ratings on the scale feedback uses', () => {
    assert.deepEqual(RATING_RANGE, { min: MIN_RATING, max: MAX_RATING });
  });
});
