/**
 * Pure view models for the QA panel: HostStatus in, the words and flags the
 * page shows out. No DOM here, so every sentence QA reads is unit-tested.
 *
 * @example
 * const manifest = formatManifestStatus(status, Date.now());
 * if (manifest.expired) showExpiredFlag();
 * const rows = status.features.map(describeFeatureRow);
 */
import type { FeatureState, FeatureStatus, HostStatus, ManifestStatus, Override, TelemetrySendResult } from '../messages';
import { formatRollout } from '../../protocol/rollout';

export const DEV_BANNER_TEXT = 'Local development build: sign-offs are not enforced';

export const TELEMETRY_DESCRIPTION =
  'When on, the add-on sends daily usage counters for beta features: the feature id, an event name, the day and a count. ' +
  'No URLs, no page content and nothing you type are ever sent. ' +
  'Firefox 140 and later also ask you to allow “technical and interaction data” for this add-on; without it nothing is counted.';

export const ACCOUNT_SEPARATION_NOTE =
  'Beta accounts are separate from any other account: they exist only on the beta server and share nothing with production services.';

/** Only a build made for local development relaxes sign-offs, and it must say so on screen. */
export function shouldShowDevBanner(status: HostStatus): boolean {
  return status.build.allowUnreviewed;
}

/** A time for people: absolute in UTC (stable for bug reports) and relative to now. */
export function formatTime(iso: string | null, nowMs: number, missing = 'never'): string {
  if (!iso) return missing;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return `${iso} (unreadable time)`;
  const absolute = new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return `${absolute} (${formatRelative(at - nowMs)})`;
}

/** "in 5 min", "3 h ago", "just now". */
export function formatRelative(deltaMs: number): string {
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  const hours = Math.round(seconds / 3600);
  const days = Math.round(seconds / 86400);
  const amount = minutes < 60 ? `${minutes} min` : hours < 48 ? `${hours} h` : `${days} days`;
  return deltaMs >= 0 ? `in ${amount}` : `${amount} ago`;
}

// The planner's reason sentences and the QA panel's rows must show a rollout the same way.
export { formatRollout };

const REFUSAL_LABELS: Record<NonNullable<ManifestStatus['lastError']>['reason'], string> = {
  'malformed-envelope': 'Malformed envelope',
  'unknown-key': 'Signed with an unlisted key',
  'revoked-key': 'Signed with a revoked key',
  'bad-signature': 'Bad signature',
  'below-threshold': 'Too few signatures',
  'malformed-payload': 'Malformed payload',
  'wrong-env': 'Made for another environment',
  expired: 'Expired',
  'lifetime-too-long': 'Valid for too long',
  'issued-in-future': 'Issued in the future',
  'implausible-serial': 'Implausible serial',
  rollback: 'Serial went back',
  'serial-reused': 'Serial reused with other content',
  'no-key-document': 'No key document',
  'no-manifest-key': 'No manifest key',
  unreviewed: 'Missing sign-offs',
  network: 'Beta server unreachable',
  http: 'Beta server error',
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
}

/** The manifest section of the QA panel. */
export function formatManifestStatus(status: HostStatus, nowMs: number): ManifestView {
  const m = status.manifest;
  const expiresAt = m.expiresAt ? Date.parse(m.expiresAt) : NaN;
  const error = m.lastError
    ? `${REFUSAL_LABELS[m.lastError.reason] ?? m.lastError.reason} (${m.lastError.reason}): ${m.lastError.message} — ${formatTime(m.lastError.at, nowMs)}`
    : null;
  return {
    serial: m.serial === null ? 'none accepted yet' : String(m.serial),
    issued: formatTime(m.issuedAt, nowMs, '—'),
    expires: formatTime(m.expiresAt, nowMs, '—'),
    expired: !Number.isNaN(expiresAt) && expiresAt <= nowMs,
    accepted: formatTime(m.acceptedAt, nowMs),
    checked: formatTime(m.checkedAt, nowMs),
    nextCheck: formatTime(m.nextCheckAt, nowMs, 'not scheduled'),
    error,
    unreviewed: m.unreviewed,
  };
}

const STATE_LABELS: Record<FeatureState, string> = {
  installed: 'Installed',
  installing: 'Installing…',
  uninstalling: 'Uninstalling…',
  failed: 'Failed',
  disabled: 'Disabled',
  'not-installed': 'Not installed',
};

export type OverrideChoice = 'default' | 'on' | 'off';

export const OVERRIDE_CHOICES: ReadonlyArray<{ value: OverrideChoice; label: string }> = [
  { value: 'default', label: 'Default' },
  { value: 'on', label: 'Force on' },
  { value: 'off', label: 'Force off' },
];

export interface FeatureRowView {
  id: string;
  name: string;
  version: string;
  state: FeatureState;
  stateLabel: string;
  /** The reason sentence, then the rollout bucket when the feature has one. */
  reason: string;
  error: string | null;
  override: OverrideChoice;
  requiresAccount: boolean;
  optedOut: boolean;
}

/** One row of the features table. */
export function describeFeatureRow(feature: FeatureStatus): FeatureRowView {
  const parts = [feature.reason];
  if (feature.bucket !== null && feature.rollout !== null) {
    parts.push(`bucket ${feature.bucket} / rollout ${formatRollout(feature.rollout)}`);
  }
  if (feature.optedOut) parts.push('turned off by the user');
  return {
    id: feature.id,
    name: feature.name,
    version: feature.version,
    state: feature.state,
    stateLabel: STATE_LABELS[feature.state] ?? feature.state,
    reason: parts.filter((part) => part !== '').join(' · '),
    error: feature.state === 'failed' || feature.error ? (feature.error ?? 'Install failed for an unknown reason.') : null,
    override: feature.override ?? 'default',
    requiresAccount: feature.requiresAccount,
    optedOut: feature.optedOut,
  };
}

/** The value of the override select, as the background expects it. */
export function parseOverrideChoice(value: string): Override {
  if (value === 'on' || value === 'off') return value;
  if (value === 'default') return null;
  throw new Error(`QA override select: unknown value "${value}" (expected default, on or off).`);
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
  if (m.lastError) return { ok: false, text: `Refresh failed: ${m.lastError.message}` };
  if (m.serial === null) return { ok: false, text: 'No manifest accepted yet.' };
  const previous = before?.manifest.serial ?? null;
  if (previous !== null && previous === m.serial) return { ok: true, text: `Up to date: serial ${m.serial}.` };
  return { ok: true, text: `Accepted manifest serial ${m.serial}.` };
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
  const part = (counts: TelemetrySendResult['usage'], one: string, many: string, nothing: string): string => {
    const total = counts.sent + counts.queued + counts.dropped;
    if (total === 0) return nothing;
    const noun = (n: number) => (n === 1 ? one : many);
    const pieces = [`Sent ${counts.sent} ${noun(counts.sent)}`];
    if (counts.queued > 0) pieces.push(`${counts.queued} kept queued for the next try`);
    if (counts.dropped > 0) pieces.push(`${counts.dropped} refused by the server and dropped`);
    return `${pieces.join(', ')}.`;
  };
  return [
    part(result.usage, 'usage batch', 'usage batches', 'No usage counters were waiting.'),
    part(result.feedback, 'feedback item', 'feedback items', 'No feedback was waiting.'),
  ].join(' ');
}
