/**
 * The notes table: one note per account and page URL. A new note and the
 * count it is checked against happen in one transaction that holds the
 * account, so racing requests cannot exceed the limit.
 */
import type { Transaction } from 'kysely';
import type { StoreDialect } from '../../store/schema';
import type { ServiceDatabase } from '../define-service';

export interface NoteRecord {
  url: string;
  text: string;
  createdAt: number;
  updatedAt: number;
}

interface NoteRow {
  account_id: number;
  url: string;
  text: string;
  created_at: number;
  updated_at: number;
}

const toNote = (row: NoteRow): NoteRecord => ({ url: row.url, text: row.text, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) });

export async function listNotes(db: ServiceDatabase, accountId: number, url?: string): Promise<NoteRecord[]> {
  let query = db.selectFrom('notes').selectAll().where('account_id', '=', accountId);
  if (url !== undefined) query = query.where('url', '=', url);
  const rows = (await query.orderBy('updated_at', 'desc').orderBy('url').execute()) as NoteRow[];
  return rows.map(toNote);
}

/** Creates or updates the note for a URL; 'limit' when a new note would exceed maxNotes. */
export async function upsertNote(
  db: ServiceDatabase,
  dialect: StoreDialect,
  note: { accountId: number; url: string; text: string; now: number; maxNotes: number },
): Promise<'created' | 'updated' | 'limit'> {
  const { accountId, url, text, now, maxNotes } = note;
  return db.transaction().execute(async (trx: Transaction<any>) => {
    // PostgreSQL: lock the account row; SQLite's write transaction already holds the whole database.
    if (dialect === 'postgres') await trx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
    const updated = await trx.updateTable('notes').set({ text, updated_at: now }).where('account_id', '=', accountId).where('url', '=', url).executeTakeFirst();
    if (updated.numUpdatedRows > 0n) return 'updated' as const;
    const { n } = await trx.selectFrom('notes').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    if (Number(n) >= maxNotes) return 'limit' as const;
    await trx.insertInto('notes').values({ account_id: accountId, url, text, created_at: now, updated_at: now }).execute();
    return 'created' as const;
  });
}

export async function deleteNote(db: ServiceDatabase, accountId: number, url: string): Promise<boolean> {
  const result = await db.deleteFrom('notes').where('account_id', '=', accountId).where('url', '=', url).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteAllNotes(db: ServiceDatabase, accountId: number): Promise<void> {
  await db.deleteFrom('notes').where('account_id', '=', accountId).execute();
}
