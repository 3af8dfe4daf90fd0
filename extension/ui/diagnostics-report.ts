/**
 * "Copy diagnostics" in the QA panel: the host's status as one JSON object a
 * bug report can carry. The background sends what it knows (status, this
 * browser, the keys that signed the manifest in force, its last errors);
 * the report is assembled here: build, environment, manifest serial and
 * key, each feature's decision and reason, the server's reachability and
 * the last errors. Never a token, a password or an email address: the
 * account shows only as signed in or not, and every string is scrubbed.
 *
 * @example
 * const report = buildDiagnostics({ ...(await request({ type: 'sbc:diagnostics' })), now: new Date() });
 * navigator.clipboard.writeText(JSON.stringify(report, null, 2));
 */
import { MAX_RECENT_ERRORS, type DiagnosticsData } from '../background/diagnostics';
import { describeReason } from './reason-view';

export const DIAGNOSTICS_KIND = 'services-beta-channel-diagnostics';

export interface DiagnosticsInput extends DiagnosticsData {
  now: Date;
}

export type Diagnostics = ReturnType<typeof buildDiagnostics>;

export function buildDiagnostics(input: DiagnosticsInput) {
  const { status } = input;
  const report = {
    kind: DIAGNOSTICS_KIND,
    schema: 1,
    generatedAt: input.now.toISOString(),
    build: status.build,
    environment: input.environment,
    startedAt: status.startedAt ?? null,
    unit: status.unit,
    manifest: {
      serial: status.manifest.serial,
      keyIds: input.keyIds,
      issuedAt: status.manifest.issuedAt,
      expiresAt: status.manifest.expiresAt,
      acceptedAt: status.manifest.acceptedAt,
      checkedAt: status.manifest.checkedAt,
      nextCheckAt: status.manifest.nextCheckAt,
      unreviewed: status.manifest.unreviewed,
    },
    server: status.server ?? null,
    account: { signedIn: status.account !== null, termsOutdated: status.account?.termsOutdated ?? false },
    telemetryEnabled: status.telemetryEnabled,
    features: status.features.map((feature) => ({
      id: feature.id,
      version: feature.version,
      state: feature.state,
      decision: feature.reasonCode,
      reason: describeReason(feature, status.dataConsentSource),
      override: feature.override,
      optedOut: feature.optedOut,
      requiresAccount: feature.requiresAccount,
      bucket: feature.bucket,
      rollout: feature.rollout,
      error: feature.error ?? null,
    })),
    lastErrors: {
      manifest: status.manifest.lastError,
      features: status.features.filter((feature) => feature.error).map((feature) => ({ id: feature.id, error: feature.error! })),
      host: input.errors.slice(-MAX_RECENT_ERRORS),
    },
  };
  return redact(report);
}

/** Keys whose values are secret or personal whatever they hold. */
const SECRET_KEY = /token|password|secret|authorization|cookie|session|email/i;
const EMAIL = /[^\s@"'<>()]+@[^\s@"'<>()]+\.[A-Za-z]{2,}/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/** Long opaque strings (base64url, hex) are what tokens look like; ids and hashes in a report are shorter or named. */
const OPAQUE = /\b[A-Za-z0-9_-]{40,}\b/g;
const SAFE_LONG_KEYS = new Set(['sha256']);

/**
 * A deep copy with secret keys dropped and emails, bearer tokens and long
 * opaque strings masked in every string.
 *
 * @example redact({ token: 'x', note: 'mail qa@example.org' }); // { note: 'mail [email]' }
 */
export function redact<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    const masked = value.replace(EMAIL, '[email]').replace(BEARER, '$1 [token]');
    return (SAFE_LONG_KEYS.has(key) ? masked : masked.replace(OPAQUE, '[redacted]')) as T;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, key)) as T;
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      if (SECRET_KEY.test(name)) continue;
      copy[name] = redact(item, name);
    }
    return copy as T;
  }
  return value;
}

