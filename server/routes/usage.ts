/**
 * Usage counters from the add-on: feature id, event name, day and count, in
 * batches. A retried batch is acknowledged and never counted twice.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_COUNTS_PER_BATCH, USAGE_PATH, usageBatchSchema, usageCountsSchema } from '../../protocol/usage-schema';
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

/** Registers POST /v1/usage. */
export function registerUsageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(USAGE_PATH, { bodyLimit: USAGE_BODY_LIMIT, schema: { body: batchBody } }, async (request) => {
    const batch = request.body;
    const status = await deps.store.recordUsageBatch(batch, deps.now());
    return { batchId: batch.batchId, status };
  });
}
