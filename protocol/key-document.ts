/**
 * The key document: which keys may sign what, signed by the root keys that
 * every build pins (DESIGN.md decision 11). Rotating or revoking a manifest
 * key is a new key document, never a new add-on. It travels in the same
 * envelope as the manifest and, like it, is served as stored bytes, cached by
 * the add-on, expires, and never goes back.
 *
 * Payload:
 *   {"schema": 1, "kind": "key-document", "env": "beta", "serial": 1795564800,
 *    "issuedAt": "…", "expiresAt": "…",
 *    "keys": [{"keyId": "manifest-2026a", "jwk": {kty, crv, x, y}}, …],
 *    "roles": {"manifest": {"keyIds": ["manifest-2026a"], "threshold": 1},
 *              "halt": {"keyIds": ["halt-2026a"]}},
 *    "revoked": [{"keyId": "manifest-2025", "reason": "leaked in CI logs", "revokedAt": "…"}]}
 *
 * `roles.manifest` is required. Any other role (e.g. `halt`) is kept as it is
 * and ignored by a reader that does not know it, so new roles can be added
 * without breaking add-ons already installed.
 */
import * as z from 'zod/mini';
import { hashPayload, parsePayload, verifySignatures, type PinnedKey, type TrustedSigners, type VerifyOptions } from './envelope';
import { checkManifestPolicy, DAY_MS } from './manifest-policy';
import { ManifestRefusedError } from './refusals';
import { checkEnvAndExpiry, isoDateTime, signedDocumentHeader } from './signed-document-header';

export const KEY_DOCUMENT_SCHEMA_VERSION = 1;
export const KEY_DOCUMENT_KIND = 'key-document';
/** Root keys sign rarely and offline; a key document may live this long before it must be signed again. */
export const MAX_KEY_DOCUMENT_LIFETIME_DAYS = 366;
export const KEYS_PATH = '/v1/keys';
export const ADMIN_KEYS_PATH = '/v1/admin/keys';

const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding'));
const keyId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1–128 letters, digits, ".", "_" and "-"'));


export const listedKeySchema = z.strictObject({
  keyId,
  jwk: z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: base64url, y: base64url }),
});

// Loose: a role may carry more than keys and a threshold in a later schema (e.g. what a halt key may stop).
export const roleSchema = z.looseObject({
  keyIds: z.array(keyId).check(z.minLength(1), z.maxLength(16)),
  /** How many distinct keys of the role must sign; default 1. */
  threshold: z.optional(z.int().check(z.gte(1), z.lte(16))),
});
export type Role = z.infer<typeof roleSchema>;

export const revokedKeySchema = z.strictObject({
  keyId,
  /** Shown to QA when something signed by the key is refused. */
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  revokedAt: z.optional(isoDateTime),
});

/**
 * The shape of a key document. Its consistency (every key it names listed
 * and unrevoked) is findKeyDocumentProblems, which the publish tool and the
 * server apply; the add-on only needs enough valid manifest keys, which
 * verifyKeyDocument checks.
 */
export const keyDocumentPayloadSchema = z.strictObject({
  ...signedDocumentHeader(KEY_DOCUMENT_SCHEMA_VERSION, KEY_DOCUMENT_KIND),
  keys: z.array(listedKeySchema).check(z.maxLength(64)),
  /** `halt`: the keys the beta server signs halt documents with (halt-document.ts); never a manifest key. */
  roles: z.looseObject({ manifest: roleSchema, halt: z.optional(roleSchema) }),
  revoked: z._default(z.array(revokedKeySchema).check(z.maxLength(256)), []),
});
export type KeyDocumentPayload = z.infer<typeof keyDocumentPayloadSchema>;

/**
 * What makes a key document unusable even though each field is well formed:
 * a key listed twice, a role naming a key that is not listed or is revoked,
 * a manifest role that cannot reach its threshold. The publish tool and the
 * server refuse such a document (describeKeyDocumentProblems); kept out of
 * the schema so that the add-on does not carry these sentences.
 */
export function findKeyDocumentProblems(doc: Pick<KeyDocumentPayload, 'keys' | 'roles' | 'revoked'>): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  const listed = new Set<string>();
  doc.keys.forEach((key, index) => {
    if (listed.has(key.keyId)) problems.push({ path: ['keys', index, 'keyId'], message: `lists key "${key.keyId}" a second time` });
    listed.add(key.keyId);
  });
  const revoked = new Set(doc.revoked.map((key) => key.keyId));
  const manifest = doc.roles.manifest;
  const usable = new Set(manifest.keyIds.filter((id) => listed.has(id) && !revoked.has(id)));
  manifest.keyIds.forEach((id, index) => {
    if (!listed.has(id)) problems.push({ path: ['roles', 'manifest', 'keyIds', index], message: `names key "${id}", which "keys" does not list` });
    else if (revoked.has(id)) problems.push({ path: ['roles', 'manifest', 'keyIds', index], message: `names key "${id}", which is revoked` });
  });
  // Roles are exclusive: a halt key that could also sign a manifest would give the server the shipping key.
  const manifestIds = new Set(manifest.keyIds);
  doc.roles.halt?.keyIds.forEach((id, index) => {
    const path = ['roles', 'halt', 'keyIds', index];
    if (manifestIds.has(id)) problems.push({ path, message: `names key "${id}", which the manifest role holds too: a key may hold one role only` });
    else if (!listed.has(id)) problems.push({ path, message: `names key "${id}", which "keys" does not list` });
    else if (revoked.has(id)) problems.push({ path, message: `names key "${id}", which is revoked` });
  });
  const threshold = manifest.threshold ?? 1;
  if (usable.size < threshold) {
    problems.push({
      path: ['roles', 'manifest'],
      message: `leaves ${usable.size} valid manifest key(s) for a threshold of ${threshold}: no manifest could be accepted`,
    });
  }
  return problems;
}

/** Every problem of findKeyDocumentProblems on one line, or null when there is none. */
export function describeKeyDocumentProblems(doc: Pick<KeyDocumentPayload, 'keys' | 'roles' | 'revoked'>): string | null {
  const problems = findKeyDocumentProblems(doc).map((problem) => `${problem.path.join('.')}: ${problem.message}`);
  return problems.length > 0 ? `the key document ${problems.join('; ')}` : null;
}

/**
 * The signers a document of this role needs under this key document: the
 * listed, unrevoked keys of the role and its threshold. A key named by both
 * roles signs for neither: roles are exclusive.
 */
function findRoleSigners(doc: KeyDocumentPayload, name: 'manifest' | 'halt'): TrustedSigners {
  const role = doc.roles[name];
  const other = new Set(doc.roles[name === 'manifest' ? 'halt' : 'manifest']?.keyIds ?? []);
  const excluded = new Set([...doc.revoked.map((key) => key.keyId), ...other]);
  const ids = new Set(role?.keyIds ?? []);
  return {
    keys: doc.keys.filter((key) => ids.has(key.keyId) && !excluded.has(key.keyId)) as PinnedKey[],
    threshold: role?.threshold ?? 1,
    revoked: doc.revoked,
    source: `key document serial ${doc.serial}`,
  };
}

/** The signers a manifest needs under this key document. */
export function findManifestSigners(doc: KeyDocumentPayload): TrustedSigners {
  return findRoleSigners(doc, 'manifest');
}

/** The halt role's signers, or null when the key document names no usable halt key. */
export function findHaltSigners(doc: KeyDocumentPayload): TrustedSigners | null {
  const signers = findRoleSigners(doc, 'halt');
  return signers.keys.length > 0 ? signers : null;
}

export interface KeyDocumentVerifyOptions extends Pick<VerifyOptions, 'env' | 'now' | 'checkExpiry' | 'lastSerial' | 'lastPayloadSha256'> {
  /** The root keys pinned in the build (or configured on the server) and how many must sign. */
  rootKeys: readonly PinnedKey[];
  rootThreshold: number;
}

/**
 * Verifies a key document's envelope: `rootThreshold` root signatures, the
 * schema, the environment, the expiry, the same lifetime, clock and serial
 * rules as the manifest (never back, never two documents under one serial),
 * and enough valid manifest keys to accept a manifest (`no-manifest-key`).
 * Throws ManifestRefusedError; its messages speak of "the key document".
 *
 * @example
 * const doc = await verifyKeyDocument(text, { rootKeys: config.rootKeys, rootThreshold: config.rootThreshold, env: MANIFEST_ENV });
 * const signers = findManifestSigners(doc);
 */
export async function verifyKeyDocument(envelopeText: string, options: KeyDocumentVerifyOptions): Promise<KeyDocumentPayload> {
  const label = 'the key document';
  const { payloadBytes } = await verifySignatures(
    envelopeText,
    { keys: options.rootKeys, threshold: options.rootThreshold, source: 'the root keys pinned in this build' },
    label,
  );
  const doc = parsePayload(payloadBytes, keyDocumentPayloadSchema, label);
  // As verifyEnvelope checks a manifest, with the key document's own lifetime.
  const { now, fresh } = checkEnvAndExpiry(doc, label, options);
  checkManifestPolicy(doc, {
    label,
    maxLifetimeMs: MAX_KEY_DOCUMENT_LIFETIME_DAYS * DAY_MS,
    ...(fresh ? { now } : {}),
    ...(options.lastSerial === undefined ? {} : { lastSerial: options.lastSerial }),
    samePayloadAsLast: doc.serial === options.lastSerial && options.lastPayloadSha256 !== undefined && (await hashPayload(payloadBytes)) === options.lastPayloadSha256,
  });
  const { keys, threshold = 1 } = findManifestSigners(doc);
  if (keys.length < threshold) throw new ManifestRefusedError('no-manifest-key', `${label} leaves ${keys.length} valid manifest key(s) for a threshold of ${threshold}`);
  return doc;
}
