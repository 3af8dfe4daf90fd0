/**
 * The signed manifest: served as the exact bytes that were published, with a
 * strong ETag so clients and CDNs revalidate cheaply; replaced only by a newer,
 * correctly signed envelope for the beta environment: signed by the manifest
 * keys of the current key document (or, before one exists, PUBLIC_KEYS).
 */
import type { FastifyInstance } from 'fastify';
import { verifyEnvelope } from '../../protocol/envelope';
import { MANIFEST_ENV } from '../../protocol/environments';
import { DAY_MS } from '../../protocol/manifest-policy';
import { MANIFEST_PATH } from '../../protocol/manifest-schema';
import { ApiError } from '../errors';
import type { RouteDeps } from '../http';
import type { DocumentCache, DocumentSource } from '../served-document';
import { findStagedFeatureProblems } from '../../protocol/stages';
import type { BetaStore } from '../store/store';
import { findCurrentManifestSigners } from './keys';
import {
  createSignedDocumentSource,
  readEnvelopeBody,
  registerSignedDocumentGet,
  registerSignedDocumentPut,
  signedDocumentCacheControl,
  storeNewerDocument,
  toApiRefusal,
} from './signed-documents';

const MANIFEST_BODY_LIMIT = 4 * 1024 * 1024;

/** The current manifest as a served document: its serial is its version. */
export function createManifestSource(store: BetaStore): DocumentSource {
  return createSignedDocumentSource({
    serial: () => store.getCurrentManifestSerial(),
    document: () => store.getCurrentManifest(),
    ...(store.watchManifest ? { watch: (onPublished: () => void) => store.watchManifest!(onPublished) } : {}),
  });
}

/** What a CDN and the add-on need to cache the manifest; the in-memory answer sends the same. */
export const manifestCacheControl = signedDocumentCacheControl;

/**
 * Registers GET /v1/manifest and PUT /v1/admin/manifest. GET is mostly
 * answered from memory before fastify (app.ts); this route answers what that
 * leaves, with the same headers: the 404 before any publication.
 */
export async function registerManifestRoutes(app: FastifyInstance, deps: RouteDeps, cache: DocumentCache): Promise<void> {
  registerSignedDocumentGet(app, deps, MANIFEST_PATH, cache, 'no_manifest');

  await registerSignedDocumentPut(app, deps, '/v1/admin/manifest', MANIFEST_BODY_LIMIT, async (request, reply) => {
    const signers = await findCurrentManifestSigners(deps);
    if (!signers) {
      throw new ApiError(
        'no_public_keys',
        `the server trusts no manifest signing key: publish a key document (npm run keys:publish) or configure PUBLIC_KEYS (now ${deps.config.publicKeyPaths.join(', ')})`,
      );
    }
    const { bytes, text } = readEnvelopeBody(request.body, 'manifest');
    const current = await deps.store.getCurrentManifest();
    let serial: number;
    try {
      const payload = await verifyEnvelope(text, {
        ...signers,
        env: MANIFEST_ENV,
        now: new Date(deps.now()),
        allowUnreviewed: deps.config.allowUnreviewed,
        maxLifetimeMs: deps.config.maxManifestLifetimeDays * DAY_MS,
      });
      serial = payload.serial;
      // The add-on trusts a signed plan's order; the publish tool and this upload make sure of it.
      const stages = payload.features.flatMap((feature) => findStagedFeatureProblems(feature).map((p) => `features (${feature.id}).${p.path.join('.')}: ${p.message}`));
      if (stages.length > 0) throw new ApiError('malformed_payload', `the manifest's stages are out of order: ${stages.join('; ')}`);
    } catch (error) {
      throw toApiRefusal(error);
    }
    return storeNewerDocument(deps, request, reply, {
      what: 'manifest',
      serial,
      bytes,
      currentSerial: current?.serial,
      publish: (record) => deps.store.publishManifest(record),
      cache,
    });
  });
}
