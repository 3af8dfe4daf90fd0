/**
 * Channel keys and signed manifests for tests and benchmarks, made the way the
 * publish tool makes them: ECDSA P-256 through WebCrypto over the exact
 * payload bytes. The one place tests make keys and sign.
 *
 * @example
 * const key = await createSigningKey('channel-2026');
 * const envelope = await signPayload(makeManifestPayload({ serial: 3 }), key);
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { decodeBase64url, encodeBase64url, signEnvelope, type PinnedKey } from '../../protocol/envelope';

export interface Signer {
  keyId: string;
  privateKey: CryptoKey;
}

/** A private key to sign with, and its public half as a build pins it or a server trusts it. */
export interface SigningKey extends Signer {
  pinned: PinnedKey;
  publicKey: CryptoKey;
}

/** One key per id, made at once. */
export function createSigningKeys(...keyIds: string[]): Promise<SigningKey[]> {
  return Promise.all(keyIds.map((keyId) => createSigningKey(keyId)));
}

export async function createSigningKey(keyId: string): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    keyId,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    pinned: { keyId, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } },
  };
}

/** Writes the public half as `<keyId>.public.json`, where a build (SBC_PUBLIC_KEYS) or the server (PUBLIC_KEYS) finds it. */
export function writePublicKey(keysDir: string, key: SigningKey): string {
  mkdirSync(keysDir, { recursive: true });
  const path = join(keysDir, `${key.keyId}.public.json`);
  writeFileSync(path, JSON.stringify(key.pinned, null, 2));
  return path;
}

/** A new key whose public half is written where a build can pin it. */
export async function createPinnedKey(keysDir: string, keyId: string): Promise<SigningKey> {
  const key = await createSigningKey(keyId);
  writePublicKey(keysDir, key);
  return key;
}

/**
 * Signs a payload (an object, serialised as JSON, or the exact bytes) with
 * every signer given, singly or in lists, and returns the envelope's text.
 */
export async function signPayload(payload: unknown, ...signers: Array<Signer | readonly Signer[]>): Promise<string> {
  const bytes = payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload));
  return JSON.stringify(await signEnvelope(bytes, signers.flat()));
}

/** The envelope with its payload changed after signing: the signature no longer matches. */
export function tamperWith(envelopeText: string, change: (payload: ManifestPayload) => void): string {
  const envelope = JSON.parse(envelopeText) as { payload: string; signatures: unknown[] };
  const payload = JSON.parse(new TextDecoder().decode(decodeBase64url(envelope.payload))) as ManifestPayload;
  change(payload);
  envelope.payload = encodeBase64url(new TextEncoder().encode(JSON.stringify(payload)));
  return JSON.stringify(envelope);
}

/**
 * A key document payload listing the manifest keys (all in the manifest role,
 * threshold 1), valid for 180 days from `issuedAt`, with any field replaced.
 */
export function makeKeyDocument(
  manifestKeys: readonly PinnedKey[],
  overrides: Record<string, unknown> = {},
  issuedAt = Date.now() - 60_000,
): Record<string, unknown> {
  return {
    schema: 1,
    kind: 'key-document',
    env: 'beta',
    serial: 1,
    issuedAt: new Date(issuedAt).toISOString(),
    expiresAt: new Date(issuedAt + 180 * 86_400_000).toISOString(),
    keys: manifestKeys.map((key) => ({ keyId: key.keyId, jwk: { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y } })),
    roles: { manifest: { keyIds: manifestKeys.map((key) => key.keyId), threshold: 1 } },
    revoked: [],
    ...overrides,
  };
}

/** A key document listing the manifest keys, signed by the root key(s). */
export function signKeyDocument(
  roots: Signer | readonly Signer[],
  manifestKeys: readonly PinnedKey[],
  overrides: Record<string, unknown> = {},
  issuedAt?: number,
): Promise<string> {
  return signPayload(makeKeyDocument(manifestKeys, overrides, issuedAt), roots);
}

/** Writes the private half as `<keyId>.private.pem` (PKCS#8), as keys:generate does: what the server's HALT_KEY names. */
export async function writePrivateKey(keysDir: string, key: SigningKey): Promise<string> {
  mkdirSync(keysDir, { recursive: true });
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key.privateKey)).toString('base64');
  const path = join(keysDir, `${key.keyId}.private.pem`);
  writeFileSync(path, `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`);
  return path;
}
