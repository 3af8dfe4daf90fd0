/**
 * What the admin dashboard reads: a feature's daily series, its feedback
 * newest first with filters, and the channel's per-feature totals. The same
 * SQL on SQLite and PostgreSQL; days are 'YYYY-MM-DD' text on both, so day
 * arithmetic happens in JavaScript. Aggregates come back as numbers or
 * numeric strings, so each goes through Number. No query returns an account
 * or install id: the beta team reads comments, not who wrote them.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import type { BetaTables } from './schema';
import { collectPerFeature, readInSnapshot } from './snapshot';
import type { ChannelTotals, DailyPoint, FeedbackFilter, FeedbackItem, FeedbackPage } from './store';

const DAY_MS = 86_400_000;

/** Every day from `from` to `to` inclusive. */
export function listDays(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * Active installs and event counts per day, every day of the range present
 * (zero where nothing was reported). The host's own events (HOST_EVENTS) are
 * counted apart from the feature's.
 */
export async function readDailySeries(db: Kysely<BetaTables>, featureId: string, from: string, to: string): Promise<DailyPoint[]> {
  const points = new Map(listDays(from, to).map((day) => [day, { day, activeInstalls: 0, events: 0, failures: 0, optOuts: 0 }]));
  const active = await db
    .selectFrom('install_activity')
    .select((eb) => ['day', eb.fn.countAll().as('n')])
    .where('feature_id', '=', featureId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy('day')
    .execute();
  for (const row of active) {
    const point = points.get(row.day);
    if (point) point.activeInstalls = Number(row.n);
  }
  const events = await db
    .selectFrom('event_counts')
    .select((eb) => ['day', 'event', eb.fn.sum('count').as('n')])
    .where('feature_id', '=', featureId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy(['day', 'event'])
    .execute();
  for (const row of events) {
    const point = points.get(row.day);
    if (!point) continue;
    const n = Number(row.n);
    if (row.event === HOST_EVENTS.installFailed) point.failures += n;
    else if (row.event === HOST_EVENTS.optOut) point.optOuts += n;
    else if (!row.event.startsWith('host.')) point.events += n;
  }
  return [...points.values()];
}

type FeedbackQuery = SelectQueryBuilder<BetaTables, 'feedback', object>;

/** `text` as a LIKE pattern that matches it literally anywhere. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function applyFilter(query: FeedbackQuery, featureId: string, filter: FeedbackFilter): FeedbackQuery {
  let q = query.where('feature_id', '=', featureId);
  if (filter.ratings && filter.ratings.length > 0) q = q.where('rating', 'in', filter.ratings);
  if (filter.version !== undefined) q = q.where('feature_version', '=', filter.version);
  if (filter.from !== undefined) q = q.where('created_at', '>=', Date.parse(`${filter.from}T00:00:00Z`));
  if (filter.to !== undefined) q = q.where('created_at', '<', Date.parse(`${filter.to}T00:00:00Z`) + DAY_MS);
  // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not; both then agree (SQLite folds ASCII only).
  if (filter.text) q = q.where(sql<boolean>`lower(comment) LIKE ${containsPattern(filter.text)} ESCAPE '\\'`);
  return q;
}

interface FeedbackRow {
  id: number;
  rating: number;
  comment: string;
  feature_version: string | null;
  created_at: number;
}

function toItem(row: FeedbackRow): FeedbackItem {
  const createdAt = Number(row.created_at);
  return { rating: row.rating, comment: row.comment, version: row.feature_version, day: new Date(createdAt).toISOString().slice(0, 10), createdAt };
}

/** One page of the feature's feedback matching the filter, newest first, with how many match in all. */
export async function listFeedback(db: Kysely<BetaTables>, featureId: string, filter: FeedbackFilter, page: { limit: number; offset: number }): Promise<FeedbackPage> {
  const base = () => applyFilter(db.selectFrom('feedback'), featureId, filter);
  const rows = await base()
    .select(['id', 'rating', 'comment', 'feature_version', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const total = await base()
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return { total: Number(total?.n ?? 0), items: rows.map(toItem) };
}

/**
 * Every comment matching the filter, newest first, in pages of `pageSize`
 * read one after another (keyset on time and row id), so an export of any
 * size holds one page in memory at a time.
 */
export async function* readAllFeedback(db: Kysely<BetaTables>, featureId: string, filter: FeedbackFilter, pageSize = 1000): AsyncGenerator<FeedbackItem[]> {
  let after: { createdAt: number; id: number } | undefined;
  for (;;) {
    let query = applyFilter(db.selectFrom('feedback'), featureId, filter);
    if (after) {
      const { createdAt, id } = after;
      query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
    const rows = await query
      .select(['id', 'rating', 'comment', 'feature_version', 'created_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map(toItem);
    const last = rows[rows.length - 1]!;
    after = { createdAt: Number(last.created_at), id: Number(last.id) };
    if (rows.length < pageSize) return;
  }
}

/** The versions feedback was sent for, newest first by when they were last rated. */
export async function listFeedbackVersions(db: Kysely<BetaTables>, featureId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('feedback')
    .select((eb) => ['feature_version', eb.fn.max('created_at').as('last')])
    .where('feature_id', '=', featureId)
    .where('feature_version', 'is not', null)
    .groupBy('feature_version')
    .orderBy('last', 'desc')
    .execute();
  return rows.map((row) => row.feature_version!);
}

/**
 * Per feature: installs seen, installs that reported a failed install or an
 * opt-out, and how many ratings of each value (index 0 is a 1). One grouped
 * query each for the whole channel, in one read-only snapshot.
 */
export async function readChannelTotals(db: Kysely<BetaTables>): Promise<Map<string, ChannelTotals>> {
  return readInSnapshot(db, async (trx) => {
    const { entries: totals, entryFor: totalsFor } = collectPerFeature<ChannelTotals>(() => ({ installs: 0, failedInstalls: 0, optedOutInstalls: 0, ratings: [0, 0, 0, 0, 0] }));
    // DISTINCT pairs counted per feature, not COUNT(DISTINCT): PostgreSQL reads the pairs in order from the
    // (feature_id, install_id, day) index instead of sorting every row (0.4 s instead of 2.3-3.5 s with a year of data).
    const installs = await trx
      .selectFrom((eb) => eb.selectFrom('install_activity').select(['feature_id', 'install_id']).distinct().as('pairs'))
      .select((eb) => ['pairs.feature_id', eb.fn.countAll().as('n')])
      .groupBy('pairs.feature_id')
      .execute();
    for (const row of installs) totalsFor(row.feature_id).installs = Number(row.n);
    const hostEvents = await trx
      .selectFrom('event_counts')
      .select((eb) => ['feature_id', 'event', eb.fn.sum('count').as('n')])
      .where('event', 'in', [HOST_EVENTS.installFailed, HOST_EVENTS.optOut])
      .groupBy(['feature_id', 'event'])
      .execute();
    for (const row of hostEvents) {
      const found = totalsFor(row.feature_id);
      if (row.event === HOST_EVENTS.installFailed) found.failedInstalls = Number(row.n);
      else found.optedOutInstalls = Number(row.n);
    }
    const ratings = await trx
      .selectFrom('feedback')
      .select((eb) => ['feature_id', 'rating', eb.fn.countAll().as('n')])
      .groupBy(['feature_id', 'rating'])
      .execute();
    for (const row of ratings) {
      const found = totalsFor(row.feature_id);
      if (row.rating >= 1 && row.rating <= found.ratings.length) found.ratings[row.rating - 1] = Number(row.n);
    }
    return totals;
  });
}
