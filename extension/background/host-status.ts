/**
 * Turns the host's state into what the QA panel shows: for every feature the
 * build, the manifest or the ledger knows, its state and why.
 */
import type { AccountSession } from '../account/account-session';
import type { BuildConfig } from '../../protocol/build-config';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import type { FeatureState, FeatureStatus, HaltStatus, HostStatus, KeyStatus, ManifestStatus } from '../messages';
import type { BrowserApi } from '../runtime/browser-api';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { readLedger, readOptOuts, readOrCreateUnit, readOverrides, type Ledger } from '../runtime/feature-state';
import { findMissingConsent, type DataConsent, type PlanDecision } from '../../protocol/planner';
import { readDataConsent, type ConsentPermissions } from './feature-consent';
import type { HostParts } from './host-parts';

export interface HostStatusInput {
  config: BuildConfig;
  registry: readonly RegisteredFeature[];
  manifestPayload: ManifestPayload | null;
  manifest: ManifestStatus;
  keys?: KeyStatus;
  halt?: HaltStatus;
  session: AccountSession | null;
  telemetryEnabled: boolean;
  dataConsent: DataConsent;
  unit: string;
  overrides: Record<string, 'on' | 'off'>;
  optOuts: readonly string[];
  ledger: Ledger;
  decisions: readonly PlanDecision[];
  startedAt: string;
}

export interface HostStatusSources {
  parts: Pick<HostParts, 'client' | 'account' | 'usage' | 'replanner'> & { keys: Pick<HostParts['keys'], 'status'> } & Partial<Pick<HostParts, 'halts'>>;
  storage: BrowserApi['storage']['local'];
  permissions?: ConsentPermissions;
  config: BuildConfig;
  registry: readonly RegisteredFeature[];
  /** When this life of the event page started. */
  startedAt: string;
}

/** What the QA panel and the popup show, read afresh from the parts and local state. */
export async function readHostStatus({ parts, storage, permissions, config, registry, startedAt }: HostStatusSources): Promise<HostStatus> {
  const [manifest, keys, halt, session, telemetryEnabled, unit, overrides, optOuts, ledger, dataConsent] = await Promise.all([
    parts.client.status(),
    parts.keys.status(),
    parts.halts?.status(),
    parts.account.getSession(),
    parts.usage.isEnabled(),
    readOrCreateUnit(storage),
    readOverrides(storage),
    readOptOuts(storage),
    readLedger(storage),
    readDataConsent(permissions, storage),
  ]);
  return buildHostStatus({
    config,
    registry,
    manifestPayload: parts.replanner.manifest,
    manifest,
    keys,
    ...(halt ? { halt } : {}),
    session,
    telemetryEnabled,
    dataConsent,
    unit,
    overrides,
    optOuts,
    ledger,
    decisions: parts.replanner.decisions,
    startedAt,
  });
}

export function buildHostStatus(input: HostStatusInput): HostStatus {
  const ids = new Set<string>([
    ...input.registry.map((feature) => feature.id),
    ...(input.manifestPayload?.features.map((feature) => feature.id) ?? []),
    ...Object.keys(input.ledger),
  ]);
  const features = [...ids].sort().map((id) => describeFeature(id, input));
  return {
    build: {
      buildEnv: input.config.buildEnv,
      origin: input.config.origin,
      hostVersion: input.config.hostVersion,
      allowUnreviewed: input.config.allowUnreviewed,
    },
    manifest: input.manifest,
    keys: input.keys,
    ...(input.halt ? { halt: input.halt } : {}),
    account: input.session ? { email: input.session.email, termsOutdated: input.session.termsOutdated } : null,
    telemetryEnabled: input.telemetryEnabled,
    dataConsentSource: input.dataConsent.source,
    unit: input.unit,
    startedAt: input.startedAt,
    features,
  };
}

function describeFeature(id: string, input: HostStatusInput): FeatureStatus {
  const registered = input.registry.find((feature) => feature.id === id);
  const entry = input.manifestPayload?.features.find((feature) => feature.id === id);
  const decision = input.decisions.find((candidate) => candidate.id === id);
  const record = input.ledger[id];
  const state: FeatureState = record?.state ?? 'not-installed';
  const failed = state === 'failed';
  const dataCollection = [...(registered?.dataCollection ?? [])];
  return {
    id,
    name: registered?.name ?? id,
    description: registered?.description ?? '',
    version: entry?.version ?? registered?.version ?? record?.version ?? '',
    state,
    reasonCode: failed ? 'failed' : (decision?.reasonCode ?? 'no-manifest'),
    detail: (!failed && decision?.detail) || {},
    override: input.overrides[id] ?? null,
    optedOut: input.optOuts.includes(id),
    requiresAccount: entry?.requiresAccount ?? registered?.requiresAccount ?? false,
    dataCollection,
    missingConsent: findMissingConsent(dataCollection, input.dataConsent),
    bucket: decision?.bucket ?? null,
    rollout: decision?.rollout ?? entry?.rollout ?? null,
    ...(record?.error ? { error: record.error } : {}),
    ...(decision?.stage ? { stage: { number: decision.stage.index + 1, of: decision.stage.count, nextAt: decision.stage.nextAt } } : {}),
    ...(decision?.halt ? { halt: decision.halt } : {}),
  };
}
