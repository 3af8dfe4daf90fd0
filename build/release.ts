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
import { findStagedFeatureProblems } from '../protocol/stages';
const DAY_MS = 24 * 60 * 60 * 1000;

/** One reason a release cannot be published, naming the feature or service (and role, for sign-offs). */
export interface ReleaseProblem {
  /** The feature's id, or the service's. */
  featureId: string;
  kind: 'not-in-lock' | 'version-mismatch' | 'stages' | 'sign-off' | 'service-not-in-lock' | 'service-version-mismatch' | 'service-sign-off';
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

/** How a release's features or services are matched with what the build shipped, and how their problems read. */
interface EntryRules<W, S, E> {
  kinds: { missing: ReleaseProblem['kind']; version: ReleaseProblem['kind']; signOff: ReleaseProblem['kind'] };
  /** What is not in the lock: its id and the ids that are. */
  describeMissing(id: string, built: string): string;
  describeVersion(id: string, wanted: string, shipped: string): string;
  /** The entry for the code the build ships, so sign-offs are checked against the lock, not the release's claim. */
  makeEntry(wanted: W, shipped: S): E;
  describeSignOff(problem: SignOffProblem): string;
}

/**
 * Matches every wanted item with the one the lock holds and collects every
 * problem at once, so one run shows all that needs fixing. Sign-offs are
 * checked with the same function the client uses; a local development
 * publish only warns about them.
 */
function buildEntries<W extends { id: string; version: string }, S extends { id: string; version: string }, E extends ManifestFeature | ManifestService>(
  wanted: readonly W[],
  locked: readonly S[],
  rules: EntryRules<W, S, E>,
  localDev = false,
): { entries: E[]; problems: ReleaseProblem[]; warnings: ReleaseProblem[] } {
  const built = new Map(locked.map((entry) => [entry.id, entry]));
  const entries: E[] = [];
  const problems: ReleaseProblem[] = [];
  const warnings: ReleaseProblem[] = [];
  for (const item of wanted) {
    const shipped = built.get(item.id);
    if (!shipped) {
      problems.push({ featureId: item.id, kind: rules.kinds.missing, message: rules.describeMissing(item.id, [...built.keys()].join(', ') || 'none') });
      continue;
    }
    if (item.version !== shipped.version) {
      problems.push({ featureId: item.id, kind: rules.kinds.version, message: rules.describeVersion(item.id, item.version, shipped.version) });
    }
    const entry = rules.makeEntry(item, shipped);
    for (const problem of findSignOffProblems(entry)) {
      const found: ReleaseProblem = { featureId: entry.id, kind: rules.kinds.signOff, role: problem.role, reason: problem.reason, message: rules.describeSignOff(problem) };
      (localDev ? warnings : problems).push(found);
    }
    entries.push(entry);
  }
  return { entries, problems, warnings };
}

/**
 * Builds the manifest's feature entries from the release and the lock file
 * (see buildEntries).
 *
 * @example
 *   const { features, problems } = buildFeatureEntries(release, lock);
 *   if (problems.length) console.error(problems.map((p) => p.message).join('\n'));
 */
export function buildFeatureEntries(release: Release, lock: LockFile, options: { localDev?: boolean } = {}): FeatureEntriesResult {
  // Stages in percent become basis points; their order is checked here, with every other problem.
  const plans = new Map(release.features.map((wanted) => [wanted.id, readStagedRollout(wanted)]));
  const { entries, problems, warnings } = buildEntries(
    release.features,
    lock.features,
    {
      kinds: { missing: 'not-in-lock', version: 'version-mismatch', signOff: 'sign-off' },
      describeMissing: (id, built) => `${id}: not in the build's lock file, so the add-on does not ship it (built: ${built})`,
      describeVersion: (id, wanted, shipped) => `${id}: the release says version ${wanted} but the build ships ${shipped}`,
      makeEntry: (wanted, shipped) =>
        manifestFeatureSchema.parse({
          id: shipped.id,
          version: shipped.version,
          sha256: shipped.sha256,
          files: shipped.files.map((file) => ({ path: file.path, sha256: file.sha256 })),
          rollout: plans.get(wanted.id)!.rollout,
          ...(plans.get(wanted.id)!.stages ? { stages: plans.get(wanted.id)!.stages } : {}),
          targeting: wanted.targeting,
          killed: wanted.killed,
          requiresAccount: shipped.requiresAccount,
          owners: shipped.owners,
          signOffs: wanted.signOffs,
          ...(wanted.exitCriteria ? { exitCriteria: wanted.exitCriteria } : {}),
        }),
      // The client shows the same message; only the publisher can act on where the right list is.
      describeSignOff: (problem) => problem.message + (problem.reason === 'stale-files' ? ' (after a new review, copy "files" from the lock file)' : ''),
    },
    options.localDev,
  );
  for (const wanted of release.features) {
    for (const { path, message } of plans.get(wanted.id)!.problems) {
      problems.push({ featureId: wanted.id, kind: 'stages', message: `${wanted.id}: ${path.join('.')} ${message}` });
    }
  }
  return { features: entries, problems, warnings };
}

/** A release feature's rollout and stage plan in basis points, with what is wrong with the plan's order. */
function readStagedRollout(wanted: Release['features'][number]) {
  const stages = wanted.stages && {
    startAt: wanted.stages.startAt,
    steps: wanted.stages.steps.map((step) => ({ ...step, rollout: percentToBasisPoints(step.rollout) })),
  };
  const rollout = wanted.rollout === undefined ? (stages?.steps[0]?.rollout ?? 0) : percentToBasisPoints(wanted.rollout);
  return { rollout, stages, problems: findStagedFeatureProblems({ rollout, stages, exitCriteria: wanted.exitCriteria }) };
}

/**
 * The manifest's service entries: every release service must be in the
 * build's services lock at that version, with security, privacy and
 * technical sign-offs for its folder hash from reviewers who do not own it
 * (see buildEntries).
 *
 * @example const { services, problems } = buildServiceEntries(release, servicesLock);
 */
export function buildServiceEntries(
  release: Release,
  lock: ServiceLockFile,
  options: { localDev?: boolean } = {},
): { services: ManifestService[]; problems: ReleaseProblem[]; warnings: ReleaseProblem[] } {
  const { entries, problems, warnings } = buildEntries(
    release.services,
    lock.services,
    {
      kinds: { missing: 'service-not-in-lock', version: 'service-version-mismatch', signOff: 'service-sign-off' },
      describeMissing: (id, built) => `service ${id}: not in the services lock file, so no server runs it (built: ${built})`,
      describeVersion: (id, wanted, shipped) => `service ${id}: the release says version ${wanted} but the build has ${shipped}`,
      makeEntry: (wanted, shipped) =>
        manifestServiceSchema.parse({ id: shipped.id, version: shipped.version, sha256: shipped.sha256, owners: shipped.owners, signOffs: wanted.signOffs }),
      describeSignOff: (problem) => `service ${problem.message.replace(/\bchunk\b/, 'folder').replace(/owns the feature$/, 'owns the service')}`,
    },
    options.localDev,
  );
  return { services: entries, problems, warnings };
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
