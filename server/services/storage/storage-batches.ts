/**
 * Batched uploads: records sent with ?batch wait in storage_batches, and the
 * commit writes them all in one transaction at one modified time, or none.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { ApiError } from '../../errors';
import type { StoreDialect } from '../../store/schema';
import type { ServiceDatabase } from '../define-service';
import type { IncomingRecord } from './storage-queries';

export const MAX_RECORDS_PER_BATCH = 1000;
const MAX_PENDING_BATCHES = 10;

interface BatchKey {
  batchId: string;
  accountId: number;
  collection: string;
}

/** A new empty batch; refused when the account already has too many pending. */
export async function createBatch(db: ServiceDatabase, accountId: number, collection: string, now: number): Promise<string> {
  const { n } = await db.selectFrom('storage_batches').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
  if (Number(n) >= MAX_PENDING_BATCHES) {
    throw new ApiError('too_many_batches', `an account keeps at most ${MAX_PENDING_BATCHES} uncommitted batches; commit one first`);
  }
  const id = randomUUID();
  await db.insertInto('storage_batches').values({ id, account_id: accountId, collection, created: now, records: '[]' }).execute();
  return id;
}

async function lockBatch(trx: Transaction<any>, dialect: StoreDialect, key: BatchKey): Promise<IncomingRecord[]> {
  let query = trx.selectFrom('storage_batches').select('records').where('id', '=', key.batchId).where('account_id', '=', key.accountId).where('collection', '=', key.collection);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new ApiError('batch_not_found', `there is no open batch "${key.batchId}" for ${key.collection}`);
  return JSON.parse(String(row.records)) as IncomingRecord[];
}

/** Adds records to the batch; returns everything it holds now. */
export async function appendToBatch(db: ServiceDatabase, dialect: StoreDialect, key: BatchKey, records: IncomingRecord[]): Promise<IncomingRecord[]> {
  return db.transaction().execute(async (trx: Transaction<any>) => {
    const held = await lockBatch(trx, dialect, key);
    const all = [...held, ...records];
    if (all.length > MAX_RECORDS_PER_BATCH) {
      throw new ApiError('batch_too_large', `a batch holds at most ${MAX_RECORDS_PER_BATCH} records (this one would hold ${all.length})`);
    }
    await trx.updateTable('storage_batches').set({ records: JSON.stringify(all) }).where('id', '=', key.batchId).execute();
    return all;
  });
}

/** Removes the batch inside the commit's transaction and returns its records. */
export async function takeBatch(trx: Transaction<any>, dialect: StoreDialect, key: BatchKey): Promise<IncomingRecord[]> {
  const held = await lockBatch(trx, dialect, key);
  await trx.deleteFrom('storage_batches').where('id', '=', key.batchId).execute();
  return held;
}

export async function deleteAccountStorage(db: ServiceDatabase, accountId: number): Promise<void> {
  for (const table of ['storage_batches', 'storage_records', 'storage_collections']) {
    await db.deleteFrom(table).where('account_id', '=', accountId).execute();
  }
}
