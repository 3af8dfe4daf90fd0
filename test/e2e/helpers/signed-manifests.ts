/**
 * Signed manifests for tests, made the way the publish tool makes them:
 * ECDSA P-256 over the exact payload bytes, sign-offs bound to the lock file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LockFile } from '../../../protocol/release-schema';
import type { ManifestFeature, ManifestPayload } from '../../../protocol/manifest-schema';
import { decodeBase64url, encodeBase64url, signEnvelope } from '../../../protocol/envelope';

export interface TestKey {
  keyId: string;
  privateKey: CryptoKey;
}

/** Makes a key pair and writes its public half where a build can pin it. */
export async function makeTestKey(keysDir: string, keyId: string): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  mkdirSync(keysDir, { recursive: true });
  writeFileSync(
    join(keysDir, `${keyId}.public.json`),
    JSON.stringify({ keyId, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } }, null, 2),
  );
  return { keyId, privateKey: pair.privateKey };
}

/**
 * A feature entry for every locked feature named, with all three sign-offs by
 * a reviewer who is not an owner, each bound to the chunk and the content-script files.
 */
export function reviewedEntries(lock: LockFile, ids: string[], overrides: Partial<ManifestFeature> = {}): ManifestFeature[] {
  return ids.map((id) => {
    const locked = lock.features.find((feature) => feature.id === id);
    if (!locked) throw new Error(`the build has no feature ${id}`);
    const files = locked.files.map((file) => ({ path: file.path, sha256: file.sha256 }));
    const signOff = (reference: string) => ({
      reviewer: 'reviewer@services.example.org',
      date: '2026-11-20',
      reference,
      version: locked.version,
      sha256: locked.sha256,
      ...(files.length > 0 ? { files } : {}),
    });
    return {
      id,
      version: locked.version,
      sha256: locked.sha256,
      files,
      rollout: 10000,
      targeting: {},
      killed: false,
      requiresAccount: locked.requiresAccount,
      owners: locked.owners,
      signOffs: { security: signOff('SEC-1'), privacy: signOff('PRIV-1'), technical: signOff('TECH-1') },
      ...overrides,
    };
  });
}

export function makePayload(serial: number, features: ManifestFeature[]): ManifestPayload {
  const now = Date.now();
  return {
    schema: 1,
    env: 'beta',
    serial,
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 7 * 24 * 3600 * 1000).toISOString(),
    features,
  };
}

export async function signPayload(payload: ManifestPayload, key: TestKey): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  return JSON.stringify(await signEnvelope(bytes, [key]));
}

/** The envelope with its payload changed after signing: the signature no longer matches. */
export function tamperWith(envelopeText: string, change: (payload: ManifestPayload) => void): string {
  const envelope = JSON.parse(envelopeText) as { payload: string; signatures: unknown[] };
  const payload = JSON.parse(new TextDecoder().decode(decodeBase64url(envelope.payload))) as ManifestPayload;
  change(payload);
  envelope.payload = encodeBase64url(new TextEncoder().encode(JSON.stringify(payload)));
  return JSON.stringify(envelope);
}
