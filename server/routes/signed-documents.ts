/**
 * What the manifest and the key document routes share: both are signed
 * envelopes, served from memory as the exact bytes that were published with a
 * strong ETag (served-document.ts), and uploaded raw by an admin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ManifestRefusedError, type RefusalReason } from '../../protocol/refusals';
import { ApiError, type ErrorCode } from '../errors';
import { requireAdmin, toIso, type RouteDeps } from '../http';
import { matchesIfNoneMatch, type DocumentCache, type DocumentSource } from '../served-document';
import type { ManifestRecord } from '../store/store';

/** A strong ETag of the stored bytes. */
export function computeEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

const REFUSAL_CODES: Record<RefusalReason, ErrorCode> = {
  'malformed-envelope': 'malformed_envelope',
  'malformed-payload': 'malformed_payload',
  'unknown-key': 'unknown_key',
  'revoked-key': 'revoked_key',
  'bad-signature': 'bad_signature',
  'below-threshold': 'below_threshold',
  'no-key-document': 'no_key_document',
  'no-manifest-key': 'no_manifest_key',
  'halt-wrong-manifest': 'halt_wrong_manifest',
  'halt-unknown-feature': 'halt_unknown_feature',
  'halt-raises': 'halt_raises',
  'halt-unkills': 'halt_unkills',
  'wrong-env': 'wrong_env',
  expired: 'expired',
  'lifetime-too-long': 'lifetime_too_long',
  'issued-in-future': 'issued_in_future',
  'implausible-serial': 'implausible_serial',
  rollback: 'rollback',
  'serial-reused': 'serial_reused',
  unreviewed: 'unreviewed',
};

/** A refusal from protocol/ as the server's coded error; anything else is rethrown as it is. */
export function toApiRefusal(error: unknown): unknown {
  if (!(error instanceof ManifestRefusedError)) return error;
  return new ApiError(REFUSAL_CODES[error.reason], error.message);
}

/** Reads the body of an admin PUT as UTF-8 text, or a 400. */
export function readEnvelopeBody(body: unknown, what: string): { bytes: Buffer; text: string } {
  const bytes = Buffer.isBuffer(body) ? body : undefined;
  if (!bytes || bytes.length === 0) throw new ApiError('malformed_envelope', `the body must be the signed ${what} envelope`);
  try {
    return { bytes, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    throw new ApiError('malformed_envelope', `the ${what} envelope is not UTF-8`);
  }
}

/** A stored signed document as a served document: its serial is its version. */
export function createSignedDocumentSource(read: {
  serial(): Promise<number | undefined>;
  document(): Promise<ManifestRecord | undefined>;
  watch?: DocumentSource['watch'];
}): DocumentSource {
  return {
    readVersion: read.serial,
    async readDocument() {
      const record = await read.document();
      return record && { version: record.serial, bytes: record.bytes, etag: record.etag, publishedAt: record.publishedAt };
    },
    ...(read.watch ? { watch: read.watch } : {}),
  };
}

/** What a CDN and the add-on need to cache a signed document; the in-memory answer sends the same. */
export function signedDocumentCacheControl(deps: Pick<RouteDeps, 'config'>): string {
  return `public, max-age=${deps.config.manifestMaxAgeSeconds}`;
}

/**
 * The GET of a document served from memory (app.ts answers it ahead of
 * fastify): this route answers what that leaves, with the same headers, such
 * as the 404 before any publication.
 */
export function registerSignedDocumentGet(app: FastifyInstance, deps: RouteDeps, path: string, cache: DocumentCache, missing: ErrorCode): void {
  app.get(path, async (request, reply) => {
    const current = cache.current();
    if (!current) throw new ApiError(missing);
    reply.header('etag', current.etag).header('cache-control', signedDocumentCacheControl(deps));
    reply.header('last-modified', new Date(current.publishedAt).toUTCString());
    if (matchesIfNoneMatch(request.headers['if-none-match'], current.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(current.bytes);
  });
}

/**
 * The admin PUT of a signed document: its own plugin scope, so that this
 * route alone receives the body as raw bytes, and the admin check runs before
 * the body is read, so strangers cannot make the server buffer megabytes.
 */
export async function registerSignedDocumentPut(
  app: FastifyInstance,
  deps: RouteDeps,
  path: string,
  bodyLimit: number,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);
    scope.put(path, { bodyLimit, onRequest }, handler);
  });
}

export interface NewerDocument {
  /** Names the document in the refusal: "manifest", "key document". */
  what: string;
  serial: number;
  bytes: Buffer;
  /** The serial now stored, if any. */
  currentSerial: number | undefined;
  /** Stores it unless a newer one won the race; false then. */
  publish(record: ManifestRecord): Promise<boolean>;
  cache: DocumentCache;
}

/**
 * Stores a verified document whose serial must be higher than the current
 * one, and answers 201 with its serial and ETag. This process serves it before
 * the publisher hears back; the others within a second.
 */
export async function storeNewerDocument(deps: RouteDeps, request: FastifyRequest, reply: FastifyReply, document: NewerDocument): Promise<FastifyReply> {
  const { what, serial, currentSerial } = document;
  const stale = () => new ApiError('stale_serial', `the ${what} serial ${serial} is not higher than the current serial ${currentSerial ?? '(newer upload)'}`);
  if (currentSerial !== undefined && serial <= currentSerial) throw stale();
  const etag = computeEtag(document.bytes);
  const publishedAt = deps.now();
  if (!(await document.publish({ serial, bytes: Buffer.from(document.bytes), etag, publishedAt }))) throw stale();
  await document.cache.refresh().catch((error: unknown) => request.log.warn({ err: error }, `${what} cache refresh failed`));
  return reply.code(201).send({ serial, etag, publishedAt: toIso(publishedAt) });
}
