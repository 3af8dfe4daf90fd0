/**
 * Usage counters on the wire (DESIGN.md decision 9): POST /v1/usage carries
 * batches of {day, featureId, event, count}, nothing else. The add-on records
 * and batches by these rules; the server refuses anything outside them.
 *
 * @example
 * usageBatchSchema.parse({ batchId: 'b-1', installId: 'i-1', counts: [{ day: '2026-11-25', featureId: 'page-notes', event: 'note-saved', count: 2 }] });
 */
import * as z from 'zod/mini';
import { featureId } from './manifest-schema';
import { USAGE_EVENT_PATTERN } from './telemetry-limits';

export { MAX_COUNTS_PER_BATCH, MAX_UNINSTALLED_FEATURES, UNINSTALLED_PATH, USAGE_EVENT_PATTERN, USAGE_PATH } from './telemetry-limits';

/** Batch, install and feedback ids made by the add-on. */
export const opaqueId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1–128 characters of A-Z, a-z, 0-9, ".", "_", ":", "-"'));
export const utcDay = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day like 2026-11-25'),
  z.refine((day) => {
    // Zod runs every check, so this sees strings the pattern refused too.
    const time = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(time) && new Date(time).toISOString().startsWith(day);
  }, 'must be a real calendar day'),
);
export const usageEventName = z
  .string()
  .check(z.regex(USAGE_EVENT_PATTERN, 'must be an event name of 1–64 characters of a-z, 0-9, ".", "_", "-", starting with a letter or digit'));

export const usageCountSchema = z.strictObject({
  day: utcDay,
  featureId,
  event: usageEventName,
  count: z.int().check(z.gte(1), z.lte(1_000_000)),
});
export type UsageCountEntry = z.infer<typeof usageCountSchema>;

/** The batch envelope; counts are checked one by one afterwards so that a too-large batch is named as such. */
export const usageBatchSchema = z.strictObject({
  batchId: opaqueId,
  installId: opaqueId,
  counts: z.array(z.unknown()),
});
export const usageCountsSchema = z.array(usageCountSchema);
