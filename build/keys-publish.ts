/**
 * `npm run keys:publish -- --root-key <private pem> [--root-key …] --manifest-key <public key file or folder> […]
 *    [--revoke <keyId>=<reason> …] [--threshold 1] [--expires-in 180] [--server <url>] [--out dist/keys.signed.json]`
 *
 * Writes the key document (protocol/key-document.ts): the manifest keys,
 * signed by the root keys. Revocations already published on the server are
 * kept, so a later document cannot forget one; roles this tool does not
 * manage (e.g. `halt`) are carried over as they are. Refuses a document that
 * would leave no valid manifest key. With --server, uploads it first and
 * writes --out only once the server took it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod/mini';
import { readPayloadBytes, signEnvelope } from '../protocol/envelope';
import { MANIFEST_ENV } from '../protocol/environments';
import { ADMIN_KEYS_PATH, findKeyDocumentProblems, KEY_DOCUMENT_KIND, KEYS_PATH, MAX_KEY_DOCUMENT_LIFETIME_DAYS, keyDocumentPayloadSchema, type KeyDocumentPayload } from '../protocol/key-document';
import { readPrivateKey, readPublicKeys } from '../protocol/key-files';
import { DAY_MS, readPlausibleSerial } from '../protocol/manifest-policy';
import { BuildError, describeForCli, UsageError } from './errors';
import { fetchPublished, uploadEnvelope, type FetchLike, type UploadAnswer } from './publish/server-client';
import { nextSerial } from './release';
import { runAsCommand } from './run-as-command';
import { parseFlags } from './parse-flags';

export const KEYS_PUBLISH_USAGE = `usage: npm run keys:publish -- --root-key <private pem> [--root-key …]
    --manifest-key <public key file or folder> [--manifest-key …] [--threshold <n, default 1>]
    [--halt-key <public key file or folder> …]
    [--revoke <keyId>=<reason> …] [--expires-in <days, default 180>] [--serial <n>]
    [--server <url>] [--admin-token <token> | env ADMIN_TOKEN] [--out dist/keys.signed.json]`;

export interface KeysPublishOptions {
  rootKeyPaths: string[];
  manifestKeyPaths: string[];
  /** The beta server's halt keys (public halves): listed under the `halt` role; absent keeps the published role. */
  haltKeyPaths?: string[];
  threshold: number;
  revoke: Array<{ keyId: string; reason: string }>;
  expiresInDays: number;
  serial?: number;
  server?: string;
  adminToken?: string;
  outPath: string;
}

/** The key document cannot be published as asked; the message lists why. */
export class KeyDocumentRefusedError extends BuildError {
  constructor(message: string) {
    super('release-refused', message, { subject: 'key document' });
  }
}

export function parseKeysPublishArgs(argv: string[], env: Record<string, string | undefined>): KeysPublishOptions | 'help' {
  const values = parseFlags(argv, {
    'root-key': { type: 'string', multiple: true },
    'manifest-key': { type: 'string', multiple: true },
    'halt-key': { type: 'string', multiple: true },
    threshold: { type: 'string', default: '1' },
    revoke: { type: 'string', multiple: true },
    'expires-in': { type: 'string', default: '180' },
    serial: { type: 'string' },
    server: { type: 'string' },
    'admin-token': { type: 'string' },
    out: { type: 'string', default: 'dist/keys.signed.json' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const list = (name: string) => (values[name] as string[] | undefined) ?? [];
  if (list('root-key').length === 0) throw new UsageError('missing --root-key', { subject: '--root-key' });
  if (list('manifest-key').length === 0) throw new UsageError('missing --manifest-key', { subject: '--manifest-key' });
  const number = (name: string, max: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${name} "${values[name]}" must be a whole number from 1 to ${max}`, { subject: `--${name}` });
    return value;
  };
  const revoke = list('revoke').map((entry) => {
    const match = /^([^=]+)=(.+)$/s.exec(entry);
    if (!match) throw new UsageError(`--revoke "${entry}" must be <keyId>=<reason>`, { subject: '--revoke' });
    return { keyId: match[1]!.trim(), reason: match[2]!.trim() };
  });
  const options: KeysPublishOptions = {
    rootKeyPaths: list('root-key'),
    manifestKeyPaths: list('manifest-key'),
    haltKeyPaths: list('halt-key'),
    threshold: number('threshold', 16),
    revoke,
    expiresInDays: number('expires-in', MAX_KEY_DOCUMENT_LIFETIME_DAYS),
    outPath: values.out as string,
  };
  if (values.serial !== undefined) options.serial = number('serial', Number.MAX_SAFE_INTEGER);
  if (values.server !== undefined) {
    const server = String(values.server);
    if (!/^https?:\/\/[^/]/.test(server)) throw new UsageError(`--server "${server}" must be an http(s) URL`, { subject: '--server' });
    options.server = server.replace(/\/+$/, '');
    options.adminToken = (values['admin-token'] as string | undefined) ?? env.ADMIN_TOKEN;
    if (!options.adminToken) throw new UsageError('--server needs an admin token: pass --admin-token or set ADMIN_TOKEN', { subject: '--admin-token' });
  }
  return options;
}

export interface KeysPublishDeps {
  fetch: FetchLike;
  now: () => Date;
  writeText: (path: string, text: string) => void;
}

const defaultDeps: KeysPublishDeps = {
  fetch: (url, init) => fetch(url, init),
  now: () => new Date(),
  writeText: (path, text) => {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
  },
};

/**
 * Builds, checks, signs, uploads (with --server) and writes a key document.
 *
 * @example
 * await publishKeyDocument({ rootKeyPaths: ['root.private.pem'], manifestKeyPaths: ['keys/manifest'], threshold: 1,
 *   revoke: [], expiresInDays: 180, outPath: 'dist/keys.signed.json' });
 */
export async function publishKeyDocument(options: KeysPublishOptions, overrides: Partial<KeysPublishDeps> = {}): Promise<{ payload: KeyDocumentPayload; upload?: UploadAnswer }> {
  const deps = { ...defaultDeps, ...overrides };
  const roots = await Promise.all(options.rootKeyPaths.map((path) => readPrivateKey(path)));
  const manifestKeys = readPublicKeys(options.manifestKeyPaths);
  const previous = options.server ? readLive(await fetchPublished(options.server, KEYS_PATH, deps.fetch)) : undefined;
  // Without --halt-key the published halt role stays, with its keys.
  const previousHalt = new Set(previous?.roles.halt?.keyIds ?? []);
  const haltKeys = options.haltKeyPaths?.length ? readPublicKeys(options.haltKeyPaths) : (previous?.keys.filter((key) => previousHalt.has(key.keyId)) ?? []);
  const now = deps.now();
  const revoked = [...(previous?.revoked ?? [])];
  for (const entry of options.revoke) {
    if (!revoked.some((key) => key.keyId === entry.keyId)) revoked.push({ ...entry, revokedAt: now.toISOString() });
  }
  const revokedIds = new Set(revoked.map((key) => key.keyId));
  const listed = manifestKeys.filter((key) => !revokedIds.has(key.keyId));
  const halts = haltKeys.filter((key) => !revokedIds.has(key.keyId));
  const last = readPlausibleSerial(previous?.serial);
  const serial = options.serial ?? nextSerial(last, now);
  const payload = {
    schema: 1,
    kind: KEY_DOCUMENT_KIND,
    env: MANIFEST_ENV,
    serial,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + options.expiresInDays * DAY_MS).toISOString(),
    keys: [...listed, ...halts].map((key) => ({ keyId: key.keyId, jwk: { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y } })),
    roles: {
      ...(previous?.roles ?? {}),
      manifest: { keyIds: listed.map((key) => key.keyId), threshold: options.threshold },
      ...(halts.length > 0 ? { halt: { keyIds: halts.map((key) => key.keyId) } } : {}),
    },
    revoked,
  };
  const skipped = manifestKeys.filter((key) => revokedIds.has(key.keyId)).map((key) => `${key.keyId} is revoked and is left out`);
  const problems = findKeyDocumentProblems(payload as KeyDocumentPayload).map((problem) => `${problem.path.join('.')}: ${problem.message}`);
  if (problems.length > 0) throw new KeyDocumentRefusedError(`refused: the key document ${problems.join('; ')}${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
  if (last !== undefined && serial <= last) throw new KeyDocumentRefusedError(`refused: --serial ${serial} is not above the published serial ${last}`);
  const parsed = keyDocumentPayloadSchema.parse(payload);
  const envelope = await signEnvelope(new TextEncoder().encode(JSON.stringify(parsed)), roots);
  const text = `${JSON.stringify(envelope, null, 2)}\n`;
  const upload = options.server ? await uploadEnvelope(`${options.server}${ADMIN_KEYS_PATH}`, options.adminToken!, text, deps.fetch) : undefined;
  deps.writeText(options.outPath, text);
  return { payload: parsed, ...(upload ? { upload } : {}) };
}

/** The live key document's payload, unverified: it only supplies the serial, the revocations and other roles to keep. */
function readLive(text: string | undefined): Pick<KeyDocumentPayload, 'serial' | 'revoked' | 'roles' | 'keys'> | undefined {
  if (text === undefined) return undefined;
  const bytes = readPayloadBytes(text);
  const result = bytes ? z.safeParse(keyDocumentPayloadSchema, safeJson(new TextDecoder().decode(bytes))) : undefined;
  if (!result?.success) throw new KeyDocumentRefusedError(`the server serves something at ${KEYS_PATH} that is not a key document`);
  return result.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function runKeysPublishCli(argv: string[], env: Record<string, string | undefined> = process.env, out = console.log, err = console.error): Promise<number> {
  let options: KeysPublishOptions | 'help';
  try {
    options = parseKeysPublishArgs(argv, env);
  } catch (error) {
    err(`keys:publish: ${(error as Error).message}\n${KEYS_PUBLISH_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out(KEYS_PUBLISH_USAGE);
    return 0;
  }
  try {
    const { payload, upload } = await publishKeyDocument(options);
    out(`signed key document serial ${payload.serial}, expires ${payload.expiresAt}: manifest keys ${payload.roles.manifest.keyIds.join(', ')}` +
      (payload.revoked.length ? `; revoked ${payload.revoked.map((key) => key.keyId).join(', ')}` : ''));
    if (upload) out(`uploaded to ${options.server}: HTTP ${upload.status} ${JSON.stringify(upload.body)}`);
    out(`wrote ${options.outPath}`);
    return 0;
  } catch (error) {
    err(`keys:publish: ${describeForCli(error)}`);
    return 1;
  }
}

runAsCommand(import.meta.url, runKeysPublishCli);
