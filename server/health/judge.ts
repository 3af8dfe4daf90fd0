/**
 * The verdict on one feature: its exit criteria (protocol/exit-criteria.ts)
 * against its metrics. A pure function, so the report, the admin route and
 * later a staged rollout all decide alike. Rules (README "Exit criteria and
 * verdicts"):
 *   kill      the failure rate's LOWER bound is above its ceiling;
 *   halt      else, the error rate's or the opt-out rate's lower bound is
 *             above its ceiling;
 *   graduate  else, every criterion passes with its interval (a minimum's
 *             lower bound clears it, a ceiling's upper bound stays under it);
 *   continue  otherwise, including too few samples or no criteria at all.
 * No criterion is judged on fewer samples than its minSample: it is then
 * `pass: null` ("not enough data"), and can neither kill nor graduate.
 */
import { RATING_RANGE, type ExitCriteria } from '../../protocol/exit-criteria';
import { meanInterval, wilsonInterval, type Interval, type SampleMoments } from './stats';

/** What the store knows of one feature (server/store: readFeatureMetrics). */
export interface FeatureMetrics {
  featureId: string;
  /** Installs that reported the feature at least once. */
  installs: number;
  /** Installs whose first day with the feature is at least 7 days old, and of those, the ones active again within 7 days. */
  retention: { eligible: number; retained: number };
  ratings: SampleMoments;
  /** Installs that reported host.install-failed / host.error / host.opt-out (at most `installs`). */
  failedInstalls: number;
  erroredInstalls: number;
  optedOutInstalls: number;
}

export type Verdict = 'kill' | 'halt' | 'graduate' | 'continue';
export type CriterionName = 'minInstalls' | 'retention7d' | 'rating' | 'failureRate' | 'errorRate' | 'optOutRate';

export interface CriterionResult {
  name: CriterionName;
  /** The estimate: a count, a share (0–1) or a mean rating; null without data. */
  value: number | null;
  /** 95 % interval of the value ([n, n] for a count). */
  interval: Interval;
  /** The minimum or ceiling from the exit criteria. */
  threshold: number;
  /** How many installs or ratings the value rests on. */
  samples: number;
  /** true passes, false fails, null: fewer samples than the criterion's minimum. */
  pass: boolean | null;
  /** A sentence for people. */
  reason: string;
}

export interface FeatureHealth {
  featureId: string;
  verdict: Verdict;
  /** Why, in one sentence. */
  reason: string;
  criteria: CriterionResult[];
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const range = ([lo, hi]: Interval, show: (n: number) => string) => `[${show(lo)}, ${show(hi)}]`;
const rating = (n: number) => n.toFixed(2);

function judgeMinimum(name: CriterionName, value: number | null, interval: Interval, threshold: number, samples: number, minSample: number, show: (n: number) => string): CriterionResult {
  if (samples < minSample) {
    return { name, value, interval, threshold, samples, pass: null, reason: `not enough data: ${samples} of the ${minSample} samples needed` };
  }
  const pass = interval[0] >= threshold;
  const reason = pass
    ? `lower bound ${show(interval[0])} clears the minimum ${show(threshold)}`
    : `lower bound ${show(interval[0])} of ${range(interval, show)} is below the minimum ${show(threshold)}`;
  return { name, value, interval, threshold, samples, pass, reason };
}

function judgeCeiling(name: CriterionName, hits: number, samples: number, threshold: number, minSample: number): CriterionResult {
  const interval = wilsonInterval(Math.min(hits, samples), samples);
  const value = samples > 0 ? Math.min(hits, samples) / samples : null;
  if (samples < minSample) {
    return { name, value, interval, threshold, samples, pass: null, reason: `not enough data: ${samples} of the ${minSample} installs needed` };
  }
  if (interval[0] > threshold) {
    return { name, value, interval, threshold, samples, pass: false, reason: `exceeds the ceiling ${percent(threshold)}: even the lower bound ${percent(interval[0])} is above it` };
  }
  if (interval[1] > threshold) {
    return { name, value, interval, threshold, samples, pass: false, reason: `not yet shown under the ceiling ${percent(threshold)}: upper bound ${percent(interval[1])}` };
  }
  return { name, value, interval, threshold, samples, pass: true, reason: `upper bound ${percent(interval[1])} stays under the ceiling ${percent(threshold)}` };
}

/** Each criterion the feature has, in a fixed order, judged with its interval. */
export function judgeCriteria(criteria: ExitCriteria, metrics: FeatureMetrics): CriterionResult[] {
  const results: CriterionResult[] = [];
  if (criteria.minInstalls !== undefined) {
    const n = metrics.installs;
    const pass = n >= criteria.minInstalls;
    results.push({
      name: 'minInstalls', value: n, interval: [n, n], threshold: criteria.minInstalls, samples: n, pass,
      reason: pass ? `${n} installs reached the minimum ${criteria.minInstalls}` : `${n} of the ${criteria.minInstalls} installs needed`,
    });
  }
  if (criteria.retention7d) {
    const { eligible, retained } = metrics.retention;
    const value = eligible > 0 ? retained / eligible : null;
    results.push(judgeMinimum('retention7d', value, wilsonInterval(retained, eligible), criteria.retention7d.min, eligible, criteria.retention7d.minSample, percent));
  }
  if (criteria.rating) {
    const { mean, interval } = meanInterval(metrics.ratings, RATING_RANGE);
    results.push(judgeMinimum('rating', mean, interval, criteria.rating.minMean, metrics.ratings.count, criteria.rating.minCount, rating));
  }
  if (criteria.failureRate) results.push(judgeCeiling('failureRate', metrics.failedInstalls, metrics.installs, criteria.failureRate.max, criteria.failureRate.minSample));
  if (criteria.errorRate) results.push(judgeCeiling('errorRate', metrics.erroredInstalls, metrics.installs, criteria.errorRate.max, criteria.errorRate.minSample));
  if (criteria.optOutRate) results.push(judgeCeiling('optOutRate', metrics.optedOutInstalls, metrics.installs, criteria.optOutRate.max, criteria.optOutRate.minSample));
  return results;
}

const exceeded = (result: CriterionResult) => result.pass === false && result.interval[0] > result.threshold;

/**
 * The verdict and the criteria behind it.
 *
 * @example
 *   judgeFeature({ failureRate: { max: 0.02, minSample: 100 } }, metrics)
 *   // { featureId: 'page-notes', verdict: 'kill', reason: 'failureRate exceeds …', criteria: [ … ] }
 */
export function judgeFeature(criteria: ExitCriteria | undefined, metrics: FeatureMetrics): FeatureHealth {
  const results = judgeCriteria(criteria ?? {}, metrics);
  const health = (verdict: Verdict, reason: string): FeatureHealth => ({ featureId: metrics.featureId, verdict, reason, criteria: results });
  const failure = results.find((r) => r.name === 'failureRate' && exceeded(r));
  if (failure) return health('kill', `failureRate ${failure.reason}`);
  const halting = results.find((r) => (r.name === 'errorRate' || r.name === 'optOutRate') && exceeded(r));
  if (halting) return health('halt', `${halting.name} ${halting.reason}`);
  if (results.length === 0) return health('continue', 'the release gives this feature no exit criteria');
  const waiting = results.filter((r) => r.pass !== true);
  if (waiting.length === 0) return health('graduate', 'every criterion passes with its interval');
  const unknown = waiting.filter((r) => r.pass === null).map((r) => r.name);
  const failing = waiting.filter((r) => r.pass === false).map((r) => r.name);
  const parts = [failing.length ? `not yet passing: ${failing.join(', ')}` : '', unknown.length ? `not enough data: ${unknown.join(', ')}` : ''];
  return health('continue', parts.filter(Boolean).join('; '));
}
