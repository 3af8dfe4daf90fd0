/**
 * Messages between the add-on's pages (QA panel, popup, onboarding) and the
 * background. Pages send a HostRequest with runtime.sendMessage; the
 * background answers with the matching response, or {error} on failure.
 * Content scripts of features use sendToFeature (see runtime/content-messaging).
 */
import type { RefusalReason } from '../protocol/envelope';
import type { BuildEnv } from '../protocol/environments';
import type { PlanReasonCode, ReasonDetail } from '../protocol/planner';
import type { ChangeLogView } from './background/change-log';
import type { DiagnosticsData } from './background/diagnostics';
import type { FeatureActions } from './runtime/popup-actions';

export type Override = 'on' | 'off' | null;

export type HostRequest =
  | { type: 'sbc:status' }
  | { type: 'sbc:refresh' }
  | { type: 'sbc:override'; featureId: string; value: Override }
  | { type: 'sbc:opt-out'; featureId: string; optedOut: boolean }
  /**
   * The user allowed (or withdrew) what a feature sends. On Firefox 140+ the
   * page has already asked Firefox (permissions.request/remove); the host
   * records the answer itself only where Firefox keeps none, then plans again.
   */
  | { type: 'sbc:data-consent'; featureId: string; granted: boolean }
  | { type: 'sbc:telemetry'; enabled: boolean }
  | { type: 'sbc:send-telemetry' }
  | { type: 'sbc:terms' }
  | { type: 'sbc:signup'; email: string; password: string; acceptedTerms: string }
  | { type: 'sbc:login'; email: string; password: string }
  | { type: 'sbc:logout' }
  | { type: 'sbc:delete-account' }
  | { type: 'sbc:accept-terms'; acceptedTerms: string }
  | { type: 'sbc:feedback'; featureId: string; rating: number; comment: string }
  | { type: 'sbc:changes' }
  | { type: 'sbc:changes-seen' }
  | { type: 'sbc:change-notifications'; enabled: boolean }
  | { type: 'sbc:diagnostics' }
  /** The installed features' popup actions, for the popup's window. */
  | { type: 'sbc:feature-actions'; windowId?: number }
  | { type: 'sbc:run-feature-action'; featureId: string; actionId: string; windowId?: number };

/** What a feature action did: the feature's sentence, and every feature's actions afterwards. */
export interface FeatureActionResult {
  message: string;
  actions: FeatureActions[];
}

/** Where a feature stands on this browser, and why. */
export type FeatureState =
  | 'installed'
  | 'installing'
  | 'uninstalling'
  | 'failed'
  | 'disabled'
  | 'not-installed';

export interface FeatureStatus {
  id: string;
  name: string;
  description: string;
  /** Version in the manifest, or the build's version when the manifest does not list it. */
  version: string;
  state: FeatureState;
  /** Stable code of the reason, e.g. "rollout", "killed", "needs-account", "qa-off"; the pages say it in words (ui/reason-view.ts). */
  reasonCode: PlanReasonCode | 'failed';
  /** What the reason's words need beside its code. */
  detail: ReasonDetail;
  override: Override;
  optedOut: boolean;
  requiresAccount: boolean;
  /** Firefox data-collection categories the feature sends (feature.json's "dataCollection"). */
  dataCollection: string[];
  /** Those of them the user has not granted: the feature is not installed until this is empty. */
  missingConsent: string[];
  /** Rollout bucket of this browser for the feature (0–9999) and the feature's rollout in basis points. */
  bucket: number | null;
  rollout: number | null;
  /** The error that made an install fail. */
  error?: string;
  /** A staged feature's stage in force: 1-based number (0 before its plan starts), of how many, and when the next starts. */
  stage?: { number: number; of: number; nextAt: string | null };
  /** The beta server's halt on the feature. */
  halt?: { action: 'freeze' | 'kill'; reason: string; haltedAt: string };
}

/** The halt document in force (channel/halt-client.ts). */
export interface HaltStatus {
  serial: number | null;
  issuedAt: string | null;
  manifestSerial: number | null;
  /** The last refusal or fetch failure of a halt document. */
  lastError: { reason: RefusalReason | 'network' | 'http'; message: string; at: string } | null;
}

export interface ManifestStatus {
  serial: number | null;
  issuedAt: string | null;
  expiresAt: string | null;
  /** When the last good manifest was accepted. */
  acceptedAt: string | null;
  /** When the server was last asked. */
  checkedAt: string | null;
  /** When the next poll is due. */
  nextCheckAt: string | null;
  /** The last refusal or fetch failure; cleared by the next accepted manifest. */
  lastError: { reason: RefusalReason | 'network' | 'http'; message: string; at: string; keyId?: string } | null;
  unreviewed: boolean;
}

/** What the host has learnt about reaching the beta server from its own requests; null fields: not yet known. */
export interface ServerReachabilityStatus {
  reachable: boolean | null;
  lastReachedAt: string | null;
  lastFailureAt: string | null;
  lastFailure: string | null;
}

/** The key document in force: who may sign manifests, which keys are revoked and why. */
export interface KeyStatus {
  serial: number | null;
  expiresAt: string | null;
  manifestKeyIds: string[];
  revoked: Array<{ keyId: string; reason: string }>;
  /** The last refusal or fetch failure of a key document; cleared by the next good answer. */
  lastError: { reason: RefusalReason | 'network' | 'http'; message: string; at: string; keyId?: string } | null;
}

export interface HostStatus {
  build: { buildEnv: BuildEnv; origin: string; hostVersion: string; allowUnreviewed: boolean };
  manifest: ManifestStatus;
  /** Absent in a status made before key documents existed. */
  keys?: KeyStatus;
  /** Absent from hosts that do not fetch halts. */
  halt?: HaltStatus;
  account: { email: string; termsOutdated: boolean } | null;
  telemetryEnabled: boolean;
  /** Who keeps the user's data-collection consent: Firefox (140 and later) or, on older versions, the add-on. */
  dataConsentSource: 'firefox' | 'add-on';
  unit: string;
  /** When this life of the background page started: it changes after every suspend and wake. */
  startedAt?: string;
  /** Absent from hosts that do not track it. */
  server?: ServerReachabilityStatus;
  features: FeatureStatus[];
}

/** What "Send now" did: batches of usage counters and feedback items sent, still queued, or refused for good. */
export interface TelemetrySendResult {
  usage: { sent: number; queued: number; dropped: number };
  feedback: { sent: number; queued: number; dropped: number };
}

export interface Terms {
  terms: { version: string; url: string };
  privacy: { version: string; url: string };
}

export type HostResponse<R extends HostRequest> = R extends { type: 'sbc:status' | 'sbc:refresh' | 'sbc:override' | 'sbc:opt-out' | 'sbc:telemetry' | 'sbc:data-consent' }
  ? HostStatus
  : R extends { type: 'sbc:terms' }
    ? Terms
    : R extends { type: 'sbc:send-telemetry' }
      ? TelemetrySendResult
    : R extends { type: 'sbc:signup' | 'sbc:login' | 'sbc:logout' | 'sbc:delete-account' | 'sbc:accept-terms' }
      ? HostStatus
    : R extends { type: 'sbc:changes' | 'sbc:changes-seen' | 'sbc:change-notifications' }
      ? ChangeLogView
    : R extends { type: 'sbc:diagnostics' }
      ? DiagnosticsData
    : R extends { type: 'sbc:feature-actions' }
      ? FeatureActions[]
    : R extends { type: 'sbc:run-feature-action' }
      ? FeatureActionResult
      : { ok: true };

/** The wrapper a feature's content script sends; the host routes it to ctx.messages. */
export interface FeatureMessage {
  type: 'sbc:feature';
  featureId: string;
  payload: unknown;
}

/** A feature's content script threw (runtime/content-messaging.ts); the host counts host.content-error. */
export interface ContentErrorMessage {
  type: 'sbc:content-error';
  featureId: string;
}

export function isContentErrorMessage(message: unknown): message is ContentErrorMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'sbc:content-error' &&
    typeof (message as { featureId?: unknown }).featureId === 'string'
  );
}

export function isHostRequest(message: unknown): message is HostRequest {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith('sbc:') &&
    (message as { type: string }).type !== 'sbc:feature'
  );
}

export function isFeatureMessage(message: unknown): message is FeatureMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'sbc:feature' &&
    typeof (message as { featureId?: unknown }).featureId === 'string'
  );
}
