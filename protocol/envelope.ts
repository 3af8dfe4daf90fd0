/**
 * ECDSA P-256 / SHA-256 over the exact payload bytes, through WebCrypto, the
 * same API in Firefox and in Node 20 (globalThis.crypto.subtle). WebCrypto's
 * signature is raw r‖s (64 bytes), which is what the envelope carries.
 */
import * as z from 'zod/mini';
import { ChannelError } from './errors';
import { envelopeSchema, parseManifestPayload, type Envelope, type ManifestPayload } from './manifest-schema';
import { formatZodIssues } from './zod-issues';

/** A public key that the build pins, or that the server trusts. */
export interface PinnedKey {
  keyId: string;
  /** The P-256 public key as a JWK ({kty: "EC", crv: "P-256", x, y}). */
  jwk: JsonWebKey;
}

export type RefusalReason =
  | 'malformed-envelope'
  | 'unknown-key'
  | 'bad-signature'
  | 'malformed-payload'
  | 'wrong-env'
  | 'expired'
  | 'rollback'
  | 'unreviewed';

/**
 * Why a manifest was refused; `code` (also `reason`) is stable, `message` is
 * for people, `subject` names the key ids or environment at fault when there is one.
 */
export class ManifestRefusedError extends ChannelError {
  declare readonly code: RefusalReason;

  constructor(reason: RefusalReason, message: string, options: { subject?: string } = {}) {
    super(reason, message, options);
  }

  get reason(): RefusalReason {
    return this.code;
  }
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

export interface VerifyOptions {
  keys: readonly PinnedKey[];
  /** The environment this build or server serves: "beta". */
  env: string;
  now?: Date;
  /** False when re-reading a manifest accepted earlier: an expired cache keeps what is installed. */
  checkExpiry?: boolean;
  /** The serial of the last accepted manifest; a lower one is a rollback. */
  lastSerial?: number;
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
 * Parses and verifies an envelope's bytes. Returns the payload, or throws
 * ManifestRefusedError naming the first check that failed. A signature by any
 * one pinned key is enough, so keys can rotate with both pinned for a while.
 */
export async function verifyEnvelope(envelopeText: string, options: VerifyOptions): Promise<ManifestPayload> {
  let envelope: Envelope;
  let payloadBytes: Uint8Array;
  let raw: unknown;
  try {
    raw = JSON.parse(envelopeText);
    envelope = envelopeSchema.parse(raw);
    payloadBytes = decodeBase64url(envelope.payload);
  } catch (error) {
    throw new ManifestRefusedError('malformed-envelope', `the manifest envelope is malformed: ${describe(error, raw)}`);
  }
  const pinned = new Map(options.keys.map((key) => [key.keyId, key]));
  const known = envelope.signatures.filter((s) => pinned.has(s.keyId));
  if (known.length === 0) {
    const ids = envelope.signatures.map((s) => s.keyId).join(', ');
    throw new ManifestRefusedError('unknown-key', `the manifest is signed only by keys this build does not trust (${ids})`, { subject: ids });
  }
  let verified = false;
  for (const signature of known) {
    const key = await importPinnedKey(pinned.get(signature.keyId)!);
    let sig: Uint8Array;
    try {
      sig = decodeBase64url(signature.sig);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify(ECDSA_SHA256, key, sig as BufferSource, payloadBytes as BufferSource)) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    throw new ManifestRefusedError('bad-signature', 'the manifest signature does not verify: it was altered or signed with another key', {
      subject: known.map((s) => s.keyId).join(', '),
    });
  }

  let payload: ManifestPayload;
  let rawPayload: unknown;
  try {
    rawPayload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
    payload = parseManifestPayload(rawPayload, options.onlyFeatures);
  } catch (error) {
    throw new ManifestRefusedError('malformed-payload', `the manifest payload does not match the schema: ${describe(error, rawPayload)}`);
  }
  if (payload.env !== options.env) {
    throw new ManifestRefusedError('wrong-env', `the manifest is for the "${payload.env}" environment, not "${options.env}"`, { subject: payload.env });
  }
  const now = options.now ?? new Date();
  if (options.checkExpiry !== false && Date.parse(payload.expiresAt) <= now.getTime()) {
    throw new ManifestRefusedError('expired', `the manifest expired at ${payload.expiresAt}`);
  }
  if (options.lastSerial !== undefined && payload.serial < options.lastSerial) {
    throw new ManifestRefusedError(
      'rollback',
      `the manifest serial ${payload.serial} is lower than the last accepted serial ${options.lastSerial}`,
    );
  }
  if (payload.unreviewed && !options.allowUnreviewed) {
    throw new ManifestRefusedError('unreviewed', 'the manifest was published for local development without sign-offs');
  }
  return payload;
}

function describe(error: unknown, input: unknown): string {
  if (error instanceof z.core.$ZodError) return formatZodIssues(error, { input });
  return error instanceof Error ? error.message : String(error);
}
