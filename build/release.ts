/**
 * Pure functions that turn a release file and the build's lock file into a
 * manifest payload. No I/O here, so the refusal rules are tested directly and
 * the publish CLI only adds files, keys and the network around them.
 */
import {
  MANIFEST_SCHEMA_VERSION,
  findSignOffProblems,
  manifestFeatureSchema,
  manifestPayloadSchema,
  manifestServiceSchema,
  type ManifestFeature,
  type ManifestPayload,
  type ManifestService,
  type SignOffProblem,
  type SignOffRole,
} from '../protocol/manifest-schema';
import type { LockFile } from '../protocol/release-schema';
import type { Release } from '../protocol/release-schema';
import type { ServiceLockFile } from '../protocol/service-schema';
import { MANIFEST_ENV } from '../protocol/environments';
const DAY_MS = 24 * 60 * 60 * 1000;

/** One reason a release cannot be published, naming the feature or service (and role, for sign-offs). */
export interface ReleaseProblem {
  /** The feature's id, or the service's. */
  featureId: string;
  kind: 'not-in-lock' | 'version-mismatch' | 'sign-off' | 'service-not-in-lock' | 'service-version-mismatch' | 'service-sign-off';
  role?: SignOffRole;
  reason?: SignOffProblem['reason'];
  message: string;
}

export interface FeatureEntriesResult {
  /** Entries for every release feature the build ships (all of them when `problems` is empty). */
  features: ManifestFeature[];
  /** Problems that block publishing. */
  problems: ReleaseProblem[];
  /** Sign-off problems let through by a local development publish. */
  warnings: ReleaseProblem[];
}

/**
 * Builds the manifest's feature entries from the release and the lock file
 * and collects every problem at once, so one run shows all that needs fixing.
 * Sign-offs are checked with the same function the client uses.
 *
 * @example
 *   const { features, problems } = buildFeatureEntries(release, lock);
 *   if (problems.length) console.error(problems.map((p) => p.message).join('\n'));
 */
export function buildFeatureEntries(release: Release, lock: LockFile, options: { localDev?: boolean } = {}): FeatureEntriesResult {
  const built = new Map(lock.features.map((entry) => [entry.id, entry]));
  const features: ManifestFeature[] = [];
  const problems: ReleaseProblem[] = [];
  const warnings: ReleaseProblem[] = [];

  for (const wanted of release.features) {
    const shipped = built.get(wanted.id);
    if (!shipped) {
      problems.push({
        featureId: wanted.id,
        kind: 'not-in-lock',
        message: `${wanted.id}: not in the build's lock file, so the add-on does not ship it (built: ${[...built.keys()].join(', ') || 'none'})`,
      });
      continue;
    }
    if (wanted.version !== shipped.version) {
      problems.push({
        featureId: wanted.id,
        kind: 'version-mismatch',
        message: `${wanted.id}: the release says version ${wanted.version} but the build ships ${shipped.version}`,
      });
    }
    // The entry describes the code the add-on actually ships, so sign-offs are
    // checked against the lock's version, chunk and files, not the release's claim.
    const entry = manifestFeatureSchema.parse({
      id: shipped.id,
      version: shipped.version,
      sha256: shipped.sha256,
      files: shipped.files.map((file) => ({ path: file.path, sha256: file.sha256 })),
      rollout: percentToBasisPoints(wanted.rollout),
      targeting: wanted.targeting,
      killed: wanted.killed,
      requiresAccount: shipped.requiresAccount,
      owners: shipped.owners,
      signOffs: wanted.signOffs,
      ...(wanted.exitCriteria ? { exitCriteria: wanted.exitCriteria } : {}),
    });
    for (const problem of findSignOffProblems(entry)) {
      // The client shows the same message; only the publisher can act on where the right list is.
      const hint = problem.reason === 'stale-files' ? ' (after a new review, copy "files" from the lock file)' : '';
      const found: ReleaseProblem = { featureId: entry.id, kind: 'sign-off', role: problem.role, reason: problem.reason, message: problem.message + hint };
      (options.localDev ? warnings : problems).push(found);
    }
    features.push(entry);
  }
  return { features, problems, warnings };
}

/**
 * The manifest's service entries: every release service must be in the
 * build's services lock at that version, with security, privacy and
 * technical sign-offs for its folder hash from reviewers who do not own it.
 * Same check as for features; a local development publish only warns.
 *
 * @example const { services, problems } = buildServiceEntries(release, servicesLock);
 */
export function buildServiceEntries(
  release: Release,
  lock: ServiceLockFile,
  options: { localDev?: boolean } = {},
): { services: ManifestService[]; problems: ReleaseProblem[]; warnings: ReleaseProblem[] } {
  const built = new Map(lock.services.map((entry) => [entry.id, entry]));
  const services: ManifestService[] = [];
  const problems: ReleaseProblem[] = [];
  const warnings: ReleaseProblem[] = [];
  for (const wanted of release.services) {
    const shipped = built.get(wanted.id);
    if (!shipped) {
      const known = [...built.keys()].join(', ') || 'none';
      problems.push({ featureId: wanted.id, kind: 'service-not-in-lock', message: `service ${wanted.id}: not in the services lock file, so no server runs it (built: ${known})` });
      continue;
    }
    if (wanted.version !== shipped.version) {
      problems.push({
        featureId: wanted.id,
        kind: 'service-version-mismatch',
        message: `service ${wanted.id}: the release says version ${wanted.version} but the build has ${shipped.version}`,
      });
    }
    const entry = manifestServiceSchema.parse({ id: shipped.id, version: shipped.version, sha256: shipped.sha256, owners: shipped.owners, signOffs: wanted.signOffs });
    for (const problem of findSignOffProblems(entry)) {
      const message = `service ${problem.message.replace(/\bchunk\b/, 'folder').replace(/owns the feature$/, 'owns the service')}`;
      (options.localDev ? warnings : problems).push({ featureId: entry.id, kind: 'service-sign-off', role: problem.role, reason: problem.reason, message });
    }
    services.push(entry);
  }
  return { services, problems, warnings };
}

/**
 * 12.34 % → 1234 basis points. Rounds away float noise (0.29 * 100 = 28.999…).
 *
 * @example percentToBasisPoints(2.5) // 250
 */
export function percentToBasisPoints(percent: number): number {
  return Math.round(percent * 100);
}

export interface PayloadOptions {
  features: ManifestFeature[];
  /** Deployed beta services; none when absent. */
  services?: ManifestService[];
  serial: number;
  issuedAt: Date;
  /** Days until clients refuse the manifest as expired. */
  expiresInDays: number;
  /** Marks the payload as published without review: only local development builds accept it. */
  localDev?: boolean;
  /** Minutes between the add-on's manifest checks (the release file's pollIntervalMinutes). */
  pollIntervalMinutes?: number;
}

/**
 * Assembles the payload and validates it against the shared manifest schema,
 * so the publisher can never sign something the client would reject as malformed.
 *
 * @example buildManifestPayload({ features, serial: 1764000000, issuedAt: new Date(), expiresInDays: 7 })
 */
export function buildManifestPayload(options: PayloadOptions): ManifestPayload {
  if (!(options.expiresInDays > 0)) throw new RangeError(`--expires-in must be a positive number of days, not ${options.expiresInDays}`);
  const payload = {
    schema: MANIFEST_SCHEMA_VERSION,
    env: MANIFEST_ENV,
    serial: options.serial,
    issuedAt: options.issuedAt.toISOString(),
    expiresAt: new Date(options.issuedAt.getTime() + options.expiresInDays * DAY_MS).toISOString(),
    ...(options.localDev ? { unreviewed: true } : {}),
    ...(options.pollIntervalMinutes === undefined ? {} : { pollIntervalMinutes: options.pollIntervalMinutes }),
    features: options.features,
    ...(options.services?.length ? { services: options.services } : {}),
  };
  return manifestPayloadSchema.parse(payload);
}

/**
 * The next serial: above the last one published and never behind the clock,
 * so two publishers who each only see their own last file still move forward.
 *
 * @example nextSerial(undefined, new Date('2026-11-25T00:00:00Z')) // 1795564800
 */
export function nextSerial(previous: number | undefined, now: Date): number {
  return Math.max((previous ?? 0) + 1, Math.floor(now.getTime() / 1000));
}

/** UTF-8 bytes of the payload: the exact bytes that get signed. */
export function encodePayload(payload: ManifestPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}
