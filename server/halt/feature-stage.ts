/**
 * Where each feature of the manifest in force stands: its stage by the clock,
 * held back by the halt the server signed, for the admin health JSON (and the
 * dashboard, which shows its `label`).
 */
import { haltPayloadSchema, type HaltEntry } from '../../protocol/halt-document';
import { findHaltsFor } from '../../protocol/halts';
import { parseManifestPayload } from '../../protocol/manifest-schema';
import { formatRollout } from '../../protocol/rollout';
import { describeStage, findCurrentStage } from '../../protocol/stage-clock';
import type { BetaStore } from '../store/store';
import { readPayload } from './halt-job';

export interface FeatureStage {
  /** "stage 2 of 4 (5%), frozen by a halt", "100% (not staged)", "killed by a halt". */
  label: string;
  /** 1-based; 0 before the plan starts; null for a feature without stages. */
  number: number | null;
  of: number | null;
  /** The rollout in force, in percent. */
  rolloutPercent: number;
  nextAt: string | null;
  halt: Pick<HaltEntry, 'action' | 'reason' | 'haltedAt'> | null;
}

/** The stage of each feature that is staged or halted, by id; empty before the first publish. */
export async function readFeatureStages(store: BetaStore, now: Date): Promise<Map<string, FeatureStage>> {
  const manifestRecord = await store.getCurrentManifest();
  if (!manifestRecord) return new Map();
  const manifest = readPayload(manifestRecord, (raw) => parseManifestPayload(raw));
  const haltRecord = await store.getCurrentHalt();
  const halts = findHaltsFor(haltRecord ? readPayload(haltRecord, (raw) => haltPayloadSchema.parse(raw)) : null, manifest);
  const stages = new Map<string, FeatureStage>();
  for (const feature of manifest.features) {
    const halt = halts.get(feature.id);
    const summary = halt ? { action: halt.action, reason: halt.reason, haltedAt: halt.haltedAt } : null;
    // A feature neither staged nor halted has no stage: its signed rollout says it all.
    if (!feature.stages && !halt) continue;
    if (feature.killed || halt?.action === 'kill') {
      const label = feature.killed ? 'killed by the kill switch' : 'killed by a halt';
      stages.set(feature.id, { label, number: null, of: feature.stages?.steps.length ?? null, rolloutPercent: 0, nextAt: null, halt: summary });
      continue;
    }
    if (!feature.stages) {
      const label = `${formatRollout(feature.rollout)}, frozen by a halt`;
      stages.set(feature.id, { label, number: null, of: null, rolloutPercent: feature.rollout / 100, nextAt: null, halt: summary });
      continue;
    }
    const current = findCurrentStage(feature.stages, now);
    const index = halt?.stage !== undefined && halt.stage < current.index ? halt.stage : current.index;
    const rollout = index < 0 ? 0 : feature.stages.steps[index]!.rollout;
    const label = `${describeStage(feature.stages, index)}${halt ? ', frozen by a halt' : ''}`;
    stages.set(feature.id, { label, number: index + 1, of: feature.stages.steps.length, rolloutPercent: rollout / 100, nextAt: halt ? null : current.nextAt, halt: summary });
  }
  return stages;
}
