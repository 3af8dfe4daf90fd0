/**
 * The one way a schema moves forward, for the store's own tables and for each
 * service's: in one transaction that other processes starting at once wait
 * for (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), refusing a
 * database that a newer server migrated rather than corrupting it, and
 * recording each version as it is applied.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { StoreDialect } from './schema';

export interface MigrationStep {
  version: number;
  name: string;
}

/** Where the versions applied are recorded, and what a refusal names. */
export interface MigrationLedger<DB, M extends MigrationStep> {
  /** Among PostgreSQL's advisory locks: any constant shared by every server process, one per ledger. */
  lock: number;
  /** Creates the table the versions are recorded in, when it is missing. */
  createTable: string;
  /** The highest version recorded, 0 for none. */
  readVersion(trx: Transaction<DB>): Promise<number>;
  record(trx: Transaction<DB>, migration: M): Promise<void>;
  run(trx: Transaction<DB>, migration: M): Promise<void>;
  /** What the refusal says the database is, e.g. `the database is` or `service notes: the database is at its`. */
  describe: string;
}

/** Runs statements separated by ";" at the end of a line, one by one. */
export async function runStatements(trx: Transaction<any>, text: string): Promise<void> {
  const statements = text
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
  for (const statement of statements) await sql.raw(statement).execute(trx);
}

/**
 * Applies, in version order, the migrations the ledger has not recorded.
 * Returns the latest version known.
 *
 * @example
 *   await applyMigrations(db, 'postgres', MIGRATIONS, storeLedger);
 */
export async function applyMigrations<DB, M extends MigrationStep>(
  db: Kysely<DB>,
  dialect: StoreDialect,
  migrations: readonly M[],
  ledger: MigrationLedger<DB, M>,
): Promise<number> {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${ledger.lock})`.execute(trx);
    await sql.raw(ledger.createTable).execute(trx);
    const current = await ledger.readVersion(trx);
    if (current > latest) {
      throw new Error(`${ledger.describe} schema version ${current}, newer than this server knows (${latest})`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await ledger.run(trx, migration);
      await ledger.record(trx, migration);
    }
    return latest;
  });
}
