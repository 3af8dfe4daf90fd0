/**
 * Beta services on the wire and on disk: service.json (what a service folder
 * declares), dist/services.lock.json (what the build saw, with a hash of each
 * folder) and a service in a release file; its manifest entry is in
 * manifest-schema.ts. The build, the publish tool and the server read these.
 */
import * as z from 'zod/mini';
import './zod-english';
import { FEATURE_ID_PATTERN, semver, sha256Hex, signOffSchema } from './manifest-schema';

/** Service names follow the feature-id rule: a folder name that is also a URL segment. */
export const serviceId = z
  .string()
  .check(z.regex(FEATURE_ID_PATTERN, 'must be 3–64 characters of a-z, 0-9 and "-", starting with a letter'));

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/** server/services/<name>/service.json. */
export const serviceJsonSchema = z.strictObject({
  id: serviceId,
  name: text(100),
  description: text(1000),
  version: semver,
  owners: z.array(text(200)).check(z.minLength(1, 'must name at least one owner')),
  /** What the service keeps about a user, and for how long: shown to reviewers and in the export. */
  data: z
    .array(z.strictObject({ what: text(500), retention: text(200) }))
    .check(z.minLength(1, 'must say what data the service keeps (or one entry saying it keeps none)')),
  /** Per-account limits the service enforces, by name (e.g. {"notes": 1000}). */
  quotas: z._default(z.record(z.string().check(z.minLength(1)), z.number().check(z.gte(0))), {}),
  /** Most services are for signed-in beta users who accepted the current terms; false opens its routes to anyone. */
  requiresAccount: z._default(z.boolean(), true),
});
export type ServiceJson = z.infer<typeof serviceJsonSchema>;

/** One service of dist/services.lock.json. */
export interface ServiceLockEntry {
  id: string;
  version: string;
  /** hashServiceFolder over the service's folder (protocol/service-hash.ts). */
  sha256: string;
  owners: string[];
}

export interface ServiceLockFile {
  lockfileVersion: 1;
  services: ServiceLockEntry[];
}

export const serviceLockFileSchema = z.object({
  lockfileVersion: z.literal(1),
  services: z.array(
    z.object({ id: serviceId, version: semver, sha256: sha256Hex, owners: z.array(z.string().check(z.minLength(1))) }),
  ),
}) satisfies z.ZodMiniType<ServiceLockFile>;

/** A service in a release file; roles may be absent so publish can name each missing one. */
export const releaseServiceSchema = z.strictObject({
  id: serviceId,
  version: semver,
  signOffs: z._default(
    z.strictObject({
      security: z.optional(signOffSchema),
      privacy: z.optional(signOffSchema),
      technical: z.optional(signOffSchema),
    }),
    {},
  ),
});
export type ReleaseService = z.infer<typeof releaseServiceSchema>;
