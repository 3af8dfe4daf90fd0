/**
 * GET /v1/halt: the halt document the gate job signed last, served from
 * memory like the manifest (the add-on asks for it on every poll), and the
 * job itself when the server holds a halt key (HALT_KEY).
 */
import type { FastifyInstance } from 'fastify';
import { HALT_PATH } from '../../protocol/halts';
import { MANIFEST_ENV } from '../../protocol/environments';
import { readPrivateKey } from '../../protocol/key-files';
import { ApiError } from '../errors';
import type { RouteDeps } from '../http';
import { matchesIfNoneMatch, openDocumentCache, type MemoryRoute } from '../served-document';
import { startHaltJob } from './halt-job';

/** Short: a halt must reach the add-ons within minutes, CDN included. */
const HALT_MAX_AGE_SECONDS = 60;

/**
 * Registers the route and, with a halt key, the gate job; both stop when the
 * server closes. Returns the in-memory route for app.ts's responder.
 */
export async function registerHaltRoutes(app: FastifyInstance, deps: RouteDeps, options: { checkIntervalMs: number }): Promise<MemoryRoute> {
  const { store, config } = deps;
  const cache = await openDocumentCache(
    {
      readVersion: () => store.getCurrentHaltSerial(),
      async readDocument() {
        const halt = await store.getCurrentHalt();
        return halt && { version: halt.serial, bytes: halt.bytes, etag: halt.etag, publishedAt: halt.publishedAt };
      },
    },
    { checkIntervalMs: options.checkIntervalMs, onError: (error) => app.log.warn({ err: error }, 'cannot refresh the served halt document') },
  );
  app.addHook('onClose', async () => cache.close());
  const cacheControl = `public, max-age=${HALT_MAX_AGE_SECONDS}`;

  app.get(HALT_PATH, async (request, reply) => {
    const current = cache.current();
    if (!current) throw new ApiError('no_halt');
    reply.header('etag', current.etag).header('cache-control', cacheControl).header('last-modified', new Date(current.publishedAt).toUTCString());
    if (matchesIfNoneMatch(request.headers['if-none-match'], current.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(current.bytes);
  });

  if (config.haltKeyPath) {
    // A wrong path or key stops the start with the file named, rather than a server that never halts.
    const signer = await readPrivateKey(config.haltKeyPath);
    const job = startHaltJob({ store, signer, env: MANIFEST_ENV, now: deps.now, onPublished: () => cache.refresh() }, config.haltCheckIntervalMs);
    void job.runNow();
    app.addHook('onClose', async () => job.stop());
  }
  return { path: HALT_PATH, cache, headers: { 'cache-control': cacheControl } };
}
