/**
 * A beta service for account-gated features: page notes kept on the beta
 * account, one note per page URL. Needs a valid session and current terms.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError, errors } from '../errors';
import { authenticate, parseInput, requireCurrentTerms, toIso, type RouteDeps } from '../http';
import type { NoteRecord } from '../store/store';

export const MAX_NOTE_CHARACTERS = 10_000;
export const MAX_NOTE_URL_LENGTH = 2048;
export const MAX_NOTES_PER_ACCOUNT = 1000;
// 10,000 characters may arrive as \uXXXX escapes: more than the default 64 KiB.
const NOTE_BODY_LIMIT = 256 * 1024;

const pageUrl = z.string().min(1).refine((url) => URL.canParse(url), 'must be an absolute URL');
const listQuery = z.strictObject({ url: pageUrl.optional() });
const deleteQuery = z.strictObject({ url: pageUrl });
const putBody = z.strictObject({ url: pageUrl, text: z.string() });

function checkUrlLength(url: string): void {
  if (url.length > MAX_NOTE_URL_LENGTH) {
    throw new ApiError(413, 'url_too_long', `url: must be at most ${MAX_NOTE_URL_LENGTH} characters (got ${url.length})`);
  }
}

function describeNote(note: NoteRecord) {
  return { url: note.url, text: note.text, createdAt: toIso(note.createdAt), updatedAt: toIso(note.updatedAt) };
}

/** Registers GET, PUT and DELETE /v1/services/notes/, and GET /v1/services/notes/urls. */
export function registerNotesRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const authorize = async (request: Parameters<typeof authenticate>[1]) => {
    const { account } = await authenticate(deps, request);
    requireCurrentTerms(deps, account);
    return account;
  };

  app.get('/v1/services/notes/', async (request) => {
    const account = await authorize(request);
    const { url } = parseInput(listQuery, request.query, 'query');
    if (url !== undefined) checkUrlLength(url);
    const notes = await deps.store.listNotes(account.id, url);
    return { notes: notes.map(describeNote) };
  });

  // Only the addresses that have a note, so a client can tell locally whether
  // a page has one without sending the server every page its user opens.
  app.get('/v1/services/notes/urls', async (request) => {
    const account = await authorize(request);
    parseInput(z.strictObject({}), request.query, 'query');
    const notes = await deps.store.listNotes(account.id);
    return { urls: notes.map((note) => note.url) };
  });

  app.put('/v1/services/notes/', { bodyLimit: NOTE_BODY_LIMIT }, async (request, reply) => {
    const account = await authorize(request);
    const { url, text } = parseInput(putBody, request.body, 'body');
    checkUrlLength(url);
    const characters = [...text].length;
    if (characters > MAX_NOTE_CHARACTERS) {
      throw new ApiError(413, 'note_too_large', `text: must be at most ${MAX_NOTE_CHARACTERS} characters (got ${characters})`);
    }
    const now = deps.now();
    const outcome = await deps.store.upsertNote(account.id, url, text, now, MAX_NOTES_PER_ACCOUNT);
    if (outcome === 'limit') {
      throw errors.conflict('too_many_notes', `an account keeps at most ${MAX_NOTES_PER_ACCOUNT} notes; delete one first`);
    }
    const [note] = await deps.store.listNotes(account.id, url);
    return reply.code(outcome === 'created' ? 201 : 200).send(describeNote(note!));
  });

  app.delete('/v1/services/notes/', async (request, reply) => {
    const account = await authorize(request);
    const { url } = parseInput(deleteQuery, request.query, 'query');
    checkUrlLength(url);
    if (!(await deps.store.deleteNote(account.id, url))) throw errors.notFound('note_not_found', `there is no note for ${url}`);
    return reply.code(204).send();
  });
}
