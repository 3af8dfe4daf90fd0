import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFeatureEntries } from '../../build/release';
import { manifestFeatureSchema } from '../../protocol/manifest-schema';
import { parseLockFile, parseReleaseFile } from '../../protocol/release-schema';

const FIXTURES = join(__dirname, 'fixtures/publish');
const LOCK = join(FIXTURES, 'features.lock.json');
const lock = parseLockFile(readFileSync(LOCK, 'utf8'), LOCK);
const signedOff = JSON.parse(readFileSync(join(FIXTURES, 'release-signed-off.json'), 'utf8')) as { features: Array<Record<string, unknown>> };

/** The signed-off fixture with its first feature (reading-time) given these fields instead of its rollout. */
function releaseWith(fields: Record<string, unknown>): string {
  const release = structuredClone(signedOff);
  delete release.features[0]!.rollout;
  Object.assign(release.features[0]!, fields);
  return JSON.stringify(release);
}

const STAGES = {
  startAt: '2026-12-01T00:00:00Z',
  steps: [
    { rollout: 1, minMinutes: 1440, gates: ['failureRate'] },
    { rollout: 5, minMinutes: 2880, gates: ['failureRate', 'optOutRate'] },
    { rollout: 25, minMinutes: 4320, gates: ['failureRate'] },
    { rollout: 100 },
  ],
};
const CRITERIA = { failureRate: { max: 0.02, minSample: 200 }, optOutRate: { max: 0.1, minSample: 200 } };

describe('stages in the release file (publish)', () => {
  it('turns the plan into basis points in the signed entry, the first stage as its rollout', () => {
    const { features, problems } = buildFeatureEntries(parseReleaseFile(releaseWith({ stages: STAGES, exitCriteria: CRITERIA }), 'release/x.json'), lock);
    assert.deepEqual(problems, []);
    const entry = manifestFeatureSchema.parse(JSON.parse(JSON.stringify(features[0])));
    assert.equal(entry.rollout, 100);
    assert.deepEqual(entry.stages?.steps.map((step) => [step.rollout, step.minMinutes, step.gates]), [
      [100, 1440, ['failureRate']],
      [500, 2880, ['failureRate', 'optOutRate']],
      [2500, 4320, ['failureRate']],
      [10000, undefined, []],
    ]);
    assert.equal(features[1]!.stages, undefined);
  });

  it('refuses a feature with neither rollout nor stages, and an unknown gate, naming the file and field', () => {
    assert.throws(() => parseReleaseFile(releaseWith({}), 'release/bad.json'), /release\/bad\.json:[\s\S]*features\[0\] \(reading-time\)\.rollout: is required: a rollout in percent, or "stages"/);
    const unknownGate = { ...STAGES, steps: [{ rollout: 1, minMinutes: 10, gates: ['crashRate'] }, { rollout: 100 }] };
    assert.throws(() => parseReleaseFile(releaseWith({ stages: unknownGate }), 'release/bad.json'), /stages\.steps\[0\]\.gates\[0\]: /);
  });

  it('lists every problem of a plan at once: falling stages, a missing duration, gates without criteria, a rollout that is not the first stage', () => {
    const stages = { ...STAGES, steps: [{ rollout: 5, gates: ['optOutRate'] }, { rollout: 1, minMinutes: 60 }, { rollout: 100 }] };
    const { problems } = buildFeatureEntries(parseReleaseFile(releaseWith({ rollout: 50, stages }), 'release/x.json'), lock);
    assert.deepEqual(problems.map((p) => [p.featureId, p.kind, p.message]), [
      ['reading-time', 'stages', 'reading-time: stages.steps.0.minMinutes is required for every stage but the last: how long the stage runs before the next'],
      ['reading-time', 'stages', 'reading-time: stages.steps.1.rollout must be above the rollout of the stage before: a stage may only widen the rollout'],
      ['reading-time', 'stages', "reading-time: rollout must equal the first stage's rollout (500) when the feature has stages"],
      ['reading-time', 'stages', `reading-time: stages.steps.0.gates.0 names "optOutRate", which the feature's exitCriteria do not define`],
    ]);
  });
});
