/**
 * The fields every signed document of the channel besides the manifest
 * carries (key documents, halt documents): what it is, for which
 * environment, its serial and its lifetime, which checkManifestPolicy
 * (manifest-policy.ts) judges alike for each; and the first checks of a
 * verified one, its environment and its expiry.
 *
 * @example
 * const schema = z.strictObject({ ...signedDocumentHeader(1, 'key-document'), keys: z.array(listedKeySchema) });
 */
import * as z from 'zod/mini';
import { ManifestRefusedError } from './refusals';

export const isoDateTime = z.iso.datetime({ offset: true });

export function signedDocumentHeader<V extends number, K extends string>(version: V, kind: K) {
  return {
    schema: z.literal(version),
    kind: z.literal(kind),
    env: z.string().check(z.minLength(1)),
    serial: z.int().check(z.positive()),
    issuedAt: isoDateTime,
    expiresAt: isoDateTime,
  };
}

export interface HeaderCheckOptions {
  env: string;
  now?: Date;
  /** False to take an expired document (the last good one, kept in force). */
  checkExpiry?: boolean;
}

/**
 * Refuses a document for another environment, or an expired one when
 * expiry is checked. Returns the time it judged by and whether expiry was checked.
 */
export function checkEnvAndExpiry(doc: { env: string; expiresAt: string }, label: string, options: HeaderCheckOptions): { now: Date; fresh: boolean } {
  if (doc.env !== options.env) {
    throw new ManifestRefusedError('wrong-env', `${label} is for the "${doc.env}" environment, not "${options.env}"`, { subject: doc.env });
  }
  const now = options.now ?? new Date();
  const fresh = options.checkExpiry !== false;
  if (fresh && Date.parse(doc.expiresAt) <= now.getTime()) throw new ManifestRefusedError('expired', `${label} expired at ${doc.expiresAt}`);
  return { now, fresh };
}
