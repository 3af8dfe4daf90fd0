import assert from 'node:assert/strict';
import { meanInterval, wilsonInterval } from '../../../server/health/stats';

const close = (actual: number[], expected: number[], places = 4) =>
  assert.deepEqual(actual.map((n) => Number(n.toFixed(places))), expected);

describe('confidence intervals', () => {
  it('gives the published 95% Wilson score intervals', () => {
    close(wilsonInterval(0, 10), [0, 0.2775]);
    close(wilsonInterval(5, 10), [0.2366, 0.7634]);
    close(wilsonInterval(50, 100), [0.4038, 0.5962]);
    close(wilsonInterval(10, 10), [0.7225, 1]);
    close(wilsonInterval(1, 1000), [0.0002, 0.0056]);
  });

  it('narrows as the sample grows and never leaves [0, 1]', () => {
    const [lo10, hi10] = wilsonInterval(1, 10);
    const [lo1000, hi1000] = wilsonInterval(100, 1000);
    assert.ok(hi10 - lo10 > hi1000 - lo1000);
    assert.ok(lo10 >= 0 && hi10 <= 1);
  });

  it('knows nothing without trials and refuses impossible counts', () => {
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
    assert.throws(() => wilsonInterval(11, 10), /within 0\.\.10/);
  });

  it('puts a normal interval around the mean rating, inside the 1–5 scale', () => {
    // Ratings 3, 4, 4, 5: mean 4, s = 0.8165, half width 1.96 · 0.8165 / 2.
    const { mean, interval } = meanInterval({ count: 4, sum: 16, sumOfSquares: 66 }, { min: 1, max: 5 });
    assert.equal(mean, 4);
    close(interval, [3.2, 4.8], 2);
    // Ratings 1 and 5: the interval would reach below 1 and above 5.
    assert.deepEqual(meanInterval({ count: 2, sum: 6, sumOfSquares: 26 }, { min: 1, max: 5 }).interval, [1, 5]);
    // All equal: no spread, the interval is the mean itself.
    assert.deepEqual(meanInterval({ count: 30, sum: 120, sumOfSquares: 480 }, { min: 1, max: 5 }).interval, [4, 4]);
    assert.deepEqual(meanInterval({ count: 0, sum: 0, sumOfSquares: 0 }, { min: 1, max: 5 }), { mean: null, interval: [1, 5] });
  });
});
