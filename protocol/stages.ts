/**
 * Staged rollout (DESIGN.md decision 12): a feature's rollout may be a plan,
 * e.g. 1% → 5% → 25% → 100%, signed once with the manifest. The add-on moves
 * through it by the clock alone: stage k starts when every earlier stage has
 * run its minimum duration. Each stage names the gates (exit criteria) that
 * must hold to move on; the beta server watches them and, when one fails,
 * signs a halt document (halt-document.ts) that freezes or kills the feature.
 * Nobody but the channel key can move a feature faster or further than this.
 *
 * Stage rollouts only rise, and a unit is in for buckets below the rollout
 * (rollout.ts), so moving on never drops a user.
 *
 * The schema lives here (the add-on parses it with every manifest); the
 * clock that follows a plan is stage-clock.ts.
 */
import * as z from 'zod/mini';

/** The exit criteria a stage may name as its gates (exit-criteria.ts). */
export const GATE_NAMES = ['minInstalls', 'retention7d', 'rating', 'failureRate', 'optOutRate'] as const;
export type GateName = (typeof GATE_NAMES)[number];
export const MAX_STAGES = 10;
/** A year: a stage longer than this is a typo, and its end would overflow nothing but patience. */
export const MAX_STAGE_MINUTES = 366 * 24 * 60;

const minutes = z.int().check(z.gte(1), z.lte(MAX_STAGE_MINUTES));
// Names only: the add-on never judges a gate, and publish holds them to GATE_NAMES and the feature's exitCriteria.
const gates = z._default(z.array(z.string().check(z.minLength(1), z.maxLength(32))).check(z.maxLength(GATE_NAMES.length)), []);

/** Stage steps as the manifest carries them, the rollout in basis points (0–10000). */
export const stageSchema = z.strictObject({
  rollout: z.int().check(z.gte(0), z.lte(10000)),
  /** How long the stage runs at least before the next starts; the last stage has none. */
  minMinutes: z.optional(minutes),
  /** Exit criteria that must hold to move on; one that fails brings a halt. */
  gates,
});
export type Stage = z.infer<typeof stageSchema>;

export const stagePlanSchema = z.strictObject({
  /** When the first stage starts: before it, the feature reaches nobody. */
  startAt: z.iso.datetime({ offset: true }),
  steps: z.array(stageSchema).check(z.minLength(1), z.maxLength(MAX_STAGES)),
});
export type StagePlan = z.infer<typeof stagePlanSchema>;

/** What is wrong with a plan's order: rollouts that do not rise, a stage before the last without a minimum duration. */
export function findStagePlanProblems(steps: ReadonlyArray<{ rollout: number; minMinutes?: number | undefined }>): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  steps.forEach((step, index) => {
    const previous = steps[index - 1];
    if (previous && step.rollout <= previous.rollout) {
      problems.push({ path: ['steps', index, 'rollout'], message: 'must be above the rollout of the stage before: a stage may only widen the rollout' });
    }
    if (index < steps.length - 1 && step.minMinutes === undefined) {
      problems.push({ path: ['steps', index, 'minMinutes'], message: 'is required for every stage but the last: how long the stage runs before the next' });
    }
  });
  return problems;
}

/**
 * What a staged feature entry (manifest or release) must also satisfy: a plan
 * whose rollouts rise, whose first stage is the entry's `rollout` (what a
 * reader that ignores stages would use) and whose gates are exit criteria the
 * feature names.
 */
export function findStagedFeatureProblems(feature: {
  rollout: number;
  stages?: { steps: ReadonlyArray<{ rollout: number; minMinutes?: number | undefined; gates: readonly string[] }> } | undefined;
  exitCriteria?: object | undefined;
}): Array<{ path: PropertyKey[]; message: string }> {
  if (!feature.stages) return [];
  const problems = findStagePlanProblems(feature.stages.steps).map((p) => ({ ...p, path: ['stages', ...p.path] }));
  const first = feature.stages.steps[0];
  if (first && first.rollout !== feature.rollout) {
    problems.push({ path: ['rollout'], message: `must equal the first stage's rollout (${first.rollout}) when the feature has stages` });
  }
  const named = new Set(Object.keys(feature.exitCriteria ?? {}));
  feature.stages.steps.forEach((step, index) =>
    step.gates.forEach((gate, at) => {
      if (!named.has(gate)) problems.push({ path: ['stages', 'steps', index, 'gates', at], message: `names "${gate}", which the feature's exitCriteria do not define` });
    }),
  );
  return problems;
}
