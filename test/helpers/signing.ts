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
