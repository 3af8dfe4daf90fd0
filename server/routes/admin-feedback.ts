/**
 * Feedback the beta team can read: one feature's comments, newest first,
 * with rating, version and day, filtered by rating, version, day range and
 * text, as JSON pages or one CSV file. Never with an account or install id.
 * Admin token only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { featureId, semver } from '../../protocol/manifest-schema';
import { utcDay } from '../../protocol/usage-schema';
import { ApiError } from '../errors';
import { requireAdmin, type RouteDeps } from '../http';
import type { FeedbackFilter, FeedbackItem } from '../store/store';

export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;
const MAX_SEARCH_CHARACTERS = 200;

const featureParams = z.strictObject({ id: featureId });
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const feedbackQuery = z.strictObject({
  /** One rating or several, e.g. `1,2`. */
  rating: z.optional(z.string().regex(/^[1-5](,[1-5]){0,4}$/, 'must be ratings from 1 to 5 separated by commas, like 1,2')),
  version: z.optional(semver),
  from: z.optional(utcDay),
  to: z.optional(utcDay),
  q: z.optional(z.string().max(MAX_SEARCH_CHARACTERS, `must be at most ${MAX_SEARCH_CHARACTERS} characters`)),
  limit: z.optional(wholeNumber(1, MAX_PAGE_SIZE)),
  offset: z.optional(wholeNumber(0, 100_000_000)),
  format: z.optional(z.enum(['json', 'csv'])),
});

/** The filter a query asks for; refused when its days are reversed. */
export function readFeedbackFilter(query: z.infer<typeof feedbackQuery>): FeedbackFilter {
  if (query.from && query.to && query.from > query.to) throw new ApiError('invalid_day_range', `query.from (${query.from}) is after query.to (${query.to})`);
  const filter: FeedbackFilter = {};
  if (query.rating) filter.ratings = [...new Set(query.rating.split(',').map(Number))].sort();
  if (query.version) filter.version = query.version;
  if (query.from) filter.from = query.from;
  if (query.to) filter.to = query.to;
  if (query.q?.trim()) filter.text = query.q.trim();
  return filter;
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line
 * break. A cell a spreadsheet would run as a formula (= + - @, or a tab or
 * carriage return before one) starts with a ' so that it stays text.
 */
export function toCsvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = ['day', 'rating', 'version', 'comment'] as const;

function toCsvLine(cells: ReadonlyArray<string | number | null>): string {
  return `${cells.map(toCsvCell).join(',')}\r\n`;
}

async function* writeCsv(pages: AsyncIterable<FeedbackItem[]>): AsyncGenerator<string> {
  yield toCsvLine(CSV_COLUMNS);
  for await (const page of pages) yield page.map((item) => toCsvLine([item.day, item.rating, item.version, item.comment])).join('');
}

/** Registers GET /v1/admin/features/<id>/feedback[?rating&version&from&to&q&limit&offset&format=csv]. */
export function registerAdminFeedbackRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // app.ts checks the token for every /v1/admin/ route too; the route does not rely on its path alone.
  const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);

  api.get('/v1/admin/features/:id/feedback', { onRequest, schema: { params: featureParams, querystring: feedbackQuery } }, async (request, reply) => {
    const { id } = request.params;
    const filter = readFeedbackFilter(request.query);
    if (request.query.format === 'csv') {
      // Streamed a page at a time: an export of a year of comments never sits in memory whole.
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${id}-feedback.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(writeCsv(deps.store.readAllFeedback(id, filter))));
    }
    const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = request.query.offset ?? 0;
    const page = await deps.store.listFeedback(id, filter, { limit, offset });
    const versions = await deps.store.listFeedbackVersions(id);
    return { featureId: id, total: page.total, limit, offset, versions, comments: page.items.map(({ createdAt: _, ...item }) => item) };
  });
}
