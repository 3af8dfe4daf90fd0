/**
 * The one BetaStore implementation, over Kysely, for SQLite and PostgreSQL
 * alike. What must happen all or nothing runs in a transaction; counters that
 * several server processes bump at once are single upserts
 * (INSERT … ON CONFLICT … DO UPDATE), never read-modify-write. Rows that one
 * transaction locks are written in sorted order, so concurrent batches on
 * PostgreSQL cannot deadlock.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { listFeedback, listFeedbackVersions, readAllFeedback, readChannelTotals, readDailySeries } from './dashboard-query';
import { countFeatureInstalls, readRatingMoments, readRetention7d, sumFeatureEvent } from './health-query';
import { publishHalt, readCurrentHalt, readCurrentHaltSerial } from './halt-query';
import { readReport } from './report-query';
import type { BetaTables, StoreDialect } from './schema';
import { toEmailKey, type AccountRecord, type BetaStore, type ManifestRecord, type UsageCount } from './store';

type AccountRow = Selectable<BetaTables['accounts']>;

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

/** One row per feature, event and day (PostgreSQL refuses to update one row twice in one upsert), in key order. */
function sumCounts(counts: readonly UsageCount[]): UsageCount[] {
  const sums = new Map<string, UsageCount>();
  for (const c of counts) {
    const key = JSON.stringify([c.featureId, c.event, c.day]);
    const seen = sums.get(key);
    if (seen) seen.count += c.count;
    else sums.set(key, { ...c });
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

function listActivity(counts: readonly UsageCount[], installId: string): Array<BetaTables['install_activity']> {
  const keys = [...new Set(counts.map((c) => JSON.stringify([c.featureId, c.day])))].sort();
  return keys.map((key) => {
    const [featureId, day] = JSON.parse(key) as [string, string];
    return { feature_id: featureId, install_id: installId, day };
  });
}

/**
 * Wraps an open, migrated Kysely instance as the BetaStore. `close` destroys it.
 *
 * @example
 *   const store = createKyselyStore(db, 'postgres');
 */
/** The PostgreSQL notification channels a publication is announced on. */
export const MANIFEST_CHANNEL = 'beta_manifest_published';
export const KEY_DOCUMENT_CHANNEL = 'beta_key_document_published';

export function createKyselyStore(db: Kysely<BetaTables>, dialect: StoreDialect): BetaStore {
  const selectAccount = () => db.selectFrom('accounts').selectAll();
  /** Stores a signed document only above every stored serial, so racing publishers cannot roll the channel back. */
  const publishSigned = (table: 'manifests' | 'key_documents', record: ManifestRecord, channel: string) =>
    db.transaction().execute(async (trx) => {
      // Publishers wait for each other; readers of the current document are not blocked.
      if (dialect === 'postgres') await sql`LOCK TABLE ${sql.table(table)} IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      const top = await trx.selectFrom(table).select((eb) => eb.fn.max('serial').as('serial')).executeTakeFirst();
      if (top?.serial != null && Number(top.serial) >= record.serial) return false;
      await trx.insertInto(table).values({ serial: record.serial, bytes: record.bytes, etag: record.etag, published_at: record.publishedAt }).execute();
      // Delivered to every listening process when this transaction commits, never before.
      if (dialect === 'postgres') await sql`NOTIFY ${sql.raw(channel)}`.execute(trx);
      return true;
    });

  return {
    db,
    dialect,
    async createAccount(account) {
      const row = await db
        .insertInto('accounts')
        .values({
          email: account.email,
          email_key: toEmailKey(account.email),
          password_hash: account.passwordHash,
          created_at: account.createdAt,
          accepted_terms: account.acceptedTerms,
          accepted_terms_at: account.createdAt,
        })
        .onConflict((oc) => oc.column('email_key').doNothing())
        .returningAll()
        .executeTakeFirst();
      return toAccount(row);
    },
    async findAccountByEmail(email) {
      return toAccount(await selectAccount().where('email_key', '=', toEmailKey(email)).executeTakeFirst());
    },
    async findAccountById(id) {
      return toAccount(await selectAccount().where('id', '=', id).executeTakeFirst());
    },
    async updatePasswordHash(accountId, passwordHash) {
      await db.updateTable('accounts').set({ password_hash: passwordHash }).where('id', '=', accountId).execute();
    },
    async recordTermsAcceptance(accountId, version, at) {
      await db.updateTable('accounts').set({ accepted_terms: version, accepted_terms_at: at }).where('id', '=', accountId).execute();
    },
    async deleteAccount(accountId, deleteServiceData) {
      return db.transaction().execute(async (trx) => {
        await deleteServiceData?.(trx);
        // Sessions, notes and feedback go with the account row (ON DELETE CASCADE).
        const result = await trx.deleteFrom('accounts').where('id', '=', accountId).executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    async createSession(tokenHash, session) {
      await db
        .insertInto('sessions')
        .values({ token_hash: tokenHash, account_id: session.accountId, created_at: session.createdAt, expires_at: session.expiresAt })
        .execute();
    },
    async findSession(tokenHash) {
      const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && { accountId: row.account_id, createdAt: row.created_at, expiresAt: row.expires_at };
    },
    async revokeSession(tokenHash) {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },

    async consumeRateLimit(key, limit, windowMs, now) {
      // One upsert: the row lock orders processes counting the same key, so none is lost.
      const expired = sql<boolean>`rate_limits.reset_at <= ${now}`;
      const row = await db
        .insertInto('rate_limits')
        .values({ key, count: 1, reset_at: now + windowMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql`CASE WHEN ${expired} THEN 1 ELSE rate_limits.count + 1 END`,
            reset_at: sql`CASE WHEN ${expired} THEN excluded.reset_at ELSE rate_limits.reset_at END`,
          }),
        )
        .returning(['count', 'reset_at'])
        .executeTakeFirstOrThrow();
      const resetAt = Number(row.reset_at);
      return Number(row.count) <= limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: resetAt - now };
    },

    async getCurrentManifest() {
      const row = await db.selectFrom('manifests').selectAll().orderBy('serial', 'desc').limit(1).executeTakeFirst();
      return row && { serial: row.serial, bytes: row.bytes, etag: row.etag, publishedAt: row.published_at };
    },
    async getCurrentManifestSerial() {
      const row = await db.selectFrom('manifests').select('serial').orderBy('serial', 'desc').limit(1).executeTakeFirst();
      return row && Number(row.serial);
    },
    async publishManifest(manifest) {
      return publishSigned('manifests', manifest, MANIFEST_CHANNEL);
    },
    async getCurrentKeyDocument() {
      const row = await db.selectFrom('key_documents').selectAll().orderBy('serial', 'desc').limit(1).executeTakeFirst();
      return row && { serial: Number(row.serial), bytes: row.bytes, etag: row.etag, publishedAt: Number(row.published_at) };
    },
    async getCurrentKeyDocumentSerial() {
      const row = await db.selectFrom('key_documents').select('serial').orderBy('serial', 'desc').limit(1).executeTakeFirst();
      return row && Number(row.serial);
    },
    async publishKeyDocument(document) {
      return publishSigned('key_documents', document, KEY_DOCUMENT_CHANNEL);
    },

    async recordUsageBatch(batch, receivedAt) {
      return db.transaction().execute(async (trx) => {
        // The batch id goes in first: a concurrent retry of the same batch waits on it, then counts nothing.
        const fresh = await trx
          .insertInto('usage_batches')
          .values({ install_id: batch.installId, batch_id: batch.batchId, received_at: receivedAt })
          .onConflict((oc) => oc.doNothing())
          .returning('batch_id')
          .executeTakeFirst();
        if (!fresh) return 'duplicate' as const;
        if (batch.counts.length === 0) return 'recorded' as const;
        await trx
          .insertInto('install_activity')
          .values(listActivity(batch.counts, batch.installId))
          .onConflict((oc) => oc.doNothing())
          .execute();
        const sums = sumCounts(batch.counts).map((c) => ({ feature_id: c.featureId, event: c.event, day: c.day, count: c.count }));
        await trx
          .insertInto('event_counts')
          .values(sums)
          .onConflict((oc) =>
            oc.columns(['feature_id', 'event', 'day']).doUpdateSet({ count: sql`event_counts.count + excluded.count` }),
          )
          .execute();
        return 'recorded' as const;
      });
    },
    async addFeedback(feedback) {
      const row = await db
        .insertInto('feedback')
        .values({
          feature_id: feedback.featureId,
          rating: feedback.rating,
          comment: feedback.comment,
          install_id: feedback.installId,
          feedback_id: feedback.feedbackId,
          account_id: feedback.accountId,
          created_at: feedback.createdAt,
          feature_version: feedback.featureVersion ?? null,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
    async readReport(asOfDay) {
      return readReport(db, asOfDay);
    },
    countFeatureInstalls: (featureId) => countFeatureInstalls(db, featureId),
    readRetention7d: (featureId, asOfDay) => readRetention7d(db, featureId, asOfDay),
    readRatingMoments: (featureId) => readRatingMoments(db, featureId),
    sumFeatureEvent: (featureId, event) => sumFeatureEvent(db, featureId, event),
    readDailySeries: (featureId, from, to) => readDailySeries(db, featureId, from, to),
    listFeedback: (featureId, filter, page) => listFeedback(db, featureId, filter, page),
    readAllFeedback: (featureId, filter) => readAllFeedback(db, featureId, filter),
    listFeedbackVersions: (featureId) => listFeedbackVersions(db, featureId),
    readChannelTotals: () => readChannelTotals(db),
    getCurrentHalt: () => readCurrentHalt(db),
    getCurrentHaltSerial: () => readCurrentHaltSerial(db),
    publishHalt: (record) => publishHalt(db, dialect, record),

    async pruneExpired(now) {
      await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
      await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute();
    },
    async deleteUsageBefore(beforeDay, receivedBefore) {
      // Separate statements, not one transaction: each may be large, and rows of old days are never written again.
      const results = [
        await db.deleteFrom('install_activity').where('day', '<', beforeDay).executeTakeFirst(),
        await db.deleteFrom('event_counts').where('day', '<', beforeDay).executeTakeFirst(),
        await db.deleteFrom('usage_batches').where('received_at', '<', receivedBefore).executeTakeFirst(),
      ];
      return results.reduce((sum, r) => sum + Number(r.numDeletedRows), 0);
    },
    async close() {
      await db.destroy();
    },
  };
}
