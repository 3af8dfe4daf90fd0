/**
 * The BetaStore on embedded SQLite (better-sqlite3), the default that needs no
 * set-up: WAL so readers never wait for the writer, prepared statements kept
 * for reuse, and write transactions that take the write lock at BEGIN, so two
 * processes on one file wait for each other instead of failing midway.
 */
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createKyselyStore } from './kysely-store';
import { migrateOrClose } from './migrations';
import { RefuseNulPlugin } from './refuse-nul';
import type { BetaTables } from './schema';
import type { BetaStore } from './store';

export { toEmailKey } from './store';

export interface SqliteStoreOptions {
  /** Refuse to create a missing database file (for read-only tools such as the report). */
  fileMustExist?: boolean;
}

/** BEGIN IMMEDIATE for writers; a read-only transaction stays deferred, so a report does not block writers. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'begin deferred' : 'begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #settings: SqliteDialectConfig;
  constructor(settings: SqliteDialectConfig) {
    super(settings);
    this.#settings = settings;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#settings);
  }
}

// The store's queries are a small fixed set (batch inserts vary only by row count): keeping their statements saves a parse per query.
const MAX_CACHED_STATEMENTS = 500;

function cacheStatements(db: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close: () => db.close(),
  };
}

/**
 * Opens the SQLite database at `path` as Kysely, with the store's pragmas; not yet migrated.
 *
 * @example
 *   const db = openSqliteDatabase(':memory:');
 */
export function openSqliteDatabase(path: string, options: SqliteStoreOptions = {}): Kysely<BetaTables> {
  if (!options.fileMustExist && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { fileMustExist: options.fileMustExist ?? false });
  db.pragma('journal_mode = WAL');
  // FULL: a commit survives even a power cut, not only a process exit.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return new Kysely<BetaTables>({ dialect: new ImmediateSqliteDialect({ database: cacheStatements(db) }), plugins: [new RefuseNulPlugin()] });
}

/**
 * Opens (creating and migrating when needed) the SQLite store at `path`.
 *
 * @example
 *   const store = await openSqliteStore('.beta-data/beta.sqlite3');
 *   await store.createAccount({ email, passwordHash, createdAt: Date.now(), acceptedTerms: '2026-11-01' });
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<BetaStore> {
  const db = openSqliteDatabase(path, options);
  await migrateOrClose(db, 'sqlite');
  return createKyselyStore(db, 'sqlite');
}
