/**
 * The verdicts as the report and the admin route give them: exit criteria
 * from the current signed manifest (verified when it was uploaded), metrics
 * from the store, judged by judge.ts.
 */
import { decodeBase64url } from '../../protocol/envelope';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { parseManifestPayload, type ManifestFeature } from '../../protocol/manifest-schema';
import type { BetaStore } from '../store/store';
import { readFeatureStages, type FeatureStage } from '../halt/feature-stage';
import { judgeFeature, type FeatureHealth, type FeatureMetrics } from './judge';

/**
 * A verdict with, for a staged or halted feature, its stage: `stage` is the
 * line people read ("stage 2 of 4 (5%), frozen by a halt"), `stageDetail` the same as data.
 */
export type StagedFeatureHealth = FeatureHealth & { stage?: string; stageDetail?: FeatureStage };

function withStage(health: FeatureHealth, stage: FeatureStage | undefined): StagedFeatureHealth {
  return stage ? { ...health, stage: stage.label, stageDetail: stage } : health;
}

/** The features of the manifest the server serves now; none before the first publish. */
export async function listManifestFeatures(store: BetaStore): Promise<ManifestFeature[]> {
  const manifest = await store.getCurrentManifest();
  if (!manifest) return [];
  const envelope = JSON.parse(manifest.bytes.toString('utf8')) as { payload: string };
  const payload = parseManifestPayload(JSON.parse(new TextDecoder().decode(decodeBase64url(envelope.payload))));
  return payload.features;
}

/**
 * One feature's metrics, one store query each. The reserved host events are
 * sent at most once per install, so their counts are installs; capped at the
 * installs seen, as a share cannot pass 1.
 */
export async function readFeatureMetrics(store: BetaStore, featureId: string, asOfDay: string): Promise<FeatureMetrics> {
  const installs = await store.countFeatureInstalls(featureId);
  const retention = await store.readRetention7d(featureId, asOfDay);
  const ratings = await store.readRatingMoments(featureId);
  const failures = await store.sumFeatureEvent(featureId, HOST_EVENTS.installFailed);
  const errors = await store.sumFeatureEvent(featureId, HOST_EVENTS.error);
  const optOuts = await store.sumFeatureEvent(featureId, HOST_EVENTS.optOut);
  return {
    featureId,
    installs,
    retention,
    ratings,
    failedInstalls: Math.min(failures, installs),
    erroredInstalls: Math.min(errors, installs),
    optedOutInstalls: Math.min(optOuts, installs),
  };
}

/** The verdict on one feature of the current manifest, or undefined when the manifest does not list it. */
export async function readFeatureHealth(store: BetaStore, featureId: string, asOfDay: string, now = new Date()): Promise<StagedFeatureHealth | undefined> {
  const feature = (await listManifestFeatures(store)).find((f) => f.id === featureId);
  if (!feature) return undefined;
  const stages = await readFeatureStages(store, now);
  return withStage(judgeFeature(feature.exitCriteria, await readFeatureMetrics(store, featureId, asOfDay)), stages.get(featureId));
}

/** The verdict on every feature of the current manifest, in the manifest's order. */
export async function readChannelHealth(store: BetaStore, asOfDay: string, now = new Date()): Promise<StagedFeatureHealth[]> {
  const stages = await readFeatureStages(store, now);
  const verdicts: StagedFeatureHealth[] = [];
  for (const feature of await listManifestFeatures(store)) {
    const health = judgeFeature(feature.exitCriteria, await readFeatureMetrics(store, feature.id, asOfDay));
    verdicts.push(withStage(health, stages.get(feature.id)));
    // SQLite answers synchronously, so without a turn of the event loop here the whole channel (seconds with a
    // year of data) would hold every other request back: the dashboard's own, and add-ons' manifest checks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return verdicts;
}
