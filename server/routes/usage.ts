/**
 * Usage counters from the add-on: feature id, event name, day and count, in
 * batches. A retried batch is acknowledged and never counted twice.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { featureId } from '../../protocol/manifest-schema';
import { ApiError } from '../errors';
import { parseInput, type RouteDeps } from '../http';

export const MAX_COUNTS_PER_BATCH = 500;
// 500 counts with long ids take more than the default 64 KiB.
const USAGE_BODY_LIMIT = 256 * 1024;

export const opaqueId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1–128 characters of A-Z, a-z, 0-9, ".", "_", ":", "-"');
export const utcDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day like 2026-11-25')
  .refine((day) => {
    // Zod runs every check, so this sees strings the pattern refused too.
    const time = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(time) && new Date(time).toISOString().startsWith(day);
  }, 'must be a real calendar day');

const countSchema = z.strictObject({
  day: utcDay,
  featureId,
  event: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be an event name of 1–64 characters'),
  count: z.number().int().min(1).max(1_000_000),
});
const batchSchema = z.strictObject({
  batchId: opaqueId,
  installId: opaqueId,
  counts: z.array(z.unknown()),
});
const countsSchema = z.array(countSchema);

/** Registers POST /v1/usage. */
export function registerUsageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/usage', { bodyLimit: USAGE_BODY_LIMIT }, async (request) => {
    const batch = parseInput(batchSchema, request.body, 'body');
    if (batch.counts.length > MAX_COUNTS_PER_BATCH) {
      throw new ApiError(413, 'batch_too_large', `counts: a batch holds at most ${MAX_COUNTS_PER_BATCH} counts (got ${batch.counts.length})`);
    }
    const counts = parseInput(countsSchema, batch.counts, 'body.counts');
    const status = await deps.store.recordUsageBatch({ ...batch, counts }, deps.now());
    return { batchId: batch.batchId, status };
  });
}
