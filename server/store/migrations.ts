/**
 * Versioned schema migrations for the SQLite store. Each runs once, in a
 * transaction, and is recorded in `schema_version`; never edit a released
 * migration, add the next one instead.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, sessions, rate limits, manifests, notes, usage, feedback',
    sql: `
      CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        accepted_terms TEXT NOT NULL,
        accepted_terms_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_account ON sessions(account_id);
      CREATE INDEX sessions_expiry ON sessions(expires_at);
      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        reset_at INTEGER NOT NULL
      );
      CREATE INDEX rate_limits_reset ON rate_limits(reset_at);
      CREATE TABLE manifests (
        serial INTEGER PRIMARY KEY,
        bytes BLOB NOT NULL,
        etag TEXT NOT NULL,
        published_at INTEGER NOT NULL
      );
      CREATE TABLE notes (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, url)
      );
      CREATE TABLE usage_batches (
        install_id TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (install_id, batch_id)
      );
      CREATE TABLE install_activity (
        feature_id TEXT NOT NULL,
        install_id TEXT NOT NULL,
        day TEXT NOT NULL,
        PRIMARY KEY (feature_id, day, install_id)
      );
      CREATE TABLE event_counts (
        feature_id TEXT NOT NULL,
        event TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (feature_id, event, day)
      );
      CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        feature_id TEXT NOT NULL,
        rating INTEGER NOT NULL,
        comment TEXT NOT NULL,
        install_id TEXT NOT NULL,
        account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX feedback_feature ON feedback(feature_id);
      CREATE INDEX feedback_account ON feedback(account_id);
    `,
  },
  {
    version: 2,
    name: 'feedback ids, so a resent feedback is stored once',
    sql: `
      ALTER TABLE feedback ADD COLUMN feedback_id TEXT;
      CREATE UNIQUE INDEX feedback_once ON feedback(install_id, feedback_id) WHERE feedback_id IS NOT NULL;
    `,
  },
];

/**
 * Brings the database to the latest version. Runs under an immediate
 * transaction so that two processes starting at once do not both migrate.
 * Refuses a database made by a newer server rather than corrupting it.
 *
 * @example
 *   const version = migrateDatabase(new Database('beta.sqlite3'));
 */
export function migrateDatabase(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const run = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new Error(`the database is at schema version ${current}, newer than this server knows (${latest})`);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }
    return latest;
  });
  return run.immediate();
}
