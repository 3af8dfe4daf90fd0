/**
 * The BetaStore on embedded SQLite (better-sqlite3): WAL so readers never wait
 * for the writer, prepared statements, and transactions for everything that
 * must happen all or nothing. better-sqlite3 is synchronous; the methods are
 * async only to match the interface a PostgreSQL store will share.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrateDatabase } from './migrations';
import type {
  AccountRecord,
  BetaStore,
  FeatureReport,
  FeedbackRecord,
  ManifestRecord,
  NewAccount,
  NoteRecord,
  RateLimitResult,
  SessionRecord,
  UsageBatch,
} from './store';

export interface SqliteStoreOptions {
  /** Refuse to create a missing database file (for read-only tools such as the report). */
  fileMustExist?: boolean;
}

interface AccountRow {
  id: number;
  email: string;
  password_hash: string;
  created_at: number;
  accepted_terms: string;
  accepted_terms_at: number;
}

function toAccount(row: AccountRow | undefined): AccountRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    acceptedTerms: row.accepted_terms,
    acceptedTermsAt: row.accepted_terms_at,
  };
}

/** Emails compare case-insensitively everywhere, with one canonical key. */
export function toEmailKey(email: string): string {
  return email.trim().toLowerCase();
}

function shiftDay(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * Opens (creating and migrating when needed) the SQLite store at `path`.
 *
 * @example
 *   const store = openSqliteStore('.beta-data/beta.sqlite3');
 *   await store.createAccount({ email, passwordHash, createdAt: Date.now(), acceptedTerms: '2026-11-01' });
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): BetaStore {
  if (!options.fileMustExist && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { fileMustExist: options.fileMustExist ?? false });
  db.pragma('journal_mode = WAL');
  // FULL: a commit survives even a power cut, not only a process exit.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateDatabase(db);

  const sql = {
    insertAccount: db.prepare(
      `INSERT INTO accounts (email, email_key, password_hash, created_at, accepted_terms, accepted_terms_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(email_key) DO NOTHING`,
    ),
    accountByEmail: db.prepare('SELECT * FROM accounts WHERE email_key = ?'),
    accountById: db.prepare('SELECT * FROM accounts WHERE id = ?'),
    updatePassword: db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?'),
    updateTerms: db.prepare('UPDATE accounts SET accepted_terms = ?, accepted_terms_at = ? WHERE id = ?'),
    deleteAccount: db.prepare('DELETE FROM accounts WHERE id = ?'),
    insertSession: db.prepare('INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    sessionByHash: db.prepare('SELECT account_id, created_at, expires_at FROM sessions WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    rateLimit: db.prepare('SELECT count, reset_at FROM rate_limits WHERE key = ?'),
    rateLimitSet: db.prepare(
      `INSERT INTO rate_limits (key, count, reset_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET count = excluded.count, reset_at = excluded.reset_at`,
    ),
    currentManifest: db.prepare('SELECT serial, bytes, etag, published_at FROM manifests ORDER BY serial DESC LIMIT 1'),
    maxSerial: db.prepare('SELECT MAX(serial) AS serial FROM manifests'),
    insertManifest: db.prepare('INSERT INTO manifests (serial, bytes, etag, published_at) VALUES (?, ?, ?, ?)'),
    notesAll: db.prepare('SELECT url, text, created_at, updated_at FROM notes WHERE account_id = ? ORDER BY updated_at DESC, url'),
    notesByUrl: db.prepare('SELECT url, text, created_at, updated_at FROM notes WHERE account_id = ? AND url = ?'),
    noteCount: db.prepare('SELECT COUNT(*) AS n FROM notes WHERE account_id = ?'),
    insertNote: db.prepare('INSERT INTO notes (account_id, url, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
    updateNote: db.prepare('UPDATE notes SET text = ?, updated_at = ? WHERE account_id = ? AND url = ?'),
    deleteNote: db.prepare('DELETE FROM notes WHERE account_id = ? AND url = ?'),
    insertBatch: db.prepare('INSERT INTO usage_batches (install_id, batch_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    insertActivity: db.prepare('INSERT INTO install_activity (feature_id, install_id, day) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    addEventCount: db.prepare(
      `INSERT INTO event_counts (feature_id, event, day, count) VALUES (?, ?, ?, ?)
       ON CONFLICT(feature_id, event, day) DO UPDATE SET count = count + excluded.count`,
    ),
    insertFeedback: db.prepare(
      `INSERT INTO feedback (feature_id, rating, comment, install_id, feedback_id, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    reportInstalls: db.prepare(
      `SELECT feature_id, COUNT(*) AS n FROM (
         SELECT feature_id, install_id FROM install_activity UNION SELECT feature_id, install_id FROM feedback
       ) GROUP BY feature_id`,
    ),
    reportActive: db.prepare(
      'SELECT feature_id, COUNT(DISTINCT install_id) AS n FROM install_activity WHERE day BETWEEN ? AND ? GROUP BY feature_id',
    ),
    reportEvents: db.prepare('SELECT feature_id, event, SUM(count) AS n FROM event_counts GROUP BY feature_id, event'),
    reportFeedback: db.prepare('SELECT feature_id, COUNT(*) AS n, AVG(rating) AS mean FROM feedback GROUP BY feature_id'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    pruneRateLimits: db.prepare('DELETE FROM rate_limits WHERE reset_at <= ?'),
  };

  const consumeRateLimit = db.transaction((key: string, limit: number, windowMs: number, now: number): RateLimitResult => {
    const row = sql.rateLimit.get(key) as { count: number; reset_at: number } | undefined;
    const fresh = !row || row.reset_at <= now;
    const count = fresh ? 1 : row.count + 1;
    const resetAt = fresh ? now + windowMs : row.reset_at;
    sql.rateLimitSet.run(key, count, resetAt);
    return count <= limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: resetAt - now };
  });

  const publishManifest = db.transaction((manifest: ManifestRecord): boolean => {
    const { serial } = sql.maxSerial.get() as { serial: number | null };
    if (serial !== null && serial >= manifest.serial) return false;
    sql.insertManifest.run(manifest.serial, manifest.bytes, manifest.etag, manifest.publishedAt);
    return true;
  });

  const upsertNote = db.transaction(
    (accountId: number, url: string, text: string, now: number, maxNotes: number): 'created' | 'updated' | 'limit' => {
      if (sql.updateNote.run(text, now, accountId, url).changes > 0) return 'updated';
      const { n } = sql.noteCount.get(accountId) as { n: number };
      if (n >= maxNotes) return 'limit';
      sql.insertNote.run(accountId, url, text, now, now);
      return 'created';
    },
  );

  const recordUsageBatch = db.transaction((batch: UsageBatch, receivedAt: number): 'recorded' | 'duplicate' => {
    if (sql.insertBatch.run(batch.installId, batch.batchId, receivedAt).changes === 0) return 'duplicate';
    for (const count of batch.counts) {
      sql.insertActivity.run(count.featureId, batch.installId, count.day);
      sql.addEventCount.run(count.featureId, count.event, count.day, count.count);
    }
    return 'recorded';
  });

  const readReport = db.transaction((asOfDay: string): FeatureReport[] => {
    const reports = new Map<string, FeatureReport>();
    const reportFor = (featureId: string): FeatureReport => {
      let report = reports.get(featureId);
      if (!report) {
        report = { featureId, installs: 0, active1d: 0, active7d: 0, active28d: 0, events: {}, feedbackCount: 0, meanRating: null };
        reports.set(featureId, report);
      }
      return report;
    };
    for (const row of sql.reportInstalls.all() as Array<{ feature_id: string; n: number }>) reportFor(row.feature_id).installs = row.n;
    const windows = [
      ['active1d', 1],
      ['active7d', 7],
      ['active28d', 28],
    ] as const;
    for (const [field, days] of windows) {
      const rows = sql.reportActive.all(shiftDay(asOfDay, 1 - days), asOfDay) as Array<{ feature_id: string; n: number }>;
      for (const row of rows) reportFor(row.feature_id)[field] = row.n;
    }
    for (const row of sql.reportEvents.all() as Array<{ feature_id: string; event: string; n: number }>) {
      reportFor(row.feature_id).events[row.event] = row.n;
    }
    for (const row of sql.reportFeedback.all() as Array<{ feature_id: string; n: number; mean: number }>) {
      const report = reportFor(row.feature_id);
      report.feedbackCount = row.n;
      report.meanRating = Math.round(row.mean * 100) / 100;
    }
    return [...reports.values()].sort((a, b) => a.featureId.localeCompare(b.featureId));
  });

  const toNote = (row: { url: string; text: string; created_at: number; updated_at: number }): NoteRecord => ({
    url: row.url,
    text: row.text,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  return {
    async createAccount(account: NewAccount) {
      const result = sql.insertAccount.run(
        account.email,
        toEmailKey(account.email),
        account.passwordHash,
        account.createdAt,
        account.acceptedTerms,
        account.createdAt,
      );
      if (result.changes === 0) return undefined;
      return toAccount(sql.accountById.get(result.lastInsertRowid) as AccountRow);
    },
    async findAccountByEmail(email) {
      return toAccount(sql.accountByEmail.get(toEmailKey(email)) as AccountRow | undefined);
    },
    async findAccountById(id) {
      return toAccount(sql.accountById.get(id) as AccountRow | undefined);
    },
    async updatePasswordHash(accountId, passwordHash) {
      sql.updatePassword.run(passwordHash, accountId);
    },
    async recordTermsAcceptance(accountId, version, at) {
      sql.updateTerms.run(version, at, accountId);
    },
    async deleteAccount(accountId) {
      // Sessions, notes and feedback go with it (ON DELETE CASCADE).
      return sql.deleteAccount.run(accountId).changes > 0;
    },
    async createSession(tokenHash, session: SessionRecord) {
      sql.insertSession.run(tokenHash, session.accountId, session.createdAt, session.expiresAt);
    },
    async findSession(tokenHash) {
      const row = sql.sessionByHash.get(tokenHash) as { account_id: number; created_at: number; expires_at: number } | undefined;
      return row && { accountId: row.account_id, createdAt: row.created_at, expiresAt: row.expires_at };
    },
    async revokeSession(tokenHash) {
      sql.deleteSession.run(tokenHash);
    },
    async consumeRateLimit(key, limit, windowMs, now) {
      return consumeRateLimit.immediate(key, limit, windowMs, now);
    },
    async getCurrentManifest() {
      const row = sql.currentManifest.get() as { serial: number; bytes: Buffer; etag: string; published_at: number } | undefined;
      return row && { serial: row.serial, bytes: row.bytes, etag: row.etag, publishedAt: row.published_at };
    },
    async publishManifest(manifest) {
      return publishManifest.immediate(manifest);
    },
    async listNotes(accountId, url) {
      const rows = url === undefined ? sql.notesAll.all(accountId) : sql.notesByUrl.all(accountId, url);
      return (rows as Array<{ url: string; text: string; created_at: number; updated_at: number }>).map(toNote);
    },
    async upsertNote(accountId, url, text, now, maxNotes) {
      return upsertNote.immediate(accountId, url, text, now, maxNotes);
    },
    async deleteNote(accountId, url) {
      return sql.deleteNote.run(accountId, url).changes > 0;
    },
    async recordUsageBatch(batch, receivedAt) {
      return recordUsageBatch.immediate(batch, receivedAt);
    },
    async addFeedback(feedback: FeedbackRecord) {
      const result = sql.insertFeedback.run(
        feedback.featureId,
        feedback.rating,
        feedback.comment,
        feedback.installId,
        feedback.feedbackId,
        feedback.accountId,
        feedback.createdAt,
      );
      return result.changes > 0;
    },
    async readReport(asOfDay) {
      return readReport(asOfDay);
    },
    async pruneExpired(now) {
      sql.pruneSessions.run(now);
      sql.pruneRateLimits.run(now);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
