/**
 * Housekeeping that every server process runs on a timer: expired sessions
 * and rate-limit windows go, and usage older than its retention is deleted.
 * Several processes may run it at once on PostgreSQL: the deletes are idempotent.
 */
import type { BetaStore } from './store';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionPolicy {
  /** Usage (counts, active installs, batch ids) is kept this many whole UTC days, today included. */
  usageRetentionDays: number;
  /**
   * Batch ids only guard against a batch sent again after a lost answer, which
   * happens within days: they may go sooner (at most usageRetentionDays).
   * One row per batch makes them the largest table at scale.
   */
  batchIdRetentionDays?: number;
}

/** The first UTC day kept: usage of earlier days is past its retention. */
export function findFirstKeptDay(now: number, retentionDays: number): string {
  return new Date(now - (retentionDays - 1) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Runs one round of housekeeping and says how many usage rows it deleted.
 *
 * @example
 *   await runHousekeeping(store, { usageRetentionDays: 400 }, Date.now());
 */
export async function runHousekeeping(store: BetaStore, policy: RetentionPolicy, now: number): Promise<{ usageRowsDeleted: number }> {
  await store.pruneExpired(now);
  const firstKept = findFirstKeptDay(now, policy.usageRetentionDays);
  const batchDays = Math.min(policy.batchIdRetentionDays ?? policy.usageRetentionDays, policy.usageRetentionDays);
  const firstBatchDayKept = findFirstKeptDay(now, batchDays);
  const usageRowsDeleted = await store.deleteUsageBefore(firstKept, Date.parse(`${firstBatchDayKept}T00:00:00Z`));
  return { usageRowsDeleted };
}
