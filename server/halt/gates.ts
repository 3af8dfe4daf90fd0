/**
 * When the beta server halts a feature, decided from the signed manifest and
 * the judge's criteria (server/health/judge.ts). Pure, so every rule is tested
 * with a fake clock. A staged feature is judged on the gates of the stage it
 * is at (protocol/stages.ts):
 *   kill    its failureRate gate fails: even the interval's lower bound is above the ceiling;
 *   freeze  another gate fails (a ceiling's lower bound above it, a minimum's upper bound below it),
 *           or the stage ends within `leadMs` and a gate has not been shown to hold:
 *           moving on needs the gates to hold, and the add-ons move on by the clock.
 * A feature without stages is killed on a `kill` verdict, the same failure-rate rule.
 */
import type { HaltEntry } from '../../protocol/halt-document';
import type { ManifestFeature } from '../../protocol/manifest-schema';
import { describeStage, findCurrentStage } from '../../protocol/stage-clock';
import type { CriterionResult, FeatureHealth } from '../health/judge';

/** Long enough for the add-ons to poll (15 minutes) and the job to run before the next stage starts. */
export const DEFAULT_GATE_LEAD_MS = 30 * 60_000;

export type HaltDecision = Pick<HaltEntry, 'action' | 'reason'> & { stage?: number };

/** A criterion that the data already contradicts, not one merely unproven. */
export function hasFailed(result: CriterionResult): boolean {
  if (result.pass !== false) return false;
  if (result.name === 'failureRate' || result.name === 'optOutRate') return result.interval[0] > result.threshold;
  if (result.name === 'rating' || result.name === 'retention7d') return result.interval[1] < result.threshold;
  return false;
}

/**
 * The halt a feature needs now, or null.
 *
 * @example
 * decideHalt(entry, judgeFeature(entry.exitCriteria, metrics), new Date())
 * // { action: 'kill', reason: 'gate failureRate of stage 2 of 4 (5%): exceeds the ceiling 2.0%: …' }
 */
export function decideHalt(feature: ManifestFeature, health: FeatureHealth, now: Date, leadMs = DEFAULT_GATE_LEAD_MS): HaltDecision | null {
  if (feature.killed) return null;
  if (!feature.stages) {
    if (health.verdict !== 'kill') return null;
    return { action: 'kill', reason: health.reason };
  }
  const current = findCurrentStage(feature.stages, now);
  if (current.index < 0) return null;
  const stage = describeStage(feature.stages, current.index);
  const gates = new Set<string>(feature.stages.steps[current.index]!.gates);
  const judged = health.criteria.filter((result) => gates.has(result.name));
  const failed = judged.filter(hasFailed);
  const kill = failed.find((result) => result.name === 'failureRate');
  if (kill) return { action: 'kill', reason: `gate ${kill.name} of ${stage}: ${kill.reason}` };
  if (failed.length > 0) {
    return { action: 'freeze', stage: current.index, reason: failed.map((result) => `gate ${result.name} of ${stage}: ${result.reason}`).join('; ') };
  }
  const ending = current.nextAt !== null && Date.parse(current.nextAt) - now.getTime() <= leadMs;
  const unproven = judged.filter((result) => result.pass !== true);
  const missing = [...gates].filter((gate) => !judged.some((result) => result.name === gate));
  if (ending && (unproven.length > 0 || missing.length > 0)) {
    const why = [...unproven.map((result) => `${result.name}: ${result.reason}`), ...missing.map((gate) => `${gate}: not judged`)].join('; ');
    return { action: 'freeze', stage: current.index, reason: `the gates of ${stage} do not hold before the next stage starts at ${current.nextAt} (${why})` };
  }
  return null;
}

/**
 * The halts of the manifest in force after this round: every earlier one
 * kept (a kill stays a kill, a freeze keeps its stage or becomes a kill),
 * new ones added. Returns the same array when nothing changes.
 */
export function mergeHalts(earlier: readonly HaltEntry[], decided: ReadonlyMap<string, HaltDecision>, now: Date): readonly HaltEntry[] {
  const merged = new Map(earlier.map((halt) => [halt.featureId, halt]));
  let changed = false;
  for (const [featureId, decision] of decided) {
    const before = merged.get(featureId);
    if (before && (before.action === 'kill' || decision.action === 'freeze')) continue;
    const { stage, ...rest } = decision;
    merged.set(featureId, { featureId, ...rest, ...(decision.action === 'freeze' && stage !== undefined ? { stage } : {}), haltedAt: now.toISOString() });
    changed = true;
  }
  return changed ? [...merged.values()].sort((a, b) => a.featureId.localeCompare(b.featureId)) : earlier;
}
