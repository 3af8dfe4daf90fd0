// The dashboard's words for stages and criteria, and the CSV cell rules, as pure functions.
import { strict as assert } from 'node:assert';
import { describeCriterion, formatRate, formatStage, formatStageValue } from '../../../server/admin/client/format';
import type { FeatureSummary, FeatureView } from '../../../server/admin/client/types';
import { toCsvCell } from '../../../server/routes/admin-feedback';
import { resolveDayRange } from '../../../server/routes/admin-dashboard';

const summary: FeatureSummary = {
  featureId: 'page-notes',
  version: '1.2.0',
  rolloutPercent: 25,
  killed: false,
  requiresAccount: false,
  installs: 10,
  failureRate: { value: 0.1, interval: [0.018, 0.404], reports: 1 },
  optOutRate: { value: null, interval: [0, 1], reports: 0 },
  ratings: { count: 0, mean: null, distribution: [0, 0, 0, 0, 0] },
};
const view = (overrides: Partial<FeatureView> = {}): FeatureView => ({ summary, health: undefined, ...overrides });

describe('admin dashboard: words and cells', () => {
  it('shows the stage the health route gives, whatever its shape, else the rollout percentage, and "killed" above all', () => {
    assert.equal(formatStage(view()), '25% rollout');
    assert.equal(formatStage(view({ health: { featureId: 'page-notes', verdict: 'continue', reason: '', criteria: [] } })), '25% rollout');
    const withStage = (stage: unknown) => formatStage(view({ health: { featureId: 'page-notes', verdict: 'continue', reason: '', criteria: [], stage } }));
    assert.equal(withStage('5% (stage 2 of 4)'), '5% (stage 2 of 4)');
    assert.equal(withStage({ index: 1, percent: 5, halted: true, gates: [{ name: 'x' }] }), 'index: 1, percent: 5, halted: true');
    assert.equal(withStage(null), '25% rollout');
    assert.equal(formatStageValue([1, 5, 25]), '1 → 5 → 25');
    assert.equal(formatStage({ summary: { ...summary, killed: true }, health: undefined }), 'killed');
  });

  it('describes a criterion with its interval and threshold in the unit it is judged in', () => {
    const failure = describeCriterion({ name: 'failureRate', value: 0.1, interval: [0.018, 0.404], threshold: 0.05, samples: 10, pass: null, reason: '' });
    assert.deepEqual(failure, { name: 'Failure rate', value: '10.0%', interval: '1.8% – 40.4%', threshold: 'at most 5.0%', samples: '10', result: 'not enough data' });
    const rating = describeCriterion({ name: 'rating', value: 4.25, interval: [3.9, 4.6], threshold: 3.5, samples: 1200, pass: true, reason: '' });
    assert.deepEqual([rating.value, rating.interval, rating.threshold, rating.samples, rating.result], ['4.25', '3.90 – 4.60', 'at least 3.50', '1,200', 'passes']);
    assert.equal(formatRate(summary.failureRate), '10.0% (1 install; 95% interval 1.8% – 40.4%)');
    assert.equal(formatRate(summary.optOutRate), 'no installs yet');
  });

  it('keeps CSV cells as text a spreadsheet will not run, quoted when they must be', () => {
    assert.deepEqual(
      ['plain', '=1+2', '+1', '-1', '@x', '\tx', '\rx', 'a,b', 'say "hi"', 'two\nlines', 3, null, ''].map(toCsvCell),
      ['plain', "'=1+2", "'+1", "'-1", "'@x", "'\tx", '"\'\rx"', '"a,b"', '"say ""hi"""', '"two\nlines"', '3', '', ''],
    );
  });

  it('resolves the charts’ day range: a year up to today by default, refused reversed or over 731 days', () => {
    assert.deepEqual(resolveDayRange({}, '2026-11-30'), { from: '2025-12-01', to: '2026-11-30' });
    assert.deepEqual(resolveDayRange({ from: '2026-01-01' }, '2026-11-30'), { from: '2026-01-01', to: '2026-12-31' });
    assert.deepEqual(resolveDayRange({ to: '2026-03-01' }, '2026-11-30', 30), { from: '2026-01-31', to: '2026-03-01' });
    assert.throws(() => resolveDayRange({ from: '2026-02-01', to: '2026-01-01' }, '2026-11-30'), /after/);
    assert.throws(() => resolveDayRange({ from: '2024-01-01', to: '2026-01-01' }, '2026-11-30'), /732 days/);
  });
});
