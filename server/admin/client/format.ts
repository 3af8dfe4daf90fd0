/** Numbers, stages and criteria in the words the beta team reads. Pure functions. */
import type { Criterion, FeatureView, Interval, RateSummary } from './types';

export function formatPercent(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)}%`;
}

export function formatInterval([low, high]: Interval, show: (n: number) => string): string {
  return `${show(low)} – ${show(high)}`;
}

export function formatRate(rate: RateSummary): string {
  if (rate.value === null) return 'no installs yet';
  return `${formatPercent(rate.value)} (${plural(rate.reports, 'install')}; 95% interval ${formatInterval(rate.interval, formatPercent)})`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en');
}

/** "1 install", "2 installs". */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A stage of any shape as one line of text: a string as it is, an object as its plain fields. */
export function formatStageValue(stage: unknown): string {
  if (stage === null || stage === undefined) return '';
  if (typeof stage === 'string') return stage;
  if (typeof stage === 'number' || typeof stage === 'boolean') return String(stage);
  if (Array.isArray(stage)) return stage.map(formatStageValue).filter(Boolean).join(' → ');
  if (typeof stage === 'object') {
    return Object.entries(stage as Record<string, unknown>)
      .filter(([, value]) => value !== null && value !== undefined && typeof value !== 'object')
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join(', ');
  }
  return '';
}

/** The stage the health route reports, else the rollout percentage of the manifest. */
export function formatStage({ summary, health }: FeatureView): string {
  if (summary.killed) return 'killed';
  const stage = health && 'stage' in health ? formatStageValue(health.stage) : '';
  return stage || `${summary.rolloutPercent}% rollout`;
}

export const CRITERION_NAMES: Record<string, string> = {
  minInstalls: 'Installs',
  retention7d: '7-day retention',
  rating: 'Mean rating',
  failureRate: 'Failure rate',
  optOutRate: 'Opt-out rate',
};

const CEILINGS = new Set(['failureRate', 'optOutRate']);
const SHARES = new Set(['retention7d', 'failureRate', 'optOutRate']);

function showFor(name: string): (n: number) => string {
  if (SHARES.has(name)) return (n) => formatPercent(n);
  if (name === 'rating') return (n) => n.toFixed(2);
  return (n) => formatCount(n);
}

/** A criterion's cells: name, value, interval, threshold, samples, result. */
export function describeCriterion(criterion: Criterion): { name: string; value: string; interval: string; threshold: string; samples: string; result: string } {
  const show = showFor(criterion.name);
  return {
    name: CRITERION_NAMES[criterion.name] ?? criterion.name,
    value: criterion.value === null ? '–' : show(criterion.value),
    interval: criterion.name === 'minInstalls' ? '–' : formatInterval(criterion.interval, show),
    threshold: `${CEILINGS.has(criterion.name) ? 'at most' : 'at least'} ${show(criterion.threshold)}`,
    samples: formatCount(criterion.samples),
    result: criterion.pass === null ? 'not enough data' : criterion.pass ? 'passes' : 'fails',
  };
}

export const VERDICT_LABELS: Record<string, string> = { graduate: 'Graduate', continue: 'Continue', halt: 'Halt', kill: 'Kill' };
