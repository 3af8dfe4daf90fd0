/**
 * The signed manifest: served as the exact bytes that were published, with a
 * strong ETag so clients and CDNs revalidate cheaply; replaced only by a newer,
 * correctly signed envelope for the beta environment.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ManifestRefusedError, verifyEnvelope, type RefusalReason } from '../../protocol/envelope';
import { MANIFEST_ENV } from '../../protocol/environments';
import { DAY_MS } from '../../protocol/manifest-policy';
import { ApiError, type ErrorCode } from '../errors';
import { requireAdmin, toIso, type RouteDeps } from '../http';
import { matchesIfNoneMatch, type DocumentCache, type DocumentSource } from '../served-document';
import type { BetaStore } from '../store/store';

const MANIFEST_BODY_LIMIT = 4 * 1024 * 1024;

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
  'wrong-env': 'wrong_env',
  expired: 'expired',
  'lifetime-too-long': 'lifetime_too_long',
  'issued-in-future': 'issued_in_future',
  'implausible-serial': 'implausible_serial',
  rollback: 'rollback',
  'serial-reused': 'serial_reused',
  unreviewed: 'unreviewed',
};

/** The current manifest as a served document: its serial is its version. */
export function createManifestSource(store: BetaStore): DocumentSource {
  return {
    readVersion: () => store.getCurrentManifestSerial(),
    async readDocument() {
      const manifest = await store.getCurrentManifest();
      return manifest && { version: manifest.serial, bytes: manifest.bytes, etag: manifest.etag, publishedAt: manifest.publishedAt };
    },
    watch: store.watchManifest && ((onPublished) => store.watchManifest!(onPublished)),
  };
}

/** What a CDN and the add-on need to cache the manifest; the in-memory answer sends the same. */
export function manifestCacheControl(deps: Pick<RouteDeps, 'config'>): string {
  return `public, max-age=${deps.config.manifestMaxAgeSeconds}`;
}

/**
 * Registers GET /v1/manifest and PUT /v1/admin/manifest. GET is mostly
 * answered from memory before fastify (app.ts); this route answers what that
 * leaves, with the same headers: the 404 before any publication.
 */
export async function registerManifestRoutes(app: FastifyInstance, deps: RouteDeps, cache: DocumentCache): Promise<void> {
  app.get('/v1/manifest', async (request, reply) => {
    const current = cache.current();
    const manifest = current && { etag: current.etag, publishedAt: current.publishedAt, bytes: current.bytes };
    if (!manifest) throw new ApiError('no_manifest');
    reply.header('etag', manifest.etag).header('cache-control', manifestCacheControl(deps));
    reply.header('last-modified', new Date(manifest.publishedAt).toUTCString());
    if (matchesIfNoneMatch(request.headers['if-none-match'], manifest.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(manifest.bytes);
  });

  // Its own plugin scope, so that this route alone receives the body as raw bytes.
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    // The admin check runs before the body is read, so strangers cannot make the server buffer megabytes.
    const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);
    scope.put('/v1/admin/manifest', { bodyLimit: MANIFEST_BODY_LIMIT, onRequest }, async (request, reply) => {
      const keys = (() => {
        try {
          return deps.loadPublicKeys();
        } catch (error) {
          throw new ApiError('public_keys_unreadable', `the server cannot read its public keys: ${(error as Error).message}`);
        }
      })();
      if (keys.length === 0) {
        throw new ApiError(
          'no_public_keys',
          `the server trusts no manifest signing key; configure PUBLIC_KEYS (now ${deps.config.publicKeyPaths.join(', ')})`,
        );
      }
      const bytes = Buffer.isBuffer(request.body) ? request.body : undefined;
      if (!bytes || bytes.length === 0) throw new ApiError('malformed_envelope');
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new ApiError('malformed_envelope', 'the manifest envelope is not UTF-8');
      }
      const current = await deps.store.getCurrentManifest();
      let serial: number;
      try {
        const payload = await verifyEnvelope(text, {
          keys,
          env: MANIFEST_ENV,
          now: new Date(deps.now()),
          allowUnreviewed: deps.config.allowUnreviewed,
          maxLifetimeMs: deps.config.maxManifestLifetimeDays * DAY_MS,
        });
        serial = payload.serial;
      } catch (error) {
        if (!(error instanceof ManifestRefusedError)) throw error;
        throw new ApiError(REFUSAL_CODES[error.reason], error.message);
      }
      const stale = () =>
        new ApiError(
          'stale_serial',
          `the manifest serial ${serial} is not higher than the current serial ${current?.serial ?? '(newer upload)'}`,
        );
      if (current && serial <= current.serial) throw stale();
      const etag = computeEtag(bytes);
      const publishedAt = deps.now();
      if (!(await deps.store.publishManifest({ serial, bytes: Buffer.from(bytes), etag, publishedAt }))) throw stale();
      // This process serves the new manifest before the publisher hears back; the others within a second.
      await cache.refresh().catch((error: unknown) => request.log.warn({ err: error }, 'manifest cache refresh failed'));
      return reply.code(201).send({ serial, etag, publishedAt: toIso(publishedAt) });
    });
  });
}
