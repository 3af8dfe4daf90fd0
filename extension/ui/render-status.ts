/**
 * Pure view models for the QA panel: HostStatus in, the words and flags the
 * page shows out. No DOM here, so every sentence QA reads is unit-tested.
 *
 * @example
 * const manifest = formatManifestStatus(status, Date.now());
 * if (manifest.expired) showExpiredFlag();
 * const rows = status.features.map(describeFeatureRow);
 */
import { featureText, t } from '../i18n';
import { FEATURE_NAME_KEY } from '../../protocol/feature-messages';
import type { FeatureState, FeatureStatus, HostStatus, ManifestStatus, Override, TelemetrySendResult } from '../messages';
import { formatRollout } from '../../protocol/rollout';
import { describeReason } from './reason-view';

/** Only a build made for local development relaxes sign-offs, and it must say so on screen. */
export function shouldShowDevBanner(status: HostStatus): boolean {
  return status.build.allowUnreviewed;
}

/** A time for people: absolute in UTC (stable for bug reports) and relative to now. */
export function formatTime(iso: string | null, nowMs: number, missing = t('timeNever')): string {
  if (!iso) return missing;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return t('timeUnreadable', iso);
  const absolute = t('timeUtc', new Date(at).toISOString().slice(0, 16).replace('T', ' '));
  return t('timeWithRelative', [absolute, formatRelative(at - nowMs)]);
}

/** "in 5 min", "3 h ago", "just now". */
export function formatRelative(deltaMs: number): string {
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  if (seconds < 45) return t('relativeJustNow');
  const minutes = Math.round(seconds / 60);
  const hours = Math.round(seconds / 3600);
  const days = Math.round(seconds / 86400);
  const amount = minutes < 60 ? t('durationMinutes', minutes) : hours < 48 ? t('durationHours', hours) : t('durationDays', days);
  return deltaMs >= 0 ? t('relativeIn', amount) : t('relativeAgo', amount);
}

// The reason sentences and the QA panel's rows show a rollout the same way.
export { formatRollout };

/** Message keys of the refusal and failure reasons. */
const REFUSAL_LABELS: Record<NonNullable<ManifestStatus['lastError']>['reason'], string> = {
  'malformed-envelope': 'refusalMalformedEnvelope',
  'unknown-key': 'refusalUnknownKey',
  'revoked-key': 'refusalRevokedKey',
  'bad-signature': 'refusalBadSignature',
  'below-threshold': 'refusalBelowThreshold',
  'malformed-payload': 'refusalMalformedPayload',
  'wrong-env': 'refusalWrongEnv',
  expired: 'refusalExpired',
  'lifetime-too-long': 'refusalLifetimeTooLong',
  'issued-in-future': 'refusalIssuedInFuture',
  'implausible-serial': 'refusalImplausibleSerial',
  rollback: 'refusalRollback',
  'serial-reused': 'refusalSerialReused',
  'no-key-document': 'refusalNoKeyDocument',
  'no-manifest-key': 'refusalNoManifestKey',
  'halt-wrong-manifest': 'refusalHaltWrongManifest',
  'halt-unknown-feature': 'refusalHaltUnknownFeature',
  'halt-raises': 'refusalHaltRaises',
  'halt-unkills': 'refusalHaltUnkills',
  unreviewed: 'refusalUnreviewed',
  network: 'refusalNetwork',
  http: 'refusalHttp',
};

export interface ManifestView {
  serial: string;
  issued: string;
  expires: string;
  /** The manifest in use has passed its expiry: nothing new installs until a fresh one arrives. */
  expired: boolean;
  accepted: string;
  checked: string;
  nextCheck: string;
  /** "<reason label> (<reason>): <message> — <when>", or null when the last check went well. */
  error: string | null;
  unreviewed: boolean;
  /** The halt document in force, or "none". */
  halt: string;
  /** The last halt document refused, or null. */
  haltError: string | null;
}

/** "<label> (<reason>[, key <keyId>]): <message> — <when>": the key at fault is named, for QA to act on. */
function formatChannelError(error: NonNullable<ManifestStatus['lastError']>, nowMs: number): string {
  const label = REFUSAL_LABELS[error.reason];
  const words = label ? t(label) : error.reason;
  const when = formatTime(error.at, nowMs);
  return error.keyId
    ? t('keyErrorLine', [words, error.reason, error.keyId, error.message, when])
    : t('manifestErrorLine', [words, error.reason, error.message, when]);
}

export interface KeysView {
  serial: string;
  expires: string;
  /** The manifest keys the key document lists, e.g. "manifest-2026b". */
  manifestKeys: string;
  /** "manifest-2026a (leaked in a CI log)", or "none". */
  revoked: string;
  error: string | null;
}

/** The key document section of the QA panel: which keys may sign manifests now, which are revoked and why. */
export function formatKeyStatus(status: HostStatus, nowMs: number): KeysView {
  const keys = status.keys;
  return {
    serial: keys?.serial == null ? t('keysNoSerial') : String(keys.serial),
    expires: formatTime(keys?.expiresAt ?? null, nowMs, t('timeMissing')),
    manifestKeys: keys?.manifestKeyIds.length ? keys.manifestKeyIds.join(', ') : t('keysNone'),
    revoked: keys?.revoked.length ? keys.revoked.map((key) => t('keysRevokedEntry', [key.keyId, key.reason])).join('; ') : t('keysNone'),
    error: keys?.lastError ? formatChannelError(keys.lastError, nowMs) : null,
  };
}

/** The manifest section of the QA panel. */
export function formatManifestStatus(status: HostStatus, nowMs: number): ManifestView {
  const m = status.manifest;
  const expiresAt = m.expiresAt ? Date.parse(m.expiresAt) : NaN;
  const error = m.lastError ? formatChannelError(m.lastError, nowMs) : null;
  return {
    serial: m.serial === null ? t('manifestNoSerial') : String(m.serial),
    issued: formatTime(m.issuedAt, nowMs, t('timeMissing')),
    expires: formatTime(m.expiresAt, nowMs, t('timeMissing')),
    expired: !Number.isNaN(expiresAt) && expiresAt <= nowMs,
    accepted: formatTime(m.acceptedAt, nowMs),
    checked: formatTime(m.checkedAt, nowMs),
    nextCheck: formatTime(m.nextCheckAt, nowMs, t('timeNotScheduled')),
    error,
    unreviewed: m.unreviewed,
    ...describeHalt(status.halt, nowMs),
  };
}

function describeHalt(halt: HostStatus['halt'], nowMs: number): Pick<ManifestView, 'halt' | 'haltError'> {
  const error = halt?.lastError;
  const label = error ? REFUSAL_LABELS[error.reason] : undefined;
  return {
    halt: halt?.serial ? t('manifestHaltLine', [halt.serial, halt.manifestSerial ?? '', formatTime(halt.issuedAt, nowMs)]) : t('manifestNoHalt'),
    haltError: error ? t('haltErrorLine', [label ? t(label) : error.reason, error.reason, error.message, formatTime(error.at, nowMs)]) : null,
  };
}

/** Message keys of the feature states. */
const STATE_LABELS: Record<FeatureState, string> = {
  installed: 'stateInstalled',
  installing: 'stateInstalling',
  uninstalling: 'stateUninstalling',
  failed: 'stateFailed',
  disabled: 'stateDisabled',
  'not-installed': 'stateNotInstalled',
};

export type OverrideChoice = 'default' | 'on' | 'off';

/** The QA override select's options, in the user's language. */
export function listOverrideChoices(): Array<{ value: OverrideChoice; label: string }> {
  return [
    { value: 'default', label: t('overrideDefault') },
    { value: 'on', label: t('overrideForceOn') },
    { value: 'off', label: t('overrideForceOff') },
  ];
}

export interface FeatureRowView {
  id: string;
  name: string;
  version: string;
  state: FeatureState;
  stateLabel: string;
  /** The reason sentence, then the rollout bucket when the feature has one. */
  reason: string;
  /** The beta server's halt on the feature, or null. */
  halt: string | null;
  error: string | null;
  override: OverrideChoice;
  requiresAccount: boolean;
  optedOut: boolean;
}

/** One row of the features table; `source` is who keeps the user's data-collection consent (status.dataConsentSource). */
export function describeFeatureRow(feature: FeatureStatus, source: HostStatus['dataConsentSource']): FeatureRowView {
  const parts = [describeReason(feature, source)];
  if (feature.bucket !== null && feature.rollout !== null) {
    parts.push(t('featureBucketRollout', [feature.bucket, formatRollout(feature.rollout)]));
  }
  if (feature.stage) parts.push(feature.stage.number > 0 ? t('featureStage', [feature.stage.number, feature.stage.of]) : t('featureStageNotStarted'));
  if (feature.optedOut) parts.push(t('featureOptedOutByUser'));
  return {
    id: feature.id,
    name: featureText(feature.id, FEATURE_NAME_KEY, feature.name),
    version: feature.version,
    state: feature.state,
    stateLabel: STATE_LABELS[feature.state] ? t(STATE_LABELS[feature.state]) : feature.state,
    reason: parts.filter((part) => part !== '').join(' · '),
    halt: feature.halt ? t(feature.halt.action === 'kill' ? 'featureHaltKilled' : 'featureHaltFrozen', feature.halt.reason) : null,
    error: feature.state === 'failed' || feature.error ? (feature.error ?? t('featureFailedUnknown')) : null,
    override: feature.override ?? 'default',
    requiresAccount: feature.requiresAccount,
    optedOut: feature.optedOut,
  };
}

/** The value of the override select, as the background expects it. */
export function parseOverrideChoice(value: string): Override {
  if (value === 'on' || value === 'off') return value;
  if (value === 'default') return null;
  throw new Error(t('errorUnknownOverride', value));
}

export interface AccountView {
  signedIn: boolean;
  email: string | null;
  termsOutdated: boolean;
}

export function describeAccount(status: HostStatus): AccountView {
  return status.account
    ? { signedIn: true, email: status.account.email, termsOutdated: status.account.termsOutdated }
    : { signedIn: false, email: null, termsOutdated: false };
}

/** What the refresh button reports once the background has answered. */
export function describeRefreshResult(before: HostStatus | null, after: HostStatus): { ok: boolean; text: string } {
  const m = after.manifest;
  if (m.lastError) return { ok: false, text: t('refreshFailed', m.lastError.message) };
  if (m.serial === null) return { ok: false, text: t('refreshNoManifest') };
  const previous = before?.manifest.serial ?? null;
  if (previous !== null && previous === m.serial) return { ok: true, text: t('refreshUpToDate', m.serial) };
  return { ok: true, text: t('refreshAccepted', m.serial) };
}

/** Links from the server are shown only if they are plain web links. */
export function toSafeLink(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * One line for QA after "Send now".
 *
 * @example
 * describeTelemetrySend({usage: {sent: 1, queued: 0, dropped: 0}, feedback: {sent: 0, queued: 0, dropped: 0}});
 * // "Sent 1 usage batch. No feedback was waiting."
 */
export function describeTelemetrySend(result: TelemetrySendResult): string {
  // Message keys: the sent count has a singular and a plural sentence.
  const part = (counts: TelemetrySendResult['usage'], one: string, many: string, nothing: string): string => {
    const total = counts.sent + counts.queued + counts.dropped;
    if (total === 0) return t(nothing);
    const pieces = [t(counts.sent === 1 ? one : many, counts.sent)];
    if (counts.queued > 0) pieces.push(t('telemetryKeptQueued', counts.queued));
    if (counts.dropped > 0) pieces.push(t('telemetryDropped', counts.dropped));
    return t('sentenceEnd', pieces.join(t('listSeparator')));
  };
  return [
    part(result.usage, 'telemetrySentUsageOne', 'telemetrySentUsageMany', 'telemetryNoUsage'),
    part(result.feedback, 'telemetrySentFeedbackOne', 'telemetrySentFeedbackMany', 'telemetryNoFeedback'),
  ].join(' ');
}
