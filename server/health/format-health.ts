/**
 * The verdicts as text for `npm run report`: one block per feature, its
 * verdict and reason, then each criterion with its value, interval,
 * threshold, samples and reason.
 */
import type { CriterionResult, FeatureHealth } from './judge';

const MARK = { true: 'pass', false: 'FAIL', null: 'wait' } as const;

function showNumber(name: CriterionResult['name'], n: number): string {
  if (name === 'minInstalls') return String(n);
  if (name === 'rating') return n.toFixed(2);
  return `${(n * 100).toFixed(1)}%`;
}

function formatCriterion(c: CriterionResult): string {
  const value = c.value === null ? '-' : showNumber(c.name, c.value);
  const interval = c.name === 'minInstalls' ? '' : ` [${showNumber(c.name, c.interval[0])}, ${showNumber(c.name, c.interval[1])}]`;
  return `    ${MARK[String(c.pass) as 'true' | 'false' | 'null']}  ${c.name}: ${value}${interval}, n=${c.samples}; ${c.reason}`;
}

/**
 * @example
 *   console.log(formatHealth('2026-11-25', verdicts));
 *   // Verdicts as of 2026-11-25
 *   // page-notes: KILL (failureRate exceeds the ceiling 2.0%: …)
 *   //     FAIL  failureRate: 10.0% [6.6%, 14.9%], n=200; exceeds the ceiling 2.0%: …
 */
export function formatHealth(asOf: string, verdicts: FeatureHealth[]): string {
  const lines = [`Verdicts as of ${asOf}`];
  if (verdicts.length === 0) lines.push('(no features in the current manifest)');
  for (const health of verdicts) {
    lines.push(`${health.featureId}: ${health.verdict.toUpperCase()} (${health.reason})`);
    lines.push(...health.criteria.map(formatCriterion));
  }
  return lines.join('\n');
}
