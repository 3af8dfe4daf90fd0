/**
 * Following a stage plan (stages.ts) by the clock, and the rollout each
 * feature has now: its stage's, held back by the beta server's halt. Pure.
 * The add-on loads this only when its manifest has stages or a halt applies,
 * and hands the result to the planner (PlanInput.inForce).
 *
 * @example
 * const stage = findCurrentStage(entry.stages, new Date());
 * // { index: 1, rollout: 500, nextAt: '2026-12-05T00:00:00.000Z' }
 */
import type { HaltEntry, HaltPayload } from './halt-document';
import { findHaltsFor } from './halts';
import type { ManifestPayload } from './manifest-schema';
import type { StagePlan } from './stages';

const MINUTE_MS = 60_000;

export interface CurrentStage {
  /** Index into the plan's steps; -1 before the plan starts. */
  index: number;
  /** The rollout in force, in basis points (0 before the plan starts). */
  rollout: number;
  /** ISO time the next stage starts, or null at the last stage. */
  nextAt: string | null;
}

/**
 * The stage a plan is at, at a given time. Later times never give a lower
 * stage, nor a lower rollout.
 */
export function findCurrentStage(plan: StagePlan, now: Date): CurrentStage {
  let endsAt = Date.parse(plan.startAt);
  let index = -1;
  // Each stage but the last ends minMinutes after it starts; the last never does.
  while (index < plan.steps.length - 1 && now.getTime() >= endsAt) {
    index++;
    const minutes = index < plan.steps.length - 1 ? plan.steps[index]!.minMinutes : undefined;
    endsAt = minutes === undefined ? Infinity : endsAt + minutes * MINUTE_MS;
  }
  return { index, rollout: index < 0 ? 0 : plan.steps[index]!.rollout, nextAt: endsAt === Infinity ? null : new Date(endsAt).toISOString() };
}

/** "stage 2 of 4 (5%)": for the QA panel, the report and the halt's reason. */
export function describeStage(plan: StagePlan, index: number): string {
  if (index < 0) return `not started`;
  const rollout = plan.steps[index]?.rollout ?? 0;
  return `stage ${index + 1} of ${plan.steps.length} (${Number((rollout / 100).toFixed(2))}%)`;
}

/** What the planner uses instead of a feature's signed `rollout`. */
export interface RolloutInForce {
  /** Basis points: the stage's, or the one a freeze holds. */
  rollout: number;
  /** For a staged feature: the stage in force (-1 before the plan starts), how many there are, when the next starts (null when none will). */
  stage?: { index: number; count: number; nextAt: string | null };
  halt?: HaltEntry;
}

/**
 * The rollout in force of every feature that is staged or halted, for the
 * manifest at this time; a halt counts only for the manifest it names.
 *
 * @example
 * const inForce = readRolloutsInForce(manifest, halt, new Date());
 * await planFeatures({ ...input, inForce });
 */
export function readRolloutsInForce(manifest: ManifestPayload, halt: HaltPayload | null, now: Date): Map<string, RolloutInForce> {
  const halts = findHaltsFor(halt, manifest);
  const inForce = new Map<string, RolloutInForce>();
  for (const entry of manifest.features) {
    const held = halts.get(entry.id);
    if (!entry.stages) {
      if (held) inForce.set(entry.id, { rollout: entry.rollout, halt: held });
      continue;
    }
    const current = findCurrentStage(entry.stages, now);
    const frozen = held?.action === 'freeze' && held.stage !== undefined && held.stage < current.index ? held.stage : undefined;
    const index = frozen ?? current.index;
    inForce.set(entry.id, {
      rollout: index < 0 ? 0 : entry.stages.steps[index]!.rollout,
      stage: { index, count: entry.stages.steps.length, nextAt: held ? null : current.nextAt },
      ...(held ? { halt: held } : {}),
    });
  }
  return inForce;
}
