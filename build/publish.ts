/**
 * `npm run publish -- --release <file> --key <private key> [--server <url>] …`
 *
 * Checks a release against the build's lock file (every feature shipped, at
 * the shipped version, with security, privacy and technical sign-offs for
 * that exact code by someone who does not own it), signs the manifest and
 * writes it; with --server, uploads it. Refuses with every problem listed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Envelope, ManifestPayload } from '../protocol/manifest-schema';
import { signEnvelope } from '../protocol/envelope';
import { checkManifestPolicy, DAY_MS, DEFAULT_MAX_LIFETIME_DAYS, readPlausibleSerial } from '../protocol/manifest-policy';
import { readPrivateKey } from '../protocol/key-files';
import { BuildError, describeForCli, UsageError } from './errors';
import { PUBLISH_USAGE, parsePublishArgs, type PublishOptions } from './publish/args';
import { fetchPublishedSerial, readEnvelopeSerial, uploadManifest, type FetchLike, type UploadAnswer } from './publish/server-client';
import { buildFeatureEntries, buildManifestPayload, buildServiceEntries, encodePayload, nextSerial, type ReleaseProblem } from './release';
import { parseLockFile, parseReleaseFile, parseServicesLockFile, ReleaseFileError } from '../protocol/release-schema';
import type { ManifestService } from '../protocol/manifest-schema';
import { runAsCommand } from './run-as-command';

const MAX_LIFETIME_MS = DEFAULT_MAX_LIFETIME_DAYS * DAY_MS;

/** The release cannot be published as it is; `problems` lists all of it. */
export class ReleaseRefusedError extends BuildError {
  constructor(
    readonly releasePath: string,
    readonly problems: ReleaseProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super('release-refused', `${releasePath}: refused, ${count}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`, {
      subject: releasePath,
    });
  }
}

/** An explicit --serial that would not move the channel forward. */
export class SerialError extends BuildError {
  constructor(message: string) {
    super('stale-serial', message, { subject: '--serial' });
  }
}

export interface PublishDeps {
  readText: (path: string) => string;
  fileExists: (path: string) => boolean;
  writeText: (path: string, text: string) => void;
  fetch: FetchLike;
  now: () => Date;
  log: (line: string) => void;
  warn: (line: string) => void;
}

const defaultDeps: PublishDeps = {
  readText: (path) => readFileSync(path, 'utf8'),
  fileExists: existsSync,
  writeText: (path, text) => {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
  },
  fetch: (url, init) => fetch(url, init),
  now: () => new Date(),
  log: (line) => console.log(line),
  warn: (line) => console.error(line),
};

export interface PublishResult {
  payload: ManifestPayload;
  envelope: Envelope;
  outPath: string;
  /** The server's answer, with --server. */
  upload?: UploadAnswer;
  /** Sign-off problems let through by --local-dev. */
  warnings: ReleaseProblem[];
}

/**
 * Checks, signs, (with `server`) uploads, and then writes a release: the
 * --out file appears only once the server has taken its serial.
 * Throws ReleaseFileError, ReleaseRefusedError, KeyFileError, SerialError,
 * ManifestRefusedError (the manifest policy: lifetime, serial) or ServerError.
 *
 * @example
 *   await publishRelease({ releasePath: 'release/example.json', keyPath: 'keys/channel.private.pem',
 *     lockPath: 'dist/features.lock.json', outPath: 'dist/manifest.signed.json', expiresInDays: 7, localDev: false });
 */
export async function publishRelease(options: PublishOptions, overrides: Partial<PublishDeps> = {}): Promise<PublishResult> {
  const deps = { ...defaultDeps, ...overrides };
  const release = parseReleaseFile(readFile(deps, options.releasePath, 'the release file'), options.releasePath);
  const lock = parseLockFile(readFile(deps, options.lockPath, 'the lock file (run npm run build first)'), options.lockPath);

  const { features, problems, warnings } = buildFeatureEntries(release, lock, { localDev: options.localDev });
  let services: ManifestService[] = [];
  if (release.services.length > 0) {
    const servicesLockPath = options.servicesLockPath ?? join(dirname(options.lockPath), 'services.lock.json');
    const servicesLock = parseServicesLockFile(readFile(deps, servicesLockPath, 'the services lock file (run npm run build first)'), servicesLockPath);
    const checked = buildServiceEntries(release, servicesLock, { localDev: options.localDev });
    services = checked.services;
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
  }
  if (problems.length) throw new ReleaseRefusedError(options.releasePath, problems);
  for (const warning of warnings) deps.warn(`warning (local development only): ${warning.message}`);

  // Read the key before touching the network: a wrong path should not cost a round trip.
  const signer = await readPrivateKey(options.keyPath, options.keyId);
  const now = deps.now();
  const previous = await readPreviousSerial(options, deps);
  const serial = chooseSerial(options, previous, now);
  const payload = buildManifestPayload({
    features,
    services,
    serial,
    issuedAt: now,
    expiresInDays: options.expiresInDays,
    localDev: options.localDev,
    ...(release.pollIntervalMinutes === undefined ? {} : { pollIntervalMinutes: release.pollIntervalMinutes }),
  });
  checkManifestPolicy(payload, { now, maxLifetimeMs: MAX_LIFETIME_MS, ...(previous === undefined ? {} : { lastSerial: previous }) });
  const envelope = await signEnvelope(encodePayload(payload), [signer]);
  const envelopeText = `${JSON.stringify(envelope, null, 2)}\n`;

  const result: PublishResult = { payload, envelope, outPath: options.outPath, warnings };
  // Upload first: a signed file is written only for a serial the server took, so a refused
  // upload leaves no second manifest under that serial lying around to be served later.
  if (options.server) {
    result.upload = await uploadManifest(options.server, options.adminToken!, envelopeText, deps.fetch);
  }
  deps.writeText(options.outPath, envelopeText);
  return result;
}

/** The previous serial is the highest of the --out file's and the server's. */
async function readPreviousSerial(options: PublishOptions, deps: PublishDeps): Promise<number | undefined> {
  const previous: number[] = [];
  if (deps.fileExists(options.outPath)) {
    try {
      previous.push(readEnvelopeSerial(deps.readText(options.outPath)));
    } catch (error) {
      deps.warn(`warning: ${options.outPath} is not a signed manifest (${(error as Error).message}); overwriting it`);
    }
  }
  if (options.server) {
    const live = await fetchPublishedSerial(options.server, deps.fetch);
    if (live !== undefined) previous.push(live);
  }
  return readPlausibleSerial(previous.length ? Math.max(...previous) : undefined);
}

function chooseSerial(options: PublishOptions, last: number | undefined, now: Date): number {
  if (options.serial === undefined) return nextSerial(last, now);
  if (last !== undefined && options.serial <= last) {
    throw new SerialError(`--serial ${options.serial} is not above the last published serial ${last}: clients would keep the old manifest`);
  }
  return options.serial;
}

function readFile(deps: PublishDeps, path: string, what: string): string {
  try {
    return deps.readText(path);
  } catch (error) {
    throw new ReleaseFileError(path, [`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], 'unreadable-file');
  }
}

/**
 * The CLI: parses argv, publishes and prints the outcome. Returns the exit
 * code: 0 published, 1 refused or failed, 2 usage mistake.
 */
export async function runPublishCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<PublishDeps> = {},
): Promise<number> {
  const deps = { ...defaultDeps, ...overrides };
  let options: PublishOptions | 'help';
  try {
    options = parsePublishArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.warn(`publish: ${error.message}\n${PUBLISH_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    deps.log(PUBLISH_USAGE);
    return 0;
  }
  try {
    const result = await publishRelease(options, deps);
    const { payload } = result;
    const ids = payload.features.map((f) => `${f.id}@${f.version}${f.killed ? ' (killed)' : ''}`).join(', ') || 'no features';
    const serviceIds = (payload.services ?? []).map((s) => `${s.id}@${s.version}`).join(', ') || 'none';
    deps.log(`signed manifest serial ${payload.serial}, expires ${payload.expiresAt}: ${ids}; services: ${serviceIds}`);
    deps.log(`wrote ${result.outPath}`);
    if (payload.unreviewed) deps.warn('UNREVIEWED: published for local development; beta builds refuse this manifest');
    if (result.upload) {
      deps.log(`uploaded to ${options.server}: HTTP ${result.upload.status} ${JSON.stringify(result.upload.body)}`);
    }
    return 0;
  } catch (error) {
    deps.warn(`publish: ${describeForCli(error)}`);
    return 1;
  }
}

runAsCommand(import.meta.url, runPublishCli);
