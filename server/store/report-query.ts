/** The adoption report's queries, read in one snapshot (readInSnapshot). */
import { sql, type Kysely } from 'kysely';
import type { BetaTables } from './schema';
import { collectPerFeature, readInSnapshot } from './snapshot';
import type { FeatureReport } from './store';

function shiftDay(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const WINDOWS = [
  ['active1d', 1],
  ['active7d', 7],
  ['active28d', 28],
] as const;

/** Per-feature adoption, with active windows ending on `asOfDay` inclusive. Aggregates come back as numbers or numeric strings, so each goes through Number. */
export async function readReport(db: Kysely<BetaTables>, asOfDay: string): Promise<FeatureReport[]> {
  return readInSnapshot(db, async (trx) => {
    const { entries: reports, entryFor: reportFor } = collectPerFeature<FeatureReport>((featureId) => ({
      featureId,
      installs: 0,
      active1d: 0,
      active7d: 0,
      active28d: 0,
      events: {},
      feedbackCount: 0,
      meanRating: null,
    }));
    const installs = await sql<{ feature_id: string; n: number | string }>`
      SELECT feature_id, COUNT(*) AS n FROM (
        SELECT feature_id, install_id FROM install_activity UNION SELECT feature_id, install_id FROM feedback
      ) AS seen GROUP BY feature_id`.execute(trx);
    for (const row of installs.rows) reportFor(row.feature_id).installs = Number(row.n);
    for (const [field, days] of WINDOWS) {
      const rows = await trx
        .selectFrom('install_activity')
        .select((eb) => ['feature_id', eb.fn.count('install_id').distinct().as('n')])
        .where('day', '>=', shiftDay(asOfDay, 1 - days))
        .where('day', '<=', asOfDay)
        .groupBy('feature_id')
        .execute();
      for (const row of rows) reportFor(row.feature_id)[field] = Number(row.n);
    }
    const events = await trx
      .selectFrom('event_counts')
      .select((eb) => ['feature_id', 'event', eb.fn.sum('count').as('n')])
      .groupBy(['feature_id', 'event'])
      .execute();
    for (const row of events) reportFor(row.feature_id).events[row.event] = Number(row.n);
    const feedback = await trx
      .selectFrom('feedback')
      .select((eb) => ['feature_id', eb.fn.countAll().as('n'), eb.fn.avg('rating').as('mean')])
      .groupBy('feature_id')
      .execute();
    for (const row of feedback) {
      const report = reportFor(row.feature_id);
      report.feedbackCount = Number(row.n);
      report.meanRating = Math.round(Number(row.mean) * 100) / 100;
    }
    return [...reports.values()].sort((a, b) => a.featureId.localeCompare(b.featureId));
  });
}
