/**
 * Reads whose numbers must add up (the adoption report, the dashboard's
 * totals): every query sees one snapshot, and per-feature results are
 * gathered from several grouped queries.
 */
import type { Kysely, Transaction } from 'kysely';
import type { BetaTables } from './schema';

/** Runs `read` in one read-only snapshot: REPEATABLE READ on PostgreSQL; SQLite's read transaction is a snapshot already. */
export function readInSnapshot<T>(db: Kysely<BetaTables>, read: (trx: Transaction<BetaTables>) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

/** One entry per feature, made on the first row that names it. */
export function collectPerFeature<T>(make: (featureId: string) => T): { entries: Map<string, T>; entryFor(featureId: string): T } {
  const entries = new Map<string, T>();
  const entryFor = (featureId: string): T => {
    let entry = entries.get(featureId);
    if (entry === undefined) entries.set(featureId, (entry = make(featureId)));
    return entry;
  };
  return { entries, entryFor };
}
