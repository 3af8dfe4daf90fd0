import type { ExitCriteria } from '../../protocol/exit-criteria';

/** A threshold and the smallest sample it may be judged on. */
type Judged = [threshold: number, minSample: number];

/**
 * Exit criteria with every criterion set, as a test reads them against the
 * usage and feedback it sends: each rate or mean with the sample it needs.
 *
 * @example
 * makeExitCriteria({ minInstalls: 100, retention7d: [0.4, 50], rating: [3.5, 20], failureRate: [0.05, 100], optOutRate: [0.2, 100] });
 */
export function makeExitCriteria(criteria: { minInstalls: number; retention7d: Judged; rating: Judged; failureRate: Judged; optOutRate: Judged }): ExitCriteria {
  const [retention, retentionSample] = criteria.retention7d;
  const [rating, ratings] = criteria.rating;
  const [failures, failureSample] = criteria.failureRate;
  const [optOuts, optOutSample] = criteria.optOutRate;
  return {
    minInstalls: criteria.minInstalls,
    retention7d: { min: retention, minSample: retentionSample },
    rating: { minMean: rating, minCount: ratings },
    failureRate: { max: failures, minSample: failureSample },
    optOutRate: { max: optOuts, minSample: optOutSample },
  };
}
