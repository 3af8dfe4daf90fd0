import assert from 'node:assert/strict';
import { manifestFeatureSchema, type ManifestFeature } from '../../protocol/manifest-schema';
import { planFeatures, type PlanInput } from '../../protocol/planner';
import { findCurrentStage, readRolloutsInForce } from '../../protocol/stage-clock';
import { findStagedFeatureProblems, type StagePlan } from '../../protocol/stages';
import { formatZodIssues } from '../../protocol/zod-issues';
import { makeEntry, makeManifestPayload, sha256 } from '../helpers/manifests';

const START = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(START + hours * HOUR);
/** 1% for a day, 5% for two, 25% for three, then 100%. */
const PLAN: StagePlan = {
  startAt: new Date(START).toISOString(),
  steps: [
    { rollout: 100, minMinutes: 24 * 60, gates: ['failureRate'] },
    { rollout: 500, minMinutes: 48 * 60, gates: ['failureRate', 'optOutRate'] },
    { rollout: 2500, minMinutes: 72 * 60, gates: [] },
    { rollout: 10000, gates: [] },
  ],
};
const staged = (overrides: Partial<ManifestFeature> = {}) =>
  makeEntry('kit', '1.0.0', sha256('kit'), {
    rollout: 100,
    stages: PLAN,
    exitCriteria: { failureRate: { max: 0.02, minSample: 100 }, optOutRate: { max: 0.1, minSample: 100 } },
    ...overrides,
  });

/** The schema's issues, then the order of the plan (what publish and the server check). */
function issuesOf(entry: ManifestFeature): string {
  const result = manifestFeatureSchema.safeParse(entry);
  if (!result.success) return formatZodIssues(result.error);
  const problems = findStagedFeatureProblems(result.data);
  return problems.length === 0 ? 'valid' : problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ');
}

describe('staged rollout (protocol/stages.ts)', () => {
  it('follows the plan by the clock: nobody before the start, then each stage after the minimum durations', () => {
    const seen = [-1, 0, 23.99, 24, 71.99, 72, 143.99, 144, 10_000].map((hours) => {
      const stage = findCurrentStage(PLAN, at(hours));
      return [stage.index, stage.rollout, stage.nextAt];
    });
    assert.deepEqual(seen, [
      [-1, 0, at(0).toISOString()],
      [0, 100, at(24).toISOString()],
      [0, 100, at(24).toISOString()],
      [1, 500, at(72).toISOString()],
      [1, 500, at(72).toISOString()],
      [2, 2500, at(144).toISOString()],
      [2, 2500, at(144).toISOString()],
      [3, 10000, null],
      [3, 10000, null],
    ]);
  });

  it('accepts a plan whose rollouts rise and whose gates are the feature\'s exit criteria', () => {
    assert.equal(issuesOf(staged()), 'valid');
  });

  it('refuses a plan that lowers a rollout, a stage without a duration, a gate the criteria lack, and a rollout other than the first stage', () => {
    const steps = [
      { rollout: 500, minMinutes: 60, gates: ['rating'] },
      { rollout: 100, gates: [] },
      { rollout: 10000, gates: [] },
    ];
    const issues = issuesOf(staged({ rollout: 2500, stages: { startAt: PLAN.startAt, steps } as StagePlan }));
    assert.match(issues, /stages\.steps\.1\.rollout: must be above the rollout of the stage before/);
    assert.match(issues, /stages\.steps\.1\.minMinutes: is required for every stage but the last/);
    assert.match(issues, /stages\.steps\.0\.gates\.0: names "rating", which the feature's exitCriteria do not define/);
    assert.match(issues, /rollout: must equal the first stage's rollout \(500\)/);
  });

  it('is monotonic: for 2,000 units, everyone who has the feature at one time still has it at every later time', async () => {
    const units = Array.from({ length: 2000 }, (_, i) => `unit-${i}`);
    const manifest = makeManifestPayload({ serial: 3, features: [staged()] }, START - HOUR, 20);
    const planAt = async (hours: number) => {
      const input = (unit: string): PlanInput => ({
        manifest,
        registry: [{ id: 'kit', requiresAccount: false, owners: ['owner@example.org'] }],
        unit,
        environment: { hostVersion: '0.1.0', firefoxVersion: '128.0', os: 'linux', locale: 'en-US' },
        account: { signedIn: false, termsAccepted: false },
        overrides: {},
        optOuts: [],
        allowUnreviewed: false,
        inForce: readRolloutsInForce(manifest, null, at(hours)),
      });
      const decisions = await Promise.all(units.map(async (unit) => (await planFeatures(input(unit)))[0]!));
      return new Set(units.filter((_, i) => decisions[i]!.action === 'install'));
    };
    let previous = new Set<string>();
    const sizes: number[] = [];
    for (const hours of [-1, 0, 12, 24, 48, 72, 100, 144, 200]) {
      const now = await planAt(hours);
      for (const unit of previous) assert.ok(now.has(unit), `${unit} had the feature before hour ${hours} and lost it`);
      sizes.push(now.size);
      previous = now;
    }
    // About 1%, 5%, 25% and 100% of 2,000 units.
    assert.equal(sizes[0], 0);
    assert.ok(sizes[1]! > 5 && sizes[1]! < 45, `stage 1: ${sizes[1]}`);
    assert.ok(sizes[3]! > 60 && sizes[3]! < 140, `stage 2: ${sizes[3]}`);
    assert.ok(sizes[5]! > 420 && sizes[5]! < 580, `stage 3: ${sizes[5]}`);
    assert.equal(sizes[8], 2000);
  });
});
