/**
 * The signed manifest: what the beta server serves, what the publish tool
 * writes and what the host add-on verifies. One schema for all three so they
 * can never disagree about a field. Envelope (DESIGN.md decision 4):
 *   {"payload": "<base64url of UTF-8 JSON>", "signatures": [{"keyId": "…", "alg": "ES256", "sig": "<base64url>"}]}
 */
import * as z from 'zod/mini';
import { exitCriteriaSchema } from './exit-criteria';
import { isCanonicalFeaturePath } from './feature-paths';
import { stagePlanSchema } from './stages';


export const MANIFEST_SCHEMA_VERSION = 1;
/** Where the beta server serves the signed manifest. */
export const MANIFEST_PATH = '/v1/manifest';
export const SIGN_OFF_ROLES = ['security', 'privacy', 'technical'] as const;
export type SignOffRole = (typeof SIGN_OFF_ROLES)[number];

const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding'));
export const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'));
/** The feature-id rule: a feature's folder name, its manifest id and the owner of everything it registers. */
export const FEATURE_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}[a-z0-9]$/;
export const featureId = z
  .string()
  .check(z.regex(FEATURE_ID_PATTERN, 'must be 3–64 characters of a-z, 0-9 and "-", starting with a letter'));
export const semver = z.string().check(z.regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a version like 1.2.3'));
const isoDateTime = z.iso.datetime({ offset: true });

/** How often the add-on checks the manifest when the manifest does not say: a kill switch reaches online installs within it. */
export const DEFAULT_POLL_INTERVAL_MINUTES = 15;
export const MIN_POLL_INTERVAL_MINUTES = 5;
export const MAX_POLL_INTERVAL_MINUTES = 6 * 60;
const pollIntervalMessage = `must be a whole number of minutes from ${MIN_POLL_INTERVAL_MINUTES} to ${MAX_POLL_INTERVAL_MINUTES}`;
/** Minutes between manifest checks, bounded so that no manifest can stop the kill switch or flood the server. */
export const pollIntervalMinutes = z
  .int(pollIntervalMessage)
  .check(z.gte(MIN_POLL_INTERVAL_MINUTES, pollIntervalMessage), z.lte(MAX_POLL_INTERVAL_MINUTES, pollIntervalMessage));

export const signatureSchema = z.strictObject({
  keyId: z.string().check(z.minLength(1), z.maxLength(128)),
  alg: z.literal('ES256'),
  sig: base64url,
});

export const envelopeSchema = z.strictObject({
  payload: base64url,
  signatures: z.array(signatureSchema).check(z.minLength(1), z.maxLength(8)),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const featureFileSchema = z.strictObject({
  path: z.string().check(z.minLength(1)),
  sha256: sha256Hex,
});
export type FeatureFile = z.infer<typeof featureFileSchema>;

/**
 * A reviewer's sign-off, bound to the exact code that was reviewed: the
 * version, the chunk's SHA-256 and every further file (content scripts),
 * copied from dist/features.lock.json.
 */
export const signOffSchema = z.strictObject({
  reviewer: z.string().check(z.minLength(1), z.maxLength(200)),
  date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-25')),
  reference: z.string().check(z.minLength(1), z.maxLength(500)),
  version: semver,
  sha256: sha256Hex,
  /** The feature's content-script files with their SHA-256; absent means the feature has none. */
  files: z.optional(z.array(featureFileSchema)),
});
export type SignOff = z.infer<typeof signOffSchema>;

const versionRange = z.strictObject({
  min: z.optional(z.string()),
  max: z.optional(z.string()),
});

export const targetingSchema = z.strictObject({
  hostVersion: z.optional(versionRange),
  firefoxVersion: z.optional(versionRange),
  /** runtime.getPlatformInfo().os values: "win", "mac", "linux", "android", … */
  os: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** BCP 47 tags; "en" matches "en-US". */
  locales: z.optional(z.array(z.string().check(z.minLength(1)))),
});
export type Targeting = z.infer<typeof targetingSchema>;

export const manifestFeatureSchema = z.strictObject({
  id: featureId,
  version: semver,
  /** SHA-256 of the feature's chunk file, as recorded in dist/features.lock.json. */
  sha256: sha256Hex,
  /** Further files of the feature (content scripts), each with its SHA-256. */
  files: z._default(z.array(featureFileSchema), []),
  /** Share of units that get the feature, in basis points (0–10000). */
  rollout: z.int().check(z.gte(0), z.lte(10000)),
  targeting: z._default(targetingSchema, {}),
  /** Kill switch: true uninstalls the feature everywhere on the next poll. */
  killed: z._default(z.boolean(), false),
  requiresAccount: z._default(z.boolean(), false),
  owners: z._default(z.array(z.string().check(z.minLength(1))), []),
  signOffs: z.strictObject({
    security: z.optional(signOffSchema),
    privacy: z.optional(signOffSchema),
    technical: z.optional(signOffSchema),
  }),
  /** When the feature graduates, halts or is killed (exit-criteria.ts); the server judges usage against it. */
  exitCriteria: z.optional(exitCriteriaSchema),
  /** A staged rollout (stages.ts); `rollout` is then its first stage. Its order is checked by publish and the server (findStagedFeatureProblems). */
  stages: z.optional(stagePlanSchema),
}).check(
  z.superRefine((feature, ctx) => {
    // The add-on fetches each file by path: only the one resolved form inside the feature's folder is allowed.
    feature.files.forEach((file, index) => {
      if (!isCanonicalFeaturePath(file.path, feature.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', index, 'path'],
          message: `must be a plain path inside features/${feature.id}/ (no encoded, dot or empty segments), not "${file.path}"`,
          input: file.path,
        });
      }
    });
  }),
);
export type ManifestFeature = z.infer<typeof manifestFeatureSchema>;

/** A beta service in the manifest: deployed at this version and folder hash (protocol/service-hash.ts), with its sign-offs. */
export const manifestServiceSchema = z.strictObject({
  id: featureId,
  version: semver,
  sha256: sha256Hex,
  owners: z._default(z.array(z.string().check(z.minLength(1))), []),
  signOffs: z.strictObject({
    security: z.optional(signOffSchema),
    privacy: z.optional(signOffSchema),
    technical: z.optional(signOffSchema),
  }),
});
export type ManifestService = z.infer<typeof manifestServiceSchema>;
/** One entry per feature id: with two, which one applies (and its kill switch) would depend on the reader. */
function oneEntryPerFeature() {
  return z.superRefine((features: ReadonlyArray<{ id: string }>, ctx) => {
    const seen = new Set<string>();
    features.forEach((feature, index) => {
      if (seen.has(feature.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `names feature "${feature.id}" a second time`, input: feature.id });
      seen.add(feature.id);
    });
  });
}

export const manifestPayloadSchema = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA_VERSION),
  env: z.string().check(z.minLength(1)),
  serial: z.int().check(z.positive()),
  issuedAt: isoDateTime,
  expiresAt: isoDateTime,
  /** Set only by a publish for local development; a beta build refuses it. */
  unreviewed: z.optional(z.boolean()),
  /** Minutes between the add-on's manifest checks; absent means DEFAULT_POLL_INTERVAL_MINUTES. Lets the channel slow the fleet down without an add-on update. */
  pollIntervalMinutes: z.optional(pollIntervalMinutes),
  features: z.array(manifestFeatureSchema).check(z.maxLength(500), oneEntryPerFeature()),
  /** Beta services the server may run; absent in manifests from before services. */
  services: z.optional(z.array(manifestServiceSchema).check(z.maxLength(100))),
});
export type ManifestPayload = z.infer<typeof manifestPayloadSchema>;

// Every field checked but the features', whose entries are looked at one by one.
const payloadWithFeatureIds = z.extend(manifestPayloadSchema, {
  features: z.array(z.unknown()).check(z.maxLength(500)),
});
const featureIdOnly = z.looseObject({ id: featureId });

/**
 * Validates a payload, like manifestPayloadSchema.parse. Given the ids of the
 * features a build ships, it validates those entries in full and leaves the
 * others out of the result: the add-on can install nothing else, and a
 * manifest lists every feature of the channel (hundreds) while a build ships
 * a few. Throws a zod error naming every bad field.
 *
 * @example parseManifestPayload(JSON.parse(text), new Set(featureRegistry.map((f) => f.id)))
 */
export function parseManifestPayload(raw: unknown, onlyFeatures?: ReadonlySet<string>): ManifestPayload {
  if (!onlyFeatures) return manifestPayloadSchema.parse(raw);
  const payload = payloadWithFeatureIds.parse(raw);
  const features: ManifestFeature[] = [];
  const issues: z.core.$ZodIssue[] = [];
  const seen = new Set<string>();
  payload.features.forEach((entry, index) => {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      // One entry per feature, among all of them: a second entry must not even be a feature this build skips.
      if (seen.has(id)) issues.push({ code: 'custom', path: ['features', index, 'id'], message: `names feature "${id}" a second time`, input: id });
      seen.add(id);
    }
    if (typeof id === 'string' && !onlyFeatures.has(id)) {
      if (!FEATURE_ID_PATTERN.test(id)) issues.push(...featureIdOnly.safeParse(entry).error!.issues.map((issue) => ({ ...issue, path: ['features', index, ...issue.path] })));
      return;
    }
    const result = manifestFeatureSchema.safeParse(entry);
    if (result.success) features.push(result.data);
    else issues.push(...result.error.issues.map((issue) => ({ ...issue, path: ['features', index, ...issue.path] })));
  });
  if (issues.length > 0) throw new z.core.$ZodError(issues);
  return { ...payload, features };
}

// The sign-off check lives beside the schema it reads; importers find it here as before.
export { checkSignOffs, describeSignOffProblem, findSignOffProblems, type FileDifference, type SignOffProblem } from './sign-off-problems';
