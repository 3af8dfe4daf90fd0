/**
 * `npm run keys:generate -- --out <dir> [--role root|manifest|halt] [--key-id <id>] [--name <prefix>]`
 *
 * Roles (DESIGN.md decision 11): a **root** key's public half is pinned in
 * builds (channel.config.json); root keys only sign key documents
 * (`npm run keys:publish`) and stay offline. A **manifest** key signs
 * manifests (`npm run publish`); the key document lists it, so it rotates
 * without a new add-on.
 *
 * Writes a channel signing key pair in exactly the formats build/key-files.ts
 * reads: `<keyId>.private.pem` (PKCS#8 PEM, mode 0600) and `<keyId>.public.json`
 * (`{"keyId", "jwk": {kty, crv, x, y}}`). Never overwrites an existing key:
 * replacing a pinned key by accident would lock every installed add-on out.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRIVATE_KEY_SUFFIX, PUBLIC_KEY_SUFFIX } from '../protocol/key-files';
import { describeForCli, SubjectBuildError } from './errors';
import { runAsCommand } from './run-as-command';

// Key ids end up in file names and in the envelope (max 128 characters).
const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

/** A key pair that cannot or must not be written; the subject is the flag or the file. */
export class KeyGenerationError extends SubjectBuildError<'invalid-key-id' | 'key-exists'> {}

export interface GenerateKeyPairOptions {
  /** Folder to write the pair into; created if missing. */
  outDir: string;
  /** Key id (file stem and envelope keyId); default `<name>-<YYYYMMDD>-<6 random hex>`. */
  keyId?: string;
  /** Prefix of the default key id; default "channel". */
  name?: string;
  /** Clock for the default key id's date. */
  now?: () => Date;
  /** Written into the public key file for people; the default name prefix too. */
  role?: KeyRole;
}

export const KEY_ROLES = ['root', 'manifest', 'halt'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface GeneratedKeyPair {
  keyId: string;
  privateKeyPath: string;
  publicKeyPath: string;
  /** The public key as builds pin it and servers trust it. */
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
}

/**
 * Makes the default key id: `<name>-<YYYYMMDD>-<6 random hex>` (UTC date).
 *
 * @example makeKeyId('channel', new Date('2026-11-25T10:00:00Z')) // "channel-20261125-3fa9c1"
 */
export function makeKeyId(name: string, date: Date, random: () => string = () => randomBytes(3).toString('hex')): string {
  const day = date.toISOString().slice(0, 10).replace(/-/g, '');
  return `${name}-${day}-${random()}`;
}

/**
 * Generates a P-256 signing key pair and writes both files; refuses to
 * overwrite either file.
 *
 * @example
 *   const { keyId, privateKeyPath } = await generateKeyPair({ outDir: 'keys' });
 *   // keys/channel-20261125-3fa9c1.private.pem, keys/channel-20261125-3fa9c1.public.json
 */
export async function generateKeyPair(options: GenerateKeyPairOptions): Promise<GeneratedKeyPair> {
  const name = options.name ?? options.role ?? 'channel';
  if (!NAME_PATTERN.test(name)) {
    throw new KeyGenerationError('invalid-key-id', `--name "${name}": use letters, digits, ".", "_" and "-" only`, '--name');
  }
  const keyId = options.keyId ?? makeKeyId(name, (options.now ?? (() => new Date()))());
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new KeyGenerationError('invalid-key-id', `--key-id "${keyId}": use 1–128 letters, digits, ".", "_" and "-", starting with a letter or digit`, '--key-id');
  }
  const outDir = resolve(options.outDir);
  const privateKeyPath = join(outDir, `${keyId}${PRIVATE_KEY_SUFFIX}`);
  const publicKeyPath = join(outDir, `${keyId}${PUBLIC_KEY_SUFFIX}`);
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (existsSync(path)) throw new KeyGenerationError('key-exists', `${path}: a key with id "${keyId}" already exists; refusing to overwrite it`, path);
  }

  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: exported.x!, y: exported.y! };

  mkdirSync(outDir, { recursive: true });
  // 'wx' fails if the file appeared since the check above, so a race cannot overwrite a key either.
  writeFileSync(privateKeyPath, toPem(pkcs8), { flag: 'wx', mode: 0o600 });
  chmodSync(privateKeyPath, 0o600); // the umask may not be the one we think
  const publicFile = options.role ? { keyId, role: options.role, jwk } : { keyId, jwk };
  writeFileSync(publicKeyPath, `${JSON.stringify(publicFile, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  return { keyId, privateKeyPath, publicKeyPath, jwk };
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** The CLI: parses argv, generates the pair and prints both paths. Returns the exit code. */
export async function runKeysCli(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let values: { out?: string; 'key-id'?: string; name?: string; role?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, 'key-id': { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    err(`keys:generate: ${(error as Error).message}`);
    return 2;
  }
  if (values.help || !values.out || (values.role !== undefined && !(KEY_ROLES as readonly string[]).includes(values.role))) {
    if (values.role !== undefined && !values.help) err(`keys:generate: --role "${values.role}" must be one of ${KEY_ROLES.join(', ')}`);
    (values.help ? out : err)('usage: npm run keys:generate -- --out <dir> [--role root|manifest|halt] [--key-id <id>] [--name <prefix>]');
    return values.help ? 0 : 2;
  }
  try {
    const role = values.role as KeyRole | undefined;
    const pair = await generateKeyPair({ outDir: values.out, keyId: values['key-id'], name: values.name, ...(role ? { role } : {}) });
    out(`key id:      ${pair.keyId}`);
    out(`private key: ${pair.privateKeyPath}  (keep it secret; never commit it)`);
    const use =
      role === 'root' ? 'pin it in builds (channel.config.json rootKeys) and on the server (ROOT_KEYS)'
        : role === 'manifest' ? 'list it in a key document: npm run keys:publish -- --manifest-key <it>'
        : role === 'halt' ? 'list it in a key document (npm run keys:publish -- --halt-key <it>) and give the private key to the server (HALT_KEY)'
          : 'pin it in builds, trust it on servers';
    out(`public key:  ${pair.publicKeyPath}  (${use})`);
    return 0;
  } catch (error) {
    err(`keys:generate: ${describeForCli(error)}`);
    return 1;
  }
}

runAsCommand(import.meta.url, runKeysCli);
