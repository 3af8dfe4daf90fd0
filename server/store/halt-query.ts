/**
 * Halt documents, as the server signs them (server/halt/): kept by serial,
 * like the manifests, so that two processes signing at once cannot roll the
 * halt back, and every process serves the highest.
 */
import { sql, type Kysely } from 'kysely';
import type { BetaTables, StoreDialect } from './schema';
import type { ManifestRecord } from './store';

/** The halt document with the highest serial. */
export async function readCurrentHalt(db: Kysely<BetaTables>): Promise<ManifestRecord | undefined> {
  const row = await db.selectFrom('halt_documents').selectAll().orderBy('serial', 'desc').limit(1).executeTakeFirst();
  return row && { serial: Number(row.serial), bytes: row.bytes, etag: row.etag, publishedAt: Number(row.published_at) };
}

export async function readCurrentHaltSerial(db: Kysely<BetaTables>): Promise<number | undefined> {
  const row = await db.selectFrom('halt_documents').select('serial').orderBy('serial', 'desc').limit(1).executeTakeFirst();
  return row && Number(row.serial);
}

/** Stores a halt document only above every stored serial; false otherwise. */
export function publishHalt(db: Kysely<BetaTables>, dialect: StoreDialect, record: ManifestRecord): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`LOCK TABLE halt_documents IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    const top = await trx.selectFrom('halt_documents').select((eb) => eb.fn.max('serial').as('serial')).executeTakeFirst();
    if (top?.serial != null && Number(top.serial) >= record.serial) return false;
    await trx.insertInto('halt_documents').values({ serial: record.serial, bytes: record.bytes, etag: record.etag, published_at: record.publishedAt }).execute();
    return true;
  });
}
