import assert from 'node:assert/strict';
import type { ExitCriteria } from '../../../protocol/exit-criteria';
import { judgeFeature, type FeatureMetrics } from '../../../server/health/judge';
import { makeExitCriteria } from '../../helpers/exit-criteria';

const CRITERIA = makeExitCriteria({ minInstalls: 100, retention7d: [0.4, 50], rating: [3.5, 20], failureRate: [0.05, 100], optOutRate: [0.2, 100] });

/** 200 installs, 100 eligible for retention with 70 back, 40 ratings of 4 and 5, 2 failures and 10 opt-outs: healthy. */
function healthy(changes: Partial<FeatureMetrics> = {}): FeatureMetrics {
  return {
    featureId: 'page-notes',
    installs: 200,
    retention: { eligible: 100, retained: 70 },
    ratings: { count: 40, sum: 20 * 4 + 20 * 5, sumOfSquares: 20 * 16 + 20 * 25 },
    failedInstalls: 2,
    erroredInstalls: 4,
    optedOutInstalls: 10,
    ...changes,
  };
}

const byName = (health: ReturnType<typeof judgeFeature>) => Object.fromEntries(health.criteria.map((c) => [c.name, c]));

describe('judging a feature against its exit criteria', () => {
  it('graduates when every criterion passes with its interval', () => {
    const health = judgeFeature(CRITERIA, healthy());
    assert.equal(health.verdict, 'graduate');
    assert.deepEqual(health.criteria.map((c) => [c.name, c.pass]), [
      ['minInstalls', true], ['retention7d', true], ['rating', true], ['failureRate', true], ['optOutRate', true],
    ]);
    const retention = byName(health).retention7d!;
    assert.equal(retention.value, 0.7);
    assert.equal(retention.samples, 100);
    assert.equal(retention.threshold, 0.4);
    assert.ok(retention.interval[0] > 0.6 && retention.interval[1] < 0.8);
  });

  it('kills only when the failure rate\'s lower bound is over the ceiling', () => {
    // 20 of 200 failed: 10%, interval about [6.6%, 14.9%], above 5%.
    const killed = judgeFeature(CRITERIA, healthy({ failedInstalls: 20 }));
    assert.equal(killed.verdict, 'kill');
    assert.match(killed.reason, /^failureRate exceeds the ceiling 5\.0%/);
    // 15 of 200: 7.5% but the lower bound (4.6%) is under 5%: not proven, so no kill, and no graduation either.
    const unsure = judgeFeature(CRITERIA, healthy({ failedInstalls: 15 }));
    assert.equal(unsure.verdict, 'continue');
    assert.equal(byName(unsure).failureRate!.pass, false);
    assert.match(unsure.reason, /not yet passing: failureRate/);
  });

  it('halts when the opt-out rate\'s lower bound is over its ceiling, and a kill wins over a halt', () => {
    assert.equal(judgeFeature(CRITERIA, healthy({ optedOutInstalls: 80 })).verdict, 'halt');
    assert.equal(judgeFeature(CRITERIA, healthy({ optedOutInstalls: 80, failedInstalls: 40 })).verdict, 'kill');
  });

  it('halts when the error rate\'s lower bound is over its ceiling, passes it under, and a kill still wins', () => {
    const withErrors: ExitCriteria = { ...CRITERIA, errorRate: { max: 0.1, minSample: 100 } };
    const fine = judgeFeature(withErrors, healthy());
    assert.equal(fine.verdict, 'graduate');
    assert.deepEqual(fine.criteria.map((c) => c.name), ['minInstalls', 'retention7d', 'rating', 'failureRate', 'errorRate', 'optOutRate']);
    assert.equal(byName(fine).errorRate!.value, 0.02);
    // 40 of 200 installs erred: 20%, interval about [15%, 26%], above 10%.
    const halted = judgeFeature(withErrors, healthy({ erroredInstalls: 40 }));
    assert.equal(halted.verdict, 'halt');
    assert.match(halted.reason, /^errorRate exceeds the ceiling 10\.0%: even the lower bound 1\d\.\d% is above it/);
    assert.equal(judgeFeature(withErrors, healthy({ erroredInstalls: 40, failedInstalls: 40 })).verdict, 'kill');
    assert.equal(judgeFeature(withErrors, healthy({ installs: 50, erroredInstalls: 40 })).verdict, 'continue', 'not on fewer installs than minSample');
  });

  it('never judges a criterion on fewer samples than its minimum', () => {
    // 10 installs, all failed: alarming, but below the 100 installs the failure criterion needs.
    const health = judgeFeature(CRITERIA, healthy({ installs: 10, failedInstalls: 10, optedOutInstalls: 10, retention: { eligible: 5, retained: 5 }, ratings: { count: 3, sum: 15, sumOfSquares: 75 } }));
    assert.equal(health.verdict, 'continue');
    const results = byName(health);
    for (const name of ['retention7d', 'rating', 'failureRate', 'optOutRate']) {
      assert.equal(results[name]!.pass, null, name);
      assert.match(results[name]!.reason, /^not enough data: /);
    }
    assert.equal(results.minInstalls!.pass, false);
    assert.equal(results.failureRate!.reason, 'not enough data: 10 of the 100 installs needed');
  });

  it('does not graduate on a good estimate whose interval still reaches below the minimum', () => {
    // 28 of 50 come back: 56%, but the lower bound is about 42%, under a 45% minimum.
    const health = judgeFeature({ retention7d: { min: 0.45, minSample: 50 } }, healthy({ retention: { eligible: 50, retained: 28 } }));
    assert.equal(health.verdict, 'continue');
    assert.match(health.criteria[0]!.reason, /lower bound 42\.\d% of \[42\.\d%, 68\.\d%\] is below the minimum 45\.0%/);
  });

  it('continues a feature without exit criteria and says why', () => {
    assert.deepEqual(judgeFeature(undefined, healthy()), {
      featureId: 'page-notes', verdict: 'continue', reason: 'the release gives this feature no exit criteria', criteria: [],
    });
  });

  it('gives JSON that survives a round trip unchanged', () => {
    const health = judgeFeature(CRITERIA, healthy({ ratings: { count: 0, sum: 0, sumOfSquares: 0 } }));
    assert.deepEqual(JSON.parse(JSON.stringify(health)), health);
    assert.equal(byName(health).rating!.value, null);
  });
});
