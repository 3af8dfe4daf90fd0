/**
 * The release file (release/*.json): which built features are in the beta
 * channel, for whom, and who signed them off. Documented in release/README.md.
 * The lock file schema lives here too: publish reads both and names the file
 * and field of anything wrong.
 */
import * as z from 'zod/mini';
import './zod-english';
import { ChannelError } from './errors';
import { exitCriteriaSchema } from './exit-criteria';
import { featureId, pollIntervalMinutes, semver, sha256Hex, signOffSchema, targetingSchema } from './manifest-schema';
import { releaseServiceSchema, serviceLockFileSchema, type ServiceLockFile } from './service-schema';
import { listZodIssues } from './zod-issues';
import { GATE_NAMES, MAX_STAGES, stageSchema } from './stages';

/** Rollout in percent, at most two decimals, because the manifest carries basis points. */
const rolloutPercent = z
  .number()
  .check(
    z.gte(0, 'must be a percentage from 0 to 100'),
    z.lte(100, 'must be a percentage from 0 to 100'),
    z.refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'must have at most two decimals (basis points)'),
  );

/** A staged rollout as people write it: each stage's rollout in percent; publish turns it into basis points. */
const releaseStagesSchema = z.strictObject({
  startAt: z.iso.datetime({ offset: true }),
  steps: z
    .array(z.strictObject({ rollout: rolloutPercent, minMinutes: stageSchema.shape.minMinutes, gates: z._default(z.array(z.enum(GATE_NAMES)), []) }))
    .check(z.minLength(1), z.maxLength(MAX_STAGES)),
});

export const releaseFeatureSchema = z.strictObject({
  id: featureId,
  /** Must equal the version the build shipped (dist/features.lock.json). */
  version: semver,
  /** Required unless `stages` is given; with stages it may only repeat the first stage's. */
  rollout: z.optional(rolloutPercent),
  /** 1% → 5% → 25% → 100%, each with a minimum duration and gates (protocol/stages.ts); the add-on follows it by the clock. */
  stages: z.optional(releaseStagesSchema),
  targeting: z._default(targetingSchema, {}),
  killed: z._default(z.boolean(), false),
  // Roles may be absent here: publish reports each missing role by name, which
  // says more than a schema error would.
  signOffs: z._default(
    z.strictObject({
      security: z.optional(signOffSchema),
      privacy: z.optional(signOffSchema),
      technical: z.optional(signOffSchema),
    }),
    {},
  ),
  /** Carried into the manifest entry as it is; see exit-criteria.ts. */
  exitCriteria: z.optional(exitCriteriaSchema),
});
export type ReleaseFeature = z.infer<typeof releaseFeatureSchema>;

export const releaseSchema = z
  .strictObject({
    /** Free text for people reading the file; not published. */
    description: z.optional(z.string().check(z.maxLength(2000))),
    /** Published as the manifest's pollIntervalMinutes (5–360); absent leaves the add-on's default, 15. */
    pollIntervalMinutes: z.optional(pollIntervalMinutes),
    features: z.array(releaseFeatureSchema).check(z.maxLength(500)),
    /** Beta services to deploy, each signed off for the version and folder hash in dist/services.lock.json. */
    services: z._default(z.array(releaseServiceSchema).check(z.maxLength(100)), []),
  })
  .check(
    z.superRefine((release, ctx) => {
      const seen = new Set<string>();
      release.features.forEach((feature, index) => {
        if (feature.rollout === undefined && !feature.stages) {
          ctx.addIssue({ code: 'custom', path: ['features', index, 'rollout'], message: 'is required: a rollout in percent, or "stages"' });
        }
        if (seen.has(feature.id)) {
          ctx.addIssue({ code: 'custom', path: ['features', index, 'id'], message: `"${feature.id}" is listed more than once` });
        }
        seen.add(feature.id);
      });
      const services = new Set<string>();
      release.services.forEach((service, index) => {
        if (services.has(service.id)) {
          ctx.addIssue({ code: 'custom', path: ['services', index, 'id'], message: `"${service.id}" is listed more than once` });
        }
        services.add(service.id);
      });
    }),
  );
export type Release = z.infer<typeof releaseSchema>;

/** One entry of dist/features.lock.json. */
export interface LockEntry {
  id: string;
  version: string;
  name: string;
  /** Path of the feature's chunk inside the add-on, e.g. "features/reading-time/index.js". */
  chunk: string;
  /** SHA-256 (hex) of the chunk file's exact bytes. */
  sha256: string;
  /** Content scripts and other files of the feature, each with its SHA-256. */
  files: Array<{ path: string; sha256: string }>;
  owners: string[];
  requiresAccount: boolean;
}

export interface LockFile {
  lockfileVersion: 1;
  features: LockEntry[];
}

export const lockFileSchema = z.object({
  lockfileVersion: z.literal(1),
  features: z.array(
    z.object({
      id: featureId,
      version: semver,
      name: z.string(),
      chunk: z.string().check(z.minLength(1)),
      sha256: sha256Hex,
      files: z.array(z.object({ path: z.string().check(z.minLength(1)), sha256: sha256Hex })),
      owners: z.array(z.string().check(z.minLength(1))),
      requiresAccount: z.boolean(),
    }),
  ),
}) satisfies z.ZodMiniType<LockFile>;

/**
 * A release or lock file that cannot be used; the message names the file and
 * every bad field, `subject` is the file. Codes: `invalid-file` (schema or
 * JSON), `unreadable-file`.
 */
export class ReleaseFileError extends ChannelError {
  constructor(
    readonly path: string,
    readonly problems: string[],
    code = 'invalid-file',
  ) {
    super(code, `${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { subject: path });
  }
}

/**
 * Parses a release file's text; throws ReleaseFileError listing every bad field.
 *
 * @example parseReleaseFile(readFileSync('release/example.json', 'utf8'), 'release/example.json')
 */
export function parseReleaseFile(text: string, path: string): Release {
  return parseJsonFile(text, path, releaseSchema);
}

/** Parses dist/features.lock.json; throws ReleaseFileError listing every bad field. */
export function parseLockFile(text: string, path: string): LockFile {
  return parseJsonFile(text, path, lockFileSchema);
}

/** Parses dist/services.lock.json; throws ReleaseFileError listing every bad field. */
export function parseServicesLockFile(text: string, path: string): ServiceLockFile {
  return parseJsonFile(text, path, serviceLockFileSchema);
}

function parseJsonFile<T>(text: string, path: string, schema: z.ZodMiniType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ReleaseFileError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ReleaseFileError(
      path,
      listZodIssues(result.error, { input: raw }).map(({ field, message }) => `${field}: ${message}`),
    );
  }
  return result.data;
}
