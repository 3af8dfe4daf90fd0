/**
 * Usage counters from the add-on: feature id, event name, day and count, in
 * batches. A retried batch is acknowledged and never counted twice.
 */
import type { FastifyInstance } from 'fastify';
import { MAX_COUNTS_PER_BATCH, USAGE_PATH, usageBatchSchema, usageCountsSchema } from '../../protocol/usage-schema';
import { ApiError } from '../errors';
import { parseInput, type RouteDeps } from '../http';

// 500 counts with long ids take more than the default 64 KiB.
const USAGE_BODY_LIMIT = 256 * 1024;

/** Registers POST /v1/usage. */
export function registerUsageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post(USAGE_PATH, { bodyLimit: USAGE_BODY_LIMIT }, async (request) => {
    const batch = parseInput(usageBatchSchema, request.body, 'body');
    if (batch.counts.length > MAX_COUNTS_PER_BATCH) {
      throw new ApiError(413, 'batch_too_large', `counts: a batch holds at most ${MAX_COUNTS_PER_BATCH} counts (got ${batch.counts.length})`);
    }
    const counts = parseInput(usageCountsSchema, batch.counts, 'body.counts');
    const status = await deps.store.recordUsageBatch({ ...batch, counts }, deps.now());
    return { batchId: batch.batchId, status };
  });
}
