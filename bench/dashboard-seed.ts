/**
 * A year of channel data for the dashboard benchmark: 50 features × 365 days
 * of daily active installs (a pool of installs per feature, a share of it
 * active each day), usage events including the host's failures and opt-outs,
 * and feedback with versions and comments. Deterministic (a seeded PRNG), so
 * runs compare. Written through the store's own Kysely instance in large
 * multi-row INSERTs, on SQLite or PostgreSQL alike.
 */
import type { Kysely } from 'kysely';
import { HOST_EVENTS, type ExitCriteria } from '../protocol/exit-criteria';
import type { BetaTables } from '../server/store/schema';

export interface SeedShape {
  features: number;
  days: number;
  /** Installs that ever use one feature; each day a share of them is active. */
  installPool: number;
  /** Feedback per feature per day, on average. */
  feedbackPerDay: number;
}

export const YEAR_OF_DATA: SeedShape = { features: 50, days: 365, installPool: 300, feedbackPerDay: 2 };

export const featureIdOf = (i: number) => `bench-feature-${String(i).padStart(2, '0')}`;

export const BENCH_CRITERIA: ExitCriteria = {
  minInstalls: 200,
  retention7d: { min: 0.4, minSample: 100 },
  rating: { minMean: 3.5, minCount: 50 },
  failureRate: { max: 0.05, minSample: 100 },
  optOutRate: { max: 0.2, minSample: 100 },
};

/** mulberry32: small, fast and good enough to spread synthetic data. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['fast', 'slow', 'handy', 'confusing', 'love', 'crashes', 'great', 'missing', 'button', 'page', 'tabs', 'works', 'sometimes', 'never', 'always', 'please', 'add', 'dark', 'mode', 'sync'];

function dayOf(lastDay: string, ago: number): string {
  return new Date(Date.parse(`${lastDay}T00:00:00Z`) - ago * 86_400_000).toISOString().slice(0, 10);
}

async function insertInChunks<T extends keyof BetaTables>(db: Kysely<BetaTables>, table: T, rows: Array<Record<string, unknown>>, perStatement: number): Promise<void> {
  for (let i = 0; i < rows.length; i += perStatement) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + perStatement) as never)
      .execute();
  }
}

/** Writes the data; returns how many rows of each kind. `lastDay` is the newest day (today). */
export async function seedYearOfData(db: Kysely<BetaTables>, lastDay: string, shape: SeedShape = YEAR_OF_DATA): Promise<Record<string, number>> {
  const random = createRandom(20261130);
  const counts = { install_activity: 0, event_counts: 0, feedback: 0 };
  const lastMs = Date.parse(`${lastDay}T00:00:00Z`);
  for (let f = 0; f < shape.features; f++) {
    const featureId = featureIdOf(f);
    const activity: Array<Record<string, unknown>> = [];
    const events: Array<Record<string, unknown>> = [];
    const feedback: Array<Record<string, unknown>> = [];
    for (let ago = shape.days - 1; ago >= 0; ago--) {
      const day = dayOf(lastDay, ago);
      const age = shape.days - ago;
      // Adoption grows over the year, with a weekly rhythm.
      const share = Math.min(0.6, 0.1 + age / (shape.days * 1.5)) * (0.85 + 0.15 * Math.sin((age / 7) * 2 * Math.PI));
      let active = 0;
      for (let install = 0; install < shape.installPool; install++) {
        if (random() >= share) continue;
        activity.push({ feature_id: featureId, install_id: `install-${f}-${install}`, day });
        active++;
      }
      for (const event of ['opened', 'used', 'shared', 'closed']) events.push({ feature_id: featureId, event, day, count: Math.round(active * (1 + random() * 4)) });
      if (random() < 0.2) events.push({ feature_id: featureId, event: HOST_EVENTS.installFailed, day, count: 1 + Math.floor(random() * 2) });
      if (random() < 0.3) events.push({ feature_id: featureId, event: HOST_EVENTS.optOut, day, count: 1 + Math.floor(random() * 3) });
      const comments = Math.floor(random() * shape.feedbackPerDay * 2 + 0.5);
      for (let c = 0; c < comments; c++) {
        const words = Array.from({ length: 3 + Math.floor(random() * 12) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
        feedback.push({
          feature_id: featureId,
          rating: 1 + Math.floor(random() * 5),
          comment: random() < 0.2 ? '' : words.join(' '),
          install_id: `install-${f}-${Math.floor(random() * shape.installPool)}`,
          feedback_id: null,
          account_id: null,
          created_at: lastMs - ago * 86_400_000 + Math.floor(random() * 86_400_000),
          feature_version: `1.${Math.floor((age / shape.days) * 6)}.0`,
        });
      }
    }
    await db.transaction().execute(async (trx) => {
      await insertInChunks(trx, 'install_activity', activity, 1000);
      await insertInChunks(trx, 'event_counts', events, 1000);
      await insertInChunks(trx, 'feedback', feedback, 500);
    });
    counts.install_activity += activity.length;
    counts.event_counts += events.length;
    counts.feedback += feedback.length;
  }
  return counts;
}
