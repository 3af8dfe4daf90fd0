/**
 * Usage counters from the add-on: feature id, event name, day and count, in
 * batches. A retried batch is acknowledged and never counted twice. Also the
 * page Firefox opens once the host add-on is uninstalled, which counts
 * host.uninstalled-while-active for the features it names.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { featureId } from '../../protocol/manifest-schema';
import { MAX_COUNTS_PER_BATCH, MAX_UNINSTALLED_FEATURES, opaqueId, UNINSTALLED_PATH, USAGE_PATH, usageBatchSchema, usageCountsSchema } from '../../protocol/usage-schema';
import { failWith } from '../errors';
import type { RouteDeps } from '../http';

// 500 counts with long ids take more than the default 64 KiB.
const USAGE_BODY_LIMIT = 256 * 1024;

// The size is checked before any count (a pipe stops at the first failure),
// so an oversized batch is named as such and costs no per-count work.
const batchBody = z.strictObject({
  ...usageBatchSchema.shape,
  counts: z.pipe(
    usageBatchSchema.shape.counts.check(
      z.refine(
        (counts) => counts.length <= MAX_COUNTS_PER_BATCH,
        failWith('batch_too_large', (counts: unknown[]) => `a batch holds at most ${MAX_COUNTS_PER_BATCH} counts (got ${counts.length})`),
      ),
    ),
    usageCountsSchema,
  ),
});

// ?i=<install id>&f=<feature ids, comma-separated>: the add-on's uninstall URL (extension/background/host-health.ts).
const uninstalledQuery = z.strictObject({
  i: opaqueId,
  f: z.pipe(
    z.string().transform((list) => [...new Set(list.split(','))]).refine(
      (ids) => ids.length <= MAX_UNINSTALLED_FEATURES,
      failWith('too_many_features', (ids: string[]) => `names at most ${MAX_UNINSTALLED_FEATURES} features (got ${ids.length})`),
    ),
    z.array(featureId),
  ),
});

/** What the user sees once the add-on is gone; nothing on it loads or runs anything. */
const UNINSTALLED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Services Beta Channel removed</title></head>
<body><h1>The Services Beta Channel is removed</h1>
<p>Its beta features are gone from this Firefox. Thank you for trying them.</p></body></html>
`;

/** Registers POST /v1/usage and GET /v1/uninstalled. */
export function registerUsageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(USAGE_PATH, { bodyLimit: USAGE_BODY_LIMIT, schema: { body: batchBody } }, async (request) => {
    const batch = request.body;
    const status = await deps.store.recordUsageBatch(batch, deps.now());
    return { batchId: batch.batchId, status };
  });

  // A usage batch of its own, one id per install and day: a reload or a second uninstall that day counts nothing more.
  api.get(UNINSTALLED_PATH, { schema: { querystring: uninstalledQuery } }, async (request, reply) => {
    const { i: installId, f: features } = request.query;
    const now = deps.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const counts = features.map((id) => ({ day, featureId: id, event: HOST_EVENTS.uninstalledWhileActive, count: 1 }));
    await deps.store.recordUsageBatch({ batchId: `uninstalled:${day}`, installId, counts }, now);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'")
      .header('referrer-policy', 'no-referrer')
      .send(UNINSTALLED_PAGE);
  });
}
