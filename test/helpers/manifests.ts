/**
 * Manifest payloads and feature entries for tests and benchmarks: every
 * entry signed off by three reviewers who are not its owners, bound to the
 * chunk's and the content scripts' SHA-256, as the publish tool writes them.
 *
 * @example
 * const payload = makeManifestPayload({ serial: 3, features: [makeEntry('tab-groups', '1.0.0', sha256('chunk'))] });
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestFeature, ManifestPayload, ManifestService } from '../../protocol/manifest-schema';
import { hashServiceFolder } from '../../protocol/service-hash';
import type { LockFile } from '../../protocol/release-schema';

const DAY_MS = 86_400_000;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What reviewers sign off: a version, its code's SHA-256 and, for a feature with content scripts, theirs. */
export interface ReviewedCode {
  version: string;
  sha256: string;
  files?: ReadonlyArray<{ path: string; sha256: string }>;
}

/** Security, privacy and technical sign-offs by three reviewers who own nothing, bound to the code given. */
export function makeSignOffs(reference: string, code: ReviewedCode) {
  const files = code.files?.map((file) => ({ path: file.path, sha256: file.sha256 })) ?? [];
  const signOff = (reviewer: string) => ({
    reviewer,
    date: '2026-11-20',
    reference,
    version: code.version,
    sha256: code.sha256,
    ...(files.length > 0 ? { files } : {}),
  });
  return { security: signOff('sec@example.org'), privacy: signOff('priv@example.org'), technical: signOff('tech@example.org') };
}

/** A manifest entry signed off by three reviewers for this version, chunk and (overrides.files) content scripts. */
export function makeEntry(id: string, version: string, chunkSha: string, overrides: Partial<ManifestFeature> = {}): ManifestFeature {
  const files = overrides.files ?? [];
  return {
    id,
    version,
    sha256: chunkSha,
    files,
    rollout: 10000,
    targeting: {},
    killed: false,
    requiresAccount: false,
    owners: ['owner@example.org'],
    signOffs: makeSignOffs(`BUG-${id}`, { version, sha256: chunkSha, files }),
    ...overrides,
  };
}

/** An entry for every feature of a build's lock file named, reviewed for the code that build shipped. */
export function reviewedEntries(lock: LockFile, ids: string[], overrides: Partial<ManifestFeature> = {}): ManifestFeature[] {
  return ids.map((id) => {
    const locked = lock.features.find((feature) => feature.id === id);
    if (!locked) throw new Error(`the build has no feature ${id}`);
    const files = locked.files.map((file) => ({ path: file.path, sha256: file.sha256 }));
    return makeEntry(id, locked.version, locked.sha256, { files, requiresAccount: locked.requiresAccount, owners: locked.owners, ...overrides });
  });
}

/** A beta payload with no features, issued at `issuedAt` and valid for `validDays`. */
export function makeManifestPayload(overrides: Partial<ManifestPayload> = {}, issuedAt = Date.now(), validDays = 7): ManifestPayload {
  return {
    schema: 1,
    env: 'beta',
    serial: 1,
    issuedAt: new Date(issuedAt).toISOString(),
    expiresAt: new Date(issuedAt + validDays * DAY_MS).toISOString(),
    features: [],
    ...overrides,
  };
}

export const CLIENT_PAYLOAD_ISSUED_AT = Date.parse('2026-11-25T00:00:00Z');
export const CLIENT_FEATURE_SHA = 'a'.repeat(64);

/**
 * The add-on side's usual manifest (serial 5, one reviewed feature, tab-groups,
 * valid 2026-11-25 to 2026-12-25), with any field replaced, even by a value
 * the schema refuses.
 */
export function makePayload(overrides: Partial<Record<keyof ManifestPayload, unknown>> = {}): Record<string, unknown> {
  const payload = makeManifestPayload({ serial: 5, features: [makeEntry('tab-groups', '1.0.0', CLIENT_FEATURE_SHA)] }, CLIENT_PAYLOAD_ISSUED_AT, 30);
  return { ...payload, ...overrides };
}

/**
 * A manifest entry deploying the service in `dir` (default server/services/<id>), signed off by three
 * reviewers who do not own it, for its version and folder hash; overrides change any of that.
 */
export function makeServiceEntry(id: string, dir = join('server', 'services', id), overrides: Partial<ManifestService> = {}): ManifestService {
  const json = JSON.parse(readFileSync(join(dir, 'service.json'), 'utf8')) as { version: string; owners: string[] };
  const sha = hashServiceFolder(dir);
  return {
    id,
    version: json.version,
    sha256: sha,
    owners: json.owners,
    signOffs: makeSignOffs(`SVC-${id}`, { version: json.version, sha256: sha }),
    ...overrides,
  };
}

/**
 * A release file (release/*.json) that rolls out features of a build's lock
 * (all, unless named) to everyone and deploys the services given, each signed
 * off for the code that build shipped.
 */
export function makeRelease(lock: LockFile, options: { features?: string[]; services?: ReadonlyArray<ReviewedCode & { id: string }> } = {}) {
  const features = options.features ? lock.features.filter((feature) => options.features!.includes(feature.id)) : lock.features;
  return {
    features: features.map((feature) => ({ id: feature.id, version: feature.version, rollout: 100, signOffs: makeSignOffs(`REL-${feature.id}`, feature) })),
    services: (options.services ?? []).map((service) => ({
      id: service.id,
      version: service.version,
      signOffs: makeSignOffs(`REL-${service.id}`, { version: service.version, sha256: service.sha256 }),
    })),
  };
}
