/**
 * Key files on disk. `npm run keys:generate` writes a pair:
 *   <keyId>.private.pem   PKCS#8, PEM: the channel's signing key; never in dist/ or git
 *   <keyId>.public.json   {"keyId": "…", "jwk": {kty, crv, x, y}}: what builds pin and servers trust
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PinnedKey } from './envelope';
import { ChannelError } from './errors';

export const PUBLIC_KEY_SUFFIX = '.public.json';
export const PRIVATE_KEY_SUFFIX = '.private.pem';

/**
 * A key file that cannot be used; `subject` and `path` are the file. Codes:
 * `unreadable-key-file` (missing, unreadable, not JSON) and `invalid-key-file`.
 */
export class KeyFileError extends ChannelError {
  constructor(
    readonly path: string,
    message: string,
    code: 'unreadable-key-file' | 'invalid-key-file' = 'invalid-key-file',
  ) {
    super(code, `${path}: ${message}`, { subject: path });
  }
}

/** Reads one public key file. */
export function readPublicKeyFile(path: string): PinnedKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new KeyFileError(path, `cannot read a public key: ${(error as Error).message}`, 'unreadable-key-file');
  }
  const key = parsed as Partial<PinnedKey>;
  if (typeof key?.keyId !== 'string' || !key.keyId) throw new KeyFileError(path, 'field "keyId" is missing');
  const jwk = key.jwk as JsonWebKey | undefined;
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new KeyFileError(path, 'field "jwk" must be a P-256 public key {kty: "EC", crv: "P-256", x, y}');
  }
  return { keyId: key.keyId, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } };
}

/**
 * Reads public keys from a list of files or folders (every *.public.json in a
 * folder), sorted by key id so that builds are reproducible.
 */
export function readPublicKeys(paths: readonly string[]): PinnedKey[] {
  const keys = new Map<string, PinnedKey>();
  for (const path of paths) {
    const files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith(PUBLIC_KEY_SUFFIX))
          .map((name) => join(path, name))
      : [path];
    for (const file of files) {
      const key = readPublicKeyFile(file);
      keys.set(key.keyId, key);
    }
  }
  return [...keys.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}

/** Reads a PKCS#8 PEM private key for signing; the key id is the file name's stem unless given. */
export async function readPrivateKey(path: string, keyId?: string): Promise<{ keyId: string; privateKey: CryptoKey }> {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeyFileError(path, `cannot read the private key: ${(error as Error).message}`, 'unreadable-key-file');
  }
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new KeyFileError(path, 'not a PKCS#8 PEM private key ("BEGIN PRIVATE KEY")');
  const der = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch (error) {
    throw new KeyFileError(path, `not a P-256 private key: ${(error as Error).message}`);
  }
  const name = path.split(/[\\/]/).pop()!;
  const id = keyId ?? (name.endsWith(PRIVATE_KEY_SUFFIX) ? name.slice(0, -PRIVATE_KEY_SUFFIX.length) : name);
  return { keyId: id, privateKey };
}
