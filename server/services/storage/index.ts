/**
 * A Sync-style storage service (after the Firefox Sync 1.5 storage API):
 * per-account collections of records, each with an id, an opaque payload of
 * up to 256 KB, a server-assigned modified time, and an optional sortindex
 * and ttl. Times are milliseconds since the epoch. Every answer carries
 * X-Last-Modified; X-If-Modified-Since answers 304, X-If-Unmodified-Since
 * refuses a write with 412 when the collection changed since.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors';
import { defineService, type ServiceContext } from '../define-service';
import { appendToBatch, createBatch, deleteAccountStorage, takeBatch } from './storage-batches';
import {
  enforceQuota,
  listCollections,
  PreconditionFailed,
  putRecords,
  QuotaExceeded,
  readCollectionModified,
  readRecords,
  readUsage,
  writeCollection,
  type IncomingRecord,
} from './storage-queries';
import { STORAGE_MIGRATIONS } from './storage-tables';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_RECORDS_PER_POST = 100;
export const QUOTA_BYTES = 5 * 1024 * 1024;
// A full POST of records with escaped payloads; bigger bodies are refused before parsing.
const BODY_LIMIT = 4 * 1024 * 1024;

const collectionName = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1–32 characters of A-Z, a-z, 0-9, ".", "_" and "-"');
const recordId = z.string().regex(/^[!-+\--.0-~]{1,64}$/, 'must be 1–64 printable ASCII characters other than "," and "/"');
const recordBody = z.strictObject({
  id: recordId.optional(),
  payload: z.string().optional(),
  sortindex: z.number().int().min(-999_999_999).max(999_999_999).nullable().optional(),
  ttl: z.number().int().min(0).max(31_536_000).nullable().optional(),
});
const timestamp = z.coerce.number().int().min(0);
const collectionParams = z.strictObject({ collection: collectionName });
const recordParams = z.strictObject({ collection: collectionName, id: recordId });
const readQuery = z.strictObject({
  ids: z
    .string()
    .transform((ids) => ids.split(','))
    .pipe(z.array(recordId))
    .optional(),
  newer: timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  sort: z.enum(['newest', 'oldest', 'index']).optional(),
  full: z.string().optional(),
});
const postQuery = z.strictObject({ batch: z.string().optional(), commit: z.enum(['true']).optional() });
const postBody = z.array(z.unknown()).max(MAX_RECORDS_PER_POST);

function readTimeHeader(request: FastifyRequest, name: string): number | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  const parsed = timestamp.safeParse(value);
  if (!parsed.success) throw new ApiError('invalid_request', `${name}: must be a time in milliseconds, not "${String(value)}"`);
  return parsed.data;
}

function checkPayload(record: IncomingRecord): string | null {
  if (record.payload !== undefined && Buffer.byteLength(record.payload) > MAX_PAYLOAD_BYTES) {
    return `payload: must be at most ${MAX_PAYLOAD_BYTES} bytes (got ${Buffer.byteLength(record.payload)})`;
  }
  return null;
}

function describe(record: { id: string; payload: string; modified: number; sortindex: number | null; expires: number | null }) {
  return { id: record.id, payload: record.payload, modified: record.modified, ...(record.sortindex === null ? {} : { sortindex: record.sortindex }) };
}

/** Runs a write, turning a lost race into 412 and a full account into 403, both with X-Last-Modified. */
async function runWrite<T>(reply: FastifyReply, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof PreconditionFailed) {
      reply.header('x-last-modified', String(error.modified));
      throw new ApiError('modified_since', `the collection changed at ${error.modified}, after X-If-Unmodified-Since: read it again, merge, and retry`);
    }
    if (error instanceof QuotaExceeded) {
      throw new ApiError('quota_exceeded', `this account would keep ${error.usage} bytes, over its quota of ${error.quota}: delete records first`);
    }
    throw error;
  }
}

function registerRoutes(untyped: FastifyInstance, ctx: ServiceContext): void {
  const scope = untyped.withTypeProvider<ZodTypeProvider>();
  const target = (request: FastifyRequest, collection: string) => ({
    accountId: ctx.accountOf(request).id,
    collection,
    now: ctx.now(),
    unmodifiedSince: readTimeHeader(request, 'x-if-unmodified-since'),
  });

  scope.get('/info/collections', async (request, reply) => {
    const collections = await listCollections(ctx.db, ctx.accountOf(request).id);
    reply.header('x-last-modified', String(Math.max(0, ...Object.values(collections))));
    return collections;
  });

  scope.get('/info/quota', async (request, reply) => {
    const { id } = ctx.accountOf(request);
    const collections = await listCollections(ctx.db, id);
    reply.header('x-last-modified', String(Math.max(0, ...Object.values(collections))));
    return { usage: await readUsage(ctx.db, id, ctx.now()), quota: QUOTA_BYTES };
  });

  scope.get('/storage/:collection', { schema: { params: collectionParams, querystring: readQuery } }, async (request, reply) => {
    const { collection } = request.params;
    const { query } = request;
    const accountId = ctx.accountOf(request).id;
    const modified = await readCollectionModified(ctx.db, accountId, collection);
    reply.header('x-last-modified', String(modified));
    const since = readTimeHeader(request, 'x-if-modified-since');
    if (since !== undefined && modified <= since) return reply.code(304).send();
    const unmodified = readTimeHeader(request, 'x-if-unmodified-since');
    if (unmodified !== undefined && modified > unmodified) throw new ApiError('modified_since', `the collection changed at ${modified}`);
    const { records, more } = await readRecords(ctx.db, accountId, collection, ctx.now(), query);
    if (more) reply.header('x-weave-next-offset', String((query.offset ?? 0) + records.length));
    return query.full === undefined ? records.map((r) => r.id) : records.map(describe);
  });

  scope.get('/storage/:collection/:id', { schema: { params: recordParams } }, async (request, reply) => {
    const { collection, id } = request.params;
    const { records } = await readRecords(ctx.db, ctx.accountOf(request).id, collection, ctx.now(), { ids: [id] });
    reply.header('x-last-modified', String(records[0]?.modified ?? (await readCollectionModified(ctx.db, ctx.accountOf(request).id, collection))));
    if (!records[0]) throw new ApiError('record_not_found', `there is no record "${id}" in ${collection}`);
    const since = readTimeHeader(request, 'x-if-modified-since');
    if (since !== undefined && records[0].modified <= since) return reply.code(304).send();
    return describe(records[0]);
  });

  scope.put('/storage/:collection/:id', { bodyLimit: BODY_LIMIT, schema: { params: recordParams, body: recordBody } }, async (request, reply) => {
    const { collection, id } = request.params;
    const { body } = request;
    if (body.id !== undefined && body.id !== id) throw new ApiError('invalid_request', `body.id: "${body.id}" is not the record in the address, "${id}"`);
    const record = { ...body, id };
    const problem = checkPayload(record);
    if (problem) throw new ApiError('payload_too_large', problem);
    const accountId = ctx.accountOf(request).id;
    const { modified } = await runWrite(reply, () =>
      writeCollection(ctx.db, ctx.dialect, target(request, collection), async (trx, at) => {
        await putRecords(trx, accountId, collection, at, ctx.now(), [record]);
        await enforceQuota(trx, accountId, ctx.now(), QUOTA_BYTES);
      }),
    );
    reply.header('x-last-modified', String(modified));
    return { modified };
  });

  const postSchema = { params: collectionParams, querystring: postQuery, body: postBody };
  scope.post('/storage/:collection', { bodyLimit: BODY_LIMIT, schema: postSchema }, async (request, reply) => {
    const { collection } = request.params;
    const { query, body: list } = request;
    const accepted: IncomingRecord[] = [];
    const failed: Record<string, string[]> = {};
    for (const [index, item] of list.entries()) {
      const parsed = recordBody.safeParse(item);
      const id = parsed.success ? parsed.data.id : undefined;
      if (!parsed.success || id === undefined) {
        failed[String(id ?? index)] = [parsed.success ? 'id: required' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')];
        continue;
      }
      const problem = checkPayload(parsed.data as IncomingRecord);
      if (problem) failed[id] = [problem];
      else accepted.push(parsed.data as IncomingRecord);
    }
    const accountId = ctx.accountOf(request).id;
    // Batched upload: records wait in the batch and are written all at once, at one modified time, on commit.
    if (query.batch !== undefined) {
      const batchId = query.batch === 'true' ? await createBatch(ctx.db, accountId, collection, ctx.now()) : query.batch;
      const pending = await appendToBatch(ctx.db, ctx.dialect, { batchId, accountId, collection }, accepted);
      if (query.commit === undefined) {
        reply.header('x-last-modified', String(await readCollectionModified(ctx.db, accountId, collection)));
        return reply.code(202).send({ batch: batchId, success: accepted.map((r) => r.id), failed });
      }
      const { modified } = await runWrite(reply, () =>
        writeCollection(ctx.db, ctx.dialect, target(request, collection), async (trx, at) => {
          const records = await takeBatch(trx, ctx.dialect, { batchId, accountId, collection });
          await putRecords(trx, accountId, collection, at, ctx.now(), records);
          await enforceQuota(trx, accountId, ctx.now(), QUOTA_BYTES);
        }),
      );
      reply.header('x-last-modified', String(modified));
      return { modified, success: pending.map((r) => r.id), failed };
    }
    const { modified } = await runWrite(reply, () =>
      writeCollection(ctx.db, ctx.dialect, target(request, collection), async (trx, at) => {
        await putRecords(trx, accountId, collection, at, ctx.now(), accepted);
        await enforceQuota(trx, accountId, ctx.now(), QUOTA_BYTES);
      }),
    );
    reply.header('x-last-modified', String(modified));
    return { modified, success: accepted.map((r) => r.id), failed };
  });

  scope.delete('/storage/:collection/:id', { schema: { params: recordParams } }, async (request, reply) => {
    const { collection, id } = request.params;
    const accountId = ctx.accountOf(request).id;
    const { modified, result: deleted } = await runWrite(reply, () =>
      writeCollection(ctx.db, ctx.dialect, target(request, collection), async (trx) => {
        const gone = await trx.deleteFrom('storage_records').where('account_id', '=', accountId).where('collection', '=', collection).where('id', '=', id).executeTakeFirst();
        if (gone.numDeletedRows === 0n) throw new ApiError('record_not_found', `there is no record "${id}" in ${collection}`);
        return true;
      }),
    );
    reply.header('x-last-modified', String(modified));
    return { modified, deleted };
  });

  scope.delete('/storage/:collection', { schema: { params: collectionParams } }, async (request, reply) => {
    const { collection } = request.params;
    const accountId = ctx.accountOf(request).id;
    const { modified } = await runWrite(reply, () =>
      writeCollection(ctx.db, ctx.dialect, target(request, collection), async (trx) => {
        await trx.deleteFrom('storage_records').where('account_id', '=', accountId).where('collection', '=', collection).execute();
      }),
    );
    reply.header('x-last-modified', String(modified));
    return { modified };
  });
}

export default defineService({
  migrations: STORAGE_MIGRATIONS,
  routes: (scope, ctx) => registerRoutes(scope, ctx),
  deleteAccountData: deleteAccountStorage,
  async exportAccountData(db, accountId) {
    const rows = await db.selectFrom('storage_records').select(['collection', 'id', 'payload', 'modified', 'sortindex', 'expires']).where('account_id', '=', accountId).orderBy('collection').orderBy('id').execute();
    return { records: rows.map((row: Record<string, unknown>) => ({ ...row, modified: Number(row.modified), expires: row.expires == null ? null : Number(row.expires) })) };
  },
});
