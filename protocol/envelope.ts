/**
 * ECDSA P-256 / SHA-256 over the exact payload bytes, through WebCrypto, the
 * same API in Firefox and in Node 20 (globalThis.crypto.subtle). WebCrypto's
 * signature is raw r‖s (64 bytes), which is what the envelope carries.
 */
import * as z from 'zod/mini';
import { DAY_MS, DEFAULT_MAX_LIFETIME_DAYS, checkManifestPolicy } from './manifest-policy';
import { ManifestRefusedError } from './refusals';
import { envelopeSchema, parseManifestPayload, type Envelope, type ManifestPayload } from './manifest-schema';
import { formatZodIssues } from './zod-issues';

/** A public key that the build pins, that a key document lists, or that the server trusts. */
export interface PinnedKey {
  keyId: string;
  /** The P-256 public key as a JWK ({kty: "EC", crv: "P-256", x, y}). */
  jwk: JsonWebKey;
}

export { ManifestRefusedError, type RefusalReason } from './refusals';

/** A key that must no longer sign, and why (shown to QA when a document signed by it is refused). */
export interface RevokedKey {
  keyId: string;
  reason: string;
}

/** Who may sign a document: `threshold` distinct keys of `keys` must have signed it. */
export interface TrustedSigners {
  keys: readonly PinnedKey[];
  /** Default 1. */
  threshold?: number;
  revoked?: readonly RevokedKey[];
  /** Where the keys come from, for messages: "key document serial 7", "the root keys pinned in this build". */
  source?: string;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  // Native where the browser has it (Firefox 133 and later): a 400 KB manifest decodes in a fraction of the time.
  const fromBase64 = (Uint8Array as { fromBase64?: (text: string, options: { alphabet: 'base64url' }) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(text, { alphabet: 'base64url' });
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function importPublicKey(jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', jwk, ECDSA, false, ['verify']);
}

// The pinned keys are the same objects on every check; importing one costs about what a verification does.
const importedKeys = new WeakMap<JsonWebKey, Promise<CryptoKey>>();

function importPinnedKey(key: PinnedKey): Promise<CryptoKey> {
  let imported = importedKeys.get(key.jwk);
  if (!imported) {
    imported = importPublicKey(key.jwk);
    imported.catch(() => importedKeys.delete(key.jwk));
    importedKeys.set(key.jwk, imported);
  }
  return imported;
}

/** Signs payload bytes with one or more PKCS#8 private keys and returns the envelope. */
export async function signEnvelope(
  payloadBytes: Uint8Array,
  signers: ReadonlyArray<{ keyId: string; privateKey: CryptoKey }>,
): Promise<Envelope> {
  const signatures = [];
  for (const { keyId, privateKey } of signers) {
    const sig = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, privateKey, payloadBytes as BufferSource));
    signatures.push({ keyId, alg: 'ES256' as const, sig: encodeBase64url(sig) });
  }
  return { payload: encodeBase64url(payloadBytes), signatures };
}

export interface VerifyOptions extends TrustedSigners {
  /** The environment this build or server serves: "beta". */
  env: string;
  now?: Date;
  /**
   * False when re-reading a manifest accepted earlier: an expired cache keeps
   * what is installed, and its issue time was checked against the clock then.
   */
  checkExpiry?: boolean;
  /** The serial of the last accepted manifest; a lower one is a rollback. */
  lastSerial?: number;
  /** SHA-256 (hex) of the payload bytes accepted under lastSerial: only these bytes may come again under that serial. */
  lastPayloadSha256?: string;
  /** The longest expiresAt - issuedAt accepted; default DEFAULT_MAX_LIFETIME_DAYS. */
  maxLifetimeMs?: number;
  /** Only a local development build may accept manifests published without review. */
  allowUnreviewed?: boolean;
  /**
   * The features a build ships: only their entries are validated in full and
   * returned (see parseManifestPayload). The server and the publisher leave it
   * out and check every entry.
   */
  onlyFeatures?: ReadonlySet<string>;
}

/**
 * Parses an envelope and checks its signatures: at least `threshold` distinct
 * trusted keys must have signed the exact payload bytes. Returns those bytes
 * and the key ids that verified, or throws ManifestRefusedError naming the key
 * ids at fault (`revoked-key` names why the key was revoked).
 *
 * @example
 * const { payloadBytes } = await verifySignatures(text, { keys: rootKeys, threshold: 2 }, 'the key document');
 */
export async function verifySignatures(
  envelopeText: string,
  trust: TrustedSigners,
  label: string,
): Promise<{ payloadBytes: Uint8Array; signers: string[] }> {
  let envelope: Envelope;
  let payloadBytes: Uint8Array;
  let raw: unknown;
  try {
    raw = JSON.parse(envelopeText);
    envelope = envelopeSchema.parse(raw);
    payloadBytes = decodeBase64url(envelope.payload);
  } catch (error) {
    throw new ManifestRefusedError('malformed-envelope', `${label} envelope is malformed: ${describe(error, raw)}`);
  }
  const threshold = Math.max(1, trust.threshold ?? 1);
  const trusted = new Map(trust.keys.map((key) => [key.keyId, key]));
  const valid = new Set<string>();
  const failed = new Set<string>();
  for (const signature of envelope.signatures) {
    const key = trusted.get(signature.keyId);
    if (!key || valid.has(signature.keyId)) continue;
    if (await verifyOne(key, signature.sig, payloadBytes)) valid.add(signature.keyId);
    else failed.add(signature.keyId);
  }
  if (valid.size >= threshold) return { payloadBytes, signers: [...valid] };

  const source = trust.source ?? 'this build';
  const signedBy = envelope.signatures.map((s) => s.keyId);
  if (failed.size > 0) {
    throw new ManifestRefusedError('bad-signature', `${label} signature does not verify: it was altered or signed with another key`, {
      subject: [...failed].join(', '),
    });
  }
  const revoked = (trust.revoked ?? []).filter((key) => signedBy.includes(key.keyId) && !valid.has(key.keyId));
  if (revoked.length > 0) {
    const why = revoked.map((key) => `${key.keyId} (revoked: ${key.reason})`).join(', ');
    throw new ManifestRefusedError('revoked-key', `${label} is signed by a revoked key: ${why}; ${source} no longer trusts it`, {
      subject: revoked.map((key) => key.keyId).join(', '),
    });
  }
  if (valid.size === 0) {
    const ids = signedBy.join(', ');
    throw new ManifestRefusedError('unknown-key', `${label} is signed only by keys that ${source} does not list (${ids})`, { subject: ids });
  }
  throw new ManifestRefusedError(
    'below-threshold',
    `${label} carries ${valid.size} valid signature(s) by trusted keys (${[...valid].join(', ')}); ${source} requires ${threshold}`,
    { subject: [...valid].join(', ') },
  );
}

async function verifyOne(key: PinnedKey, sigText: string, payloadBytes: Uint8Array): Promise<boolean> {
  let sig: Uint8Array;
  try {
    sig = decodeBase64url(sigText);
  } catch {
    return false;
  }
  const publicKey = await importPinnedKey(key);
  return crypto.subtle.verify(ECDSA_SHA256, publicKey, sig as BufferSource, payloadBytes as BufferSource);
}

/** Parses UTF-8 JSON payload bytes with a schema; refuses as `malformed-payload`. */
export function parsePayload<T>(payloadBytes: Uint8Array, schema: z.core.$ZodType<T>, label: string): T {
  return parsePayloadWith(payloadBytes, (raw) => z.parse(schema, raw), label);
}

function parsePayloadWith<T>(payloadBytes: Uint8Array, parse: (raw: unknown) => T, label: string): T {
  let rawPayload: unknown;
  try {
    rawPayload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
    return parse(rawPayload);
  } catch (error) {
    throw new ManifestRefusedError('malformed-payload', `${label} payload does not match the schema: ${describe(error, rawPayload)}`);
  }
}

/**
 * Parses and verifies a manifest envelope's bytes. Returns the payload, or
 * throws ManifestRefusedError naming the first check that failed: the
 * signatures (`threshold` of the trusted keys), the schema, the environment,
 * the expiry, then the manifest policy (lifetime, clock, serial).
 */
export async function verifyEnvelope(envelopeText: string, options: VerifyOptions): Promise<ManifestPayload> {
  const { payloadBytes } = await verifySignatures(envelopeText, options, 'the manifest');
  const payload = parsePayloadWith(payloadBytes, (raw) => parseManifestPayload(raw, options.onlyFeatures), 'the manifest');
  if (payload.env !== options.env) {
    throw new ManifestRefusedError('wrong-env', `the manifest is for the "${payload.env}" environment, not "${options.env}"`, { subject: payload.env });
  }
  const now = options.now ?? new Date();
  const fresh = options.checkExpiry !== false;
  if (fresh && Date.parse(payload.expiresAt) <= now.getTime()) {
    throw new ManifestRefusedError('expired', `the manifest expired at ${payload.expiresAt}`);
  }
  checkManifestPolicy(payload, {
    maxLifetimeMs: options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_DAYS * DAY_MS,
    ...(fresh ? { now } : {}),
    ...(options.lastSerial === undefined ? {} : { lastSerial: options.lastSerial }),
    samePayloadAsLast:
      payload.serial === options.lastSerial && options.lastPayloadSha256 !== undefined && (await hashPayload(payloadBytes)) === options.lastPayloadSha256,
  });
  if (payload.unreviewed && !options.allowUnreviewed) {
    throw new ManifestRefusedError('unreviewed', 'the manifest was published for local development without sign-offs');
  }
  return payload;
}

/** The payload bytes of an envelope that was verified before (e.g. the cached one), or undefined when unreadable. */
export function readPayloadBytes(envelopeText: string): Uint8Array | undefined {
  try {
    return decodeBase64url(envelopeSchema.parse(JSON.parse(envelopeText)).payload);
  } catch {
    return undefined;
  }
}

/** Lowercase hex SHA-256 of payload bytes: what a client keeps to recognise the payload accepted under a serial. */
export async function hashPayload(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function describe(error: unknown, input: unknown): string {
  if (error instanceof z.core.$ZodError) return formatZodIssues(error, { input });
  return error instanceof Error ? error.message : String(error);
}
