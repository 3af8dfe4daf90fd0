/**
 * Fetches the signed manifest from the beta server, verifies it (DESIGN.md
 * decision 4) and keeps the last good one in IndexedDB. A refused or failed
 * check never touches the cached manifest, so what is installed stays as it is.
 *
 * @example
 * const server = new BetaServerClient({ origin: buildConfig.origin });
 * const client = new ManifestClient({ db, server, trust: keyDocumentClient, env: buildConfig.manifestEnv,
 *   allowUnreviewed: buildConfig.allowUnreviewed });
 * const cached = await client.loadCached(); // at wake, before any network request
 * const result = await client.check();
 * if (result.outcome === 'accepted') plan(result.payload);
 */
import { readHostValue, type CachedManifest, type HostDb, type HostValues } from '../db';
import { hashText, readLastPayloadSha256, readLastSerial, recordError, recordSuccess, storeAccepted } from './manifest-records';
import type { ManifestStatus } from '../messages';
import { MANIFEST_PATH, type ManifestPayload } from '../../protocol/manifest-schema';
import { BetaServerError, type BetaAnswer, type BetaServerClient } from './beta-server-client';
import type { ManifestTrust } from './key-document-client';
import { hashPayload, ManifestRefusedError, readPayloadBytes, verifyEnvelope, type RefusalReason } from '../../protocol/envelope';
import { DAY_MS, DEFAULT_MAX_LIFETIME_DAYS, readPlausibleSerial } from '../../protocol/manifest-policy';

/** A real manifest of 500 features is far below this; anything larger is garbage. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export type CheckResult =
  | { outcome: 'accepted'; payload: ManifestPayload }
  | { outcome: 'unchanged' }
  | { outcome: 'refused'; reason: RefusalReason; message: string; keyId?: string | undefined }
  | { outcome: 'failed'; reason: 'network' | 'http'; message: string; retryAfterMs?: number };

export interface ManifestClientDeps {
  db: HostDb;
  /** The beta server of the add-on's build: its deadline, size cap and redirect rule apply to the fetch. */
  server: BetaServerClient;
  /** Who may sign a manifest: the key document client (a fixed list of keys in tests and tools). */
  trust: ManifestTrust;
  env: string;
  allowUnreviewed: boolean;
  /** The longest manifest lifetime this build accepts, in days (channel.config.json); default DEFAULT_MAX_LIFETIME_DAYS. */
  maxLifetimeDays?: number;
  now?: () => Date;
  /** The features this build ships: only their entries are validated and kept (parseManifestPayload). */
  features?: readonly string[];
  /** The add-on's version: a manifest verified by another version is verified again. */
  addonVersion?: string;
}

export class ManifestClient {
  private readonly db: HostDb;
  private readonly server: BetaServerClient;
  private readonly url: URL;
  private readonly trust: ManifestTrust;
  private readonly env: string;
  private readonly allowUnreviewed: boolean;
  private readonly maxLifetimeMs: number;
  private readonly now: () => Date;
  private readonly onlyFeatures: ReadonlySet<string> | undefined;
  /** What a verification depends on besides the bytes and the serial. */
  private readonly verificationKey: string;
  /** The last bytes verified in this page life, so that status() never verifies twice. */
  private lastVerified: { envelopeText: string; lastSerial: number | undefined; payload: ManifestPayload } | null = null;

  constructor(deps: ManifestClientDeps) {
    this.db = deps.db;
    this.server = deps.server;
    this.url = deps.server.resolve(MANIFEST_PATH);
    this.trust = deps.trust;
    this.env = deps.env;
    this.allowUnreviewed = deps.allowUnreviewed;
    this.maxLifetimeMs = (deps.maxLifetimeDays ?? DEFAULT_MAX_LIFETIME_DAYS) * DAY_MS;
    this.now = deps.now ?? (() => new Date());
    this.onlyFeatures = deps.features ? new Set(deps.features) : undefined;
    this.verificationKey = JSON.stringify([
      deps.addonVersion ?? '',
      // Under a key document the cached manifest is verified again whenever a new document arrives (check()).
      deps.trust.id ?? 'key-document',
      deps.env,
      deps.allowUnreviewed,
      this.maxLifetimeMs,
      deps.features ? [...deps.features].sort() : null,
    ]);
  }

  /**
   * The last good manifest, without the network. Verified once per add-on
   * version: the payload stored when it was accepted (or first re-verified by
   * this version) is used as it is, its serial still held against the last
   * accepted one. Anything else is verified again, and an entry that fails is
   * dropped with the reason stored. Expiry is not checked, because an expired
   * manifest still describes what is installed. A wake passes what it read
   * in its one transaction (host-state.ts), so nothing is read again.
   */
  async loadCached(wake?: { manifest: CachedManifest | undefined; channel: Partial<HostValues> }): Promise<ManifestPayload | null> {
    const cached = wake ? wake.manifest : await this.db.get('manifest', 'current');
    if (!cached) return null;
    try {
      const lastSerial = readPlausibleSerial(wake ? wake.channel.lastSerial : await readHostValue(this.db, 'lastSerial'));
      const stored = cached.verified;
      // One digest instead of a signature check, a schema and a parse: the record is the add-on's own.
      const envelopeSha256 = await hashText(cached.envelopeText);
      if (stored?.for === this.verificationKey && stored.envelopeSha256 === envelopeSha256 && stored.payload.serial >= (lastSerial ?? 0)) {
        this.lastVerified = { envelopeText: cached.envelopeText, lastSerial, payload: stored.payload };
        return stored.payload;
      }
      const payload = await this.verifyCached(cached.envelopeText);
      await this.db.put('manifest', { ...cached, verified: { payload, for: this.verificationKey, envelopeSha256 } }, 'current');
      return payload;
    } catch (error) {
      const refusal = toRefusal(error);
      await this.db.delete('manifest', 'current');
      await recordError(this.db, { ...refusal, message: `the stored manifest was refused and dropped: ${refusal.message}`, at: this.now().toISOString() });
      return null;
    }
  }

  /** Asks the server for a newer manifest and verifies it. Never throws for network or server trouble. */
  async check(): Promise<CheckResult> {
    // The key document first: a rotation or revocation applies to the manifest fetched right after it. What was
    // verified under the previous one is verified again; a manifest its revoked signer signed is gone (key-document-check.ts).
    if (await this.trust.refresh?.()) this.lastVerified = null;
    const cached = await this.db.get('manifest', 'current');
    const headers: Record<string, string> = cached?.etag ? { 'If-None-Match': cached.etag } : {};

    let answer: BetaAnswer;
    try {
      answer = await this.server.request({ path: MANIFEST_PATH, headers, maxBytes: MAX_MANIFEST_BYTES, readBody: (status) => status === 200 });
    } catch (error) {
      if (error instanceof BetaServerError && error.code === 'too-large') return this.refuse({ reason: 'malformed-envelope', message: error.message });
      const message = error instanceof BetaServerError ? error.message : `${this.url} could not be reached: ${String(error)}`;
      return this.fail({ outcome: 'failed', reason: 'network', message });
    }

    if (answer.status === 304 && cached) {
      await recordSuccess(this.db, this.now().toISOString());
      return { outcome: 'unchanged' };
    }
    if (answer.status !== 200) return this.fail(describeHttpFailure(this.url, answer.status, answer.retryAfterMs));
    const text = answer.text();

    const lastSerial = await readLastSerial(this.db, cached?.serial);
    // Only the bytes accepted under the last serial may come again under it.
    const lastPayloadSha256 = await readLastPayloadSha256(this.db, cached, lastSerial);
    let payload: ManifestPayload;
    try {
      payload = await this.verify(text, { now: this.now() }, lastSerial, lastPayloadSha256);
    } catch (error) {
      return this.refuse(toRefusal(error));
    }

    if (cached && cached.serial === payload.serial) {
      // The same payload (the policy refuses any other under this serial), perhaps re-signed: nothing to re-plan.
      await recordSuccess(this.db, this.now().toISOString());
      return { outcome: 'unchanged' };
    }
    const newLastSerial = await storeAccepted(this.db, { envelopeText: text, etag: answer.headers.get('etag'), payload, verifiedFor: this.verificationKey, at: this.now().toISOString() });
    this.lastVerified = { envelopeText: text, lastSerial: newLastSerial, payload };
    return { outcome: 'accepted', payload };
  }

  /** What the QA panel shows about the manifest. */
  async status(): Promise<ManifestStatus> {
    const cached = await this.db.get('manifest', 'current');
    const payload = cached ? await this.verifyCached(cached.envelopeText).catch(() => null) : null;
    const [checkedAt, nextCheckAt, storedError] = await Promise.all([
      readHostValue(this.db, 'checkedAt'),
      readHostValue(this.db, 'nextCheckAt'),
      readHostValue(this.db, 'lastError'),
    ]);
    let lastError = storedError ?? null;
    if (!lastError && payload && Date.parse(payload.expiresAt) <= this.now().getTime()) {
      lastError = {
        reason: 'expired',
        message: `the last good manifest expired at ${payload.expiresAt}; installed features stay until a newer one arrives`,
        at: payload.expiresAt,
      };
    }
    return {
      serial: payload?.serial ?? null,
      issuedAt: payload?.issuedAt ?? null,
      expiresAt: payload?.expiresAt ?? null,
      acceptedAt: payload ? (cached?.acceptedAt ?? null) : null,
      checkedAt: checkedAt ?? null,
      nextCheckAt: nextCheckAt ?? null,
      lastError,
      unreviewed: payload?.unreviewed ?? false,
    };
  }

  /** verifyEnvelope with the key document's manifest keys, this build's rules, and the serial policy's memory. */
  private async verify(envelopeText: string, time: { now: Date } | { checkExpiry: false }, lastSerial: number | undefined, lastPayloadSha256: string | undefined) {
    return verifyEnvelope(envelopeText, {
      // A manifest accepted earlier was signed under a key document that may have expired since; a new one may not be.
      ...(await this.trust.signers('now' in time)),
      env: this.env,
      ...time,
      allowUnreviewed: this.allowUnreviewed,
      maxLifetimeMs: this.maxLifetimeMs,
      ...(this.onlyFeatures ? { onlyFeatures: this.onlyFeatures } : {}),
      ...(lastSerial === undefined ? {} : { lastSerial }),
      ...(lastPayloadSha256 === undefined ? {} : { lastPayloadSha256 }),
    });
  }

  private async verifyCached(envelopeText: string): Promise<ManifestPayload> {
    // Only expiry is skipped: signature, env, review and the serial (an older
    // signed manifest swapped into IndexedDB is a rollback) are still enforced.
    const lastSerial = readPlausibleSerial(await readHostValue(this.db, 'lastSerial'));
    const known = this.lastVerified;
    if (known && known.envelopeText === envelopeText && known.lastSerial === lastSerial) return known.payload;
    const ownPayload = readPayloadBytes(envelopeText);
    const ownSha256 = ownPayload ? await hashPayload(ownPayload) : undefined;
    // The cached manifest is the one accepted under its serial; another under the same serial cannot be cached.
    const payload = await this.verify(envelopeText, { checkExpiry: false }, lastSerial, ownSha256);
    this.lastVerified = { envelopeText, lastSerial, payload };
    return payload;
  }

  private async refuse(refusal: Refusal): Promise<CheckResult> {
    await recordError(this.db, { ...refusal, at: this.now().toISOString() });
    return { outcome: 'refused', ...refusal };
  }

  private async fail(result: Extract<CheckResult, { outcome: 'failed' }>): Promise<CheckResult> {
    await recordError(this.db, { reason: result.reason, message: result.message, at: this.now().toISOString() });
    return result;
  }
}

function describeHttpFailure(url: URL, status: number, retryAfterMs: number | undefined): Extract<CheckResult, { outcome: 'failed' }> {
  const message =
    status === 404
      ? `${url} answered 404: no manifest has been published on this server yet`
      : status === 304
        ? `${url} answered 304 although no manifest is cached`
        : `${url} answered HTTP ${status}`;
  return { outcome: 'failed', reason: 'http', message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

export type Refusal = { reason: RefusalReason; message: string; keyId?: string | undefined };

/** Anything verifyEnvelope throws that is not a refusal (e.g. undecodable base64url) is still a malformed envelope. */
export function toRefusal(error: unknown): Refusal {
  // A refusal for who signed (unknown-key, revoked-key, bad-signature, below-threshold) names the key ids at fault, for QA.
  if (error instanceof ManifestRefusedError) return { reason: error.reason, message: error.message, keyId: /key|sig|thresh/.test(error.reason) ? error.subject : undefined };
  const detail = error instanceof Error ? error.message : String(error);
  return { reason: 'malformed-envelope', message: `the manifest envelope is malformed: ${detail}` };
}

