/**
 * A beta service for account-gated features: page notes kept on the beta
 * account, one note per page URL. Mounted at /v1/services/notes/; the server
 * checks the session and the current terms before any of these routes runs.
 */
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, failWith } from '../../errors';
import { toIso } from '../../http';
import { defineService } from '../define-service';
import { deleteAllNotes, deleteNote, listNotes, upsertNote, type NoteRecord } from './notes-queries';

export const MAX_NOTE_CHARACTERS = 10_000;
export const MAX_NOTE_URL_LENGTH = 2048;
export const MAX_NOTES_PER_ACCOUNT = 1000;
// 10,000 characters may arrive as \uXXXX escapes: more than the default 64 KiB.
const NOTE_BODY_LIMIT = 256 * 1024;

const pageUrl = z
  .string()
  .min(1)
  .refine((url) => URL.canParse(url), 'must be an absolute URL')
  .refine(
    (url) => url.length <= MAX_NOTE_URL_LENGTH,
    failWith('url_too_long', (url: string) => `must be at most ${MAX_NOTE_URL_LENGTH} characters (got ${url.length})`),
  );
// The bound is in characters, not UTF-16 units: 10,000 emoji are a note of 10,000 characters.
const noteText = z
  .string()
  .refine(
    (text) => [...text].length <= MAX_NOTE_CHARACTERS,
    failWith('note_too_large', (text: string) => `must be at most ${MAX_NOTE_CHARACTERS} characters (got ${[...text].length})`),
  );
const listQuery = z.strictObject({ url: pageUrl.optional() });
const urlsQuery = z.strictObject({});
const deleteQuery = z.strictObject({ url: pageUrl });
const putBody = z.strictObject({ url: pageUrl, text: noteText });

function describeNote(note: NoteRecord) {
  return { url: note.url, text: note.text, createdAt: toIso(note.createdAt), updatedAt: toIso(note.updatedAt) };
}

const NOTES_TABLE = (id: string, time: string) => `
  CREATE TABLE IF NOT EXISTS notes (
    account_id ${id} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at ${time} NOT NULL,
    updated_at ${time} NOT NULL,
    PRIMARY KEY (account_id, url)
  );`;

export default defineService({
  // Servers from before services made this table in the store's first migration; IF NOT EXISTS keeps theirs.
  migrations: [{ version: 1, name: 'notes', sqlite: NOTES_TABLE('INTEGER', 'INTEGER'), postgres: NOTES_TABLE('BIGINT', 'BIGINT') }],

  routes(scope, ctx) {
    const api = scope.withTypeProvider<ZodTypeProvider>();
    api.get('/', { schema: { querystring: listQuery } }, async (request) => {
      const notes = await listNotes(ctx.db, ctx.accountOf(request).id, request.query.url);
      return { notes: notes.map(describeNote) };
    });

    // Only the addresses that have a note, so a client can tell locally whether
    // a page has one without sending the server every page its user opens.
    api.get('/urls', { schema: { querystring: urlsQuery } }, async (request) => {
      const notes = await listNotes(ctx.db, ctx.accountOf(request).id);
      return { urls: notes.map((note) => note.url) };
    });

    api.put('/', { bodyLimit: NOTE_BODY_LIMIT, schema: { body: putBody } }, async (request, reply) => {
      const account = ctx.accountOf(request);
      const { url, text } = request.body;
      const outcome = await upsertNote(ctx.db, ctx.dialect, { accountId: account.id, url, text, now: ctx.now(), maxNotes: MAX_NOTES_PER_ACCOUNT });
      if (outcome === 'limit') {
        throw new ApiError('too_many_notes', `an account keeps at most ${MAX_NOTES_PER_ACCOUNT} notes; delete one first`);
      }
      const [note] = await listNotes(ctx.db, account.id, url);
      return reply.code(outcome === 'created' ? 201 : 200).send(describeNote(note!));
    });

    api.delete('/', { schema: { querystring: deleteQuery } }, async (request, reply) => {
      const { url } = request.query;
      if (!(await deleteNote(ctx.db, ctx.accountOf(request).id, url))) throw new ApiError('note_not_found', `there is no note for ${url}`);
      return reply.code(204).send();
    });
  },

  deleteAccountData: deleteAllNotes,

  async exportAccountData(db, accountId) {
    return { notes: (await listNotes(db, accountId)).map(describeNote) };
  },
});
