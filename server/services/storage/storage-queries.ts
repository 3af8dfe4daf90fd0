/**
 * The storage tables: collections with their last-modified time, records,
 * and uploads pending in a batch. Every write runs in one transaction that
 * first holds the collection's row, so the X-If-Unmodified-Since check and
 * the write are one step: of two writers that read the same version, one
 * wins and the other gets 412, on SQLite and PostgreSQL alike.
 */
import { sql, type Transaction } from 'kysely';
import type { StoreDialect } from '../../store/schema';
import type { ServiceDatabase } from '../define-service';

export interface StoredRecord {
  id: string;
  payload: string;
  modified: number;
  sortindex: number | null;
  expires: number | null;
}

export interface IncomingRecord {
  id: string;
  payload?: string;
  sortindex?: number | null;
  /** Seconds to live. */
  ttl?: number | null;
}

export interface ReadOptions {
  ids?: string[];
  newer?: number;
  sort?: 'newest' | 'oldest' | 'index';
  limit?: number;
  offset?: number;
}

type Trx = Transaction<any>;

/** The most records one read returns without a limit. */
const MAX_READ = 10_000;

const toRecord = (row: Record<string, unknown>): StoredRecord => ({
  id: String(row.id),
  payload: String(row.payload),
  modified: Number(row.modified),
  sortindex: row.sortindex == null ? null : Number(row.sortindex),
  expires: row.expires == null ? null : Number(row.expires),
});

/** The collection's modified time, 0 when it has never been written. */
export async function readCollectionModified(db: ServiceDatabase, accountId: number, collection: string): Promise<number> {
  const row = await db.selectFrom('storage_collections').select('modified').where('account_id', '=', accountId).where('name', '=', collection).executeTakeFirst();
  return row ? Number(row.modified) : 0;
}

export async function listCollections(db: ServiceDatabase, accountId: number): Promise<Record<string, number>> {
  const rows = await db.selectFrom('storage_collections').select(['name', 'modified']).where('account_id', '=', accountId).orderBy('name').execute();
  return Object.fromEntries(rows.map((row: { name: string; modified: unknown }) => [row.name, Number(row.modified)]));
}

/** Bytes of live payloads the account keeps. */
export async function readUsage(db: ServiceDatabase, accountId: number, now: number): Promise<number> {
  const row = await db
    .selectFrom('storage_records')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('bytes'))
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('expires', 'is', null), eb('expires', '>', now)]))
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

/** Records of a collection, live at `now`, as asked; `more` when a limit cut the list. */
export async function readRecords(
  db: ServiceDatabase,
  accountId: number,
  collection: string,
  now: number,
  options: ReadOptions,
): Promise<{ records: StoredRecord[]; more: boolean }> {
  let query = db
    .selectFrom('storage_records')
    .select(['id', 'payload', 'modified', 'sortindex', 'expires'])
    .where('account_id', '=', accountId)
    .where('collection', '=', collection)
    .where((eb) => eb.or([eb('expires', 'is', null), eb('expires', '>', now)]));
  if (options.ids) query = query.where('id', 'in', options.ids.length ? options.ids : ['']);
  if (options.newer !== undefined) query = query.where('modified', '>', options.newer);
  if (options.sort === 'index') query = query.orderBy('sortindex', 'desc').orderBy('id');
  else if (options.sort === 'oldest') query = query.orderBy('modified', 'asc').orderBy('id');
  else query = query.orderBy('modified', 'desc').orderBy('id');
  // One more than asked tells whether there is a next page; both stores need a LIMIT before an OFFSET.
  query = query.limit(options.limit === undefined ? MAX_READ : options.limit + 1);
  if (options.offset) query = query.offset(options.offset);
  const rows = (await query.execute()).map(toRecord);
  const more = options.limit !== undefined && rows.length > options.limit;
  return { records: more ? rows.slice(0, options.limit) : rows, more };
}

export class PreconditionFailed extends Error {
  constructor(readonly modified: number) {
    super('the collection changed since');
  }
}

export class QuotaExceeded extends Error {
  constructor(
    readonly usage: number,
    readonly quota: number,
  ) {
    super('over quota');
  }
}

/**
 * Runs `write` in a transaction holding the collection: refuses with
 * PreconditionFailed when it changed after `unmodifiedSince`, and gives the
 * write a modified time after every earlier one, stored as the collection's.
 */
export async function writeCollection<T>(
  db: ServiceDatabase,
  dialect: StoreDialect,
  target: { accountId: number; collection: string; now: number; unmodifiedSince?: number },
  write: (trx: Trx, modified: number) => Promise<T>,
): Promise<{ modified: number; result: T }> {
  const { accountId, collection, now, unmodifiedSince } = target;
  return db.transaction().execute(async (trx: Trx) => {
    await trx.insertInto('storage_collections').values({ account_id: accountId, name: collection, modified: 0 }).onConflict((oc) => oc.doNothing()).execute();
    let query = trx.selectFrom('storage_collections').select('modified').where('account_id', '=', accountId).where('name', '=', collection);
    if (dialect === 'postgres') query = query.forUpdate();
    const current = Number((await query.executeTakeFirstOrThrow()).modified);
    if (unmodifiedSince !== undefined && current > unmodifiedSince) throw new PreconditionFailed(current);
    const modified = Math.max(now, current + 1);
    const result = await write(trx, modified);
    await trx.updateTable('storage_collections').set({ modified }).where('account_id', '=', accountId).where('name', '=', collection).execute();
    return { modified, result };
  });
}

/** Upserts records at `modified`; a record without a payload keeps its old one (a sortindex or ttl update). */
export async function putRecords(trx: Trx, accountId: number, collection: string, modified: number, now: number, records: IncomingRecord[]): Promise<void> {
  for (const record of records) {
    const expires = record.ttl == null ? null : now + record.ttl * 1000;
    const existing = await trx
      .selectFrom('storage_records')
      .select(['payload'])
      .where('account_id', '=', accountId)
      .where('collection', '=', collection)
      .where('id', '=', record.id)
      .executeTakeFirst();
    const payload = record.payload ?? (existing ? String(existing.payload) : '');
    const row = {
      payload,
      size: Buffer.byteLength(payload),
      modified,
      sortindex: record.sortindex ?? null,
      expires,
    };
    if (existing) {
      const changes: Record<string, unknown> = { payload: row.payload, size: row.size, modified };
      if (record.sortindex !== undefined) changes.sortindex = row.sortindex;
      if (record.ttl !== undefined) changes.expires = expires;
      await trx.updateTable('storage_records').set(changes).where('account_id', '=', accountId).where('collection', '=', collection).where('id', '=', record.id).execute();
    } else {
      await trx.insertInto('storage_records').values({ account_id: accountId, collection, id: record.id, ...row }).execute();
    }
  }
}

export async function enforceQuota(trx: Trx, accountId: number, now: number, quota: number): Promise<void> {
  const usage = await readUsage(trx, accountId, now);
  if (usage > quota) throw new QuotaExceeded(usage, quota);
}
