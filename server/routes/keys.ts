/**
 * The key document (protocol/key-document.ts): served from memory as the
 * exact bytes that were published, with a strong ETag, like the manifest;
 * replaced only by a newer document that enough of the configured root keys
 * signed, and that leaves at least one valid manifest key.
 */
import type { FastifyInstance } from 'fastify';
import type { PinnedKey, TrustedSigners } from '../../protocol/envelope';
import { MANIFEST_ENV } from '../../protocol/environments';
import { ADMIN_KEYS_PATH, describeKeyDocumentProblems, findManifestSigners, KEYS_PATH, verifyKeyDocument, type KeyDocumentPayload } from '../../protocol/key-document';
import { ApiError } from '../errors';
import type { RouteDeps } from '../http';
import type { DocumentCache, DocumentSource } from '../served-document';
import type { BetaStore } from '../store/store';
import { createSignedDocumentSource, readEnvelopeBody, registerSignedDocumentGet, registerSignedDocumentPut, storeNewerDocument, toApiRefusal } from './signed-documents';

const KEYS_BODY_LIMIT = 256 * 1024;

/** The current key document as a served document: its serial is its version. */
export function createKeyDocumentSource(store: BetaStore): DocumentSource {
  return createSignedDocumentSource({
    serial: () => store.getCurrentKeyDocumentSerial(),
    document: () => store.getCurrentKeyDocument(),
    ...(store.watchKeyDocument ? { watch: (onPublished: () => void) => store.watchKeyDocument!(onPublished) } : {}),
  });
}

function loadKeys(load: () => PinnedKey[], code: 'root_keys_unreadable' | 'public_keys_unreadable', what: string): PinnedKey[] {
  try {
    return load();
  } catch (error) {
    throw new ApiError(code, `the server cannot read its ${what}: ${(error as Error).message}`);
  }
}

/**
 * Who may sign a manifest now: the manifest keys of the stored key document,
 * or, before any key document is published, the keys in PUBLIC_KEYS.
 * Undefined when neither exists.
 */
export async function findCurrentManifestSigners(deps: RouteDeps): Promise<TrustedSigners | undefined> {
  // Read from the store, not the served copy: a publisher must never be judged against an older document.
  const stored = await deps.store.getCurrentKeyDocument();
  if (stored) {
    // Verified when it was published; checked again so that a database edited by hand is not trusted.
    const doc = await verifyKeyDocument(stored.bytes.toString('utf8'), {
      rootKeys: loadKeys(deps.loadRootKeys, 'root_keys_unreadable', 'root keys'),
      rootThreshold: deps.config.rootThreshold,
      env: MANIFEST_ENV,
      checkExpiry: false,
    }).catch((error: unknown) => {
      throw new ApiError('key_document_untrusted', `the stored key document no longer verifies: ${(error as Error).message}`);
    });
    return findManifestSigners(doc);
  }
  const legacy = loadKeys(deps.loadPublicKeys, 'public_keys_unreadable', 'public keys');
  return legacy.length > 0 ? { keys: legacy, source: 'the PUBLIC_KEYS of this server' } : undefined;
}

/** Registers GET /v1/keys (mostly answered from memory, app.ts) and PUT /v1/admin/keys. */
export async function registerKeyRoutes(app: FastifyInstance, deps: RouteDeps, cache: DocumentCache): Promise<void> {
  registerSignedDocumentGet(app, deps, KEYS_PATH, cache, 'no_key_document');

  await registerSignedDocumentPut(app, deps, ADMIN_KEYS_PATH, KEYS_BODY_LIMIT, async (request, reply) => {
    const rootKeys = loadKeys(deps.loadRootKeys, 'root_keys_unreadable', 'root keys');
    if (rootKeys.length === 0) {
      throw new ApiError('no_root_keys', `the server trusts no root key; configure ROOT_KEYS (now ${deps.config.rootKeyPaths.join(', ')})`);
    }
    const { bytes, text } = readEnvelopeBody(request.body, 'key document');
    const current = await deps.store.getCurrentKeyDocument();
    let doc: KeyDocumentPayload;
    try {
      doc = await verifyKeyDocument(text, { rootKeys, rootThreshold: deps.config.rootThreshold, env: MANIFEST_ENV, now: new Date(deps.now()) });
    } catch (error) {
      throw toApiRefusal(error);
    }
    // The add-on would accept a document with usable keys beside a mistake; the channel publishes none.
    const problems = describeKeyDocumentProblems(doc);
    if (problems) throw new ApiError('malformed_payload', problems);
    return storeNewerDocument(deps, request, reply, {
      what: 'key document',
      serial: doc.serial,
      bytes,
      currentSerial: current?.serial,
      publish: (record) => deps.store.publishKeyDocument(record),
      cache,
    });
  });
}
