/**
 * Confidence intervals for the exit criteria. Pure functions: the judge
 * decides with the interval, never with the bare estimate, so a feature is
 * neither graduated nor killed on a lucky or unlucky handful of installs.
 */

/** Two-sided 95 %: the normal quantile 1.959964. */
export const Z_95 = 1.959964;

/** A closed interval [low, high]. */
export type Interval = [number, number];

/**
 * Wilson score interval of a proportion: well behaved near 0 and 1 and for
 * small samples, where the normal approximation gives bounds outside [0, 1].
 *
 * @example wilsonInterval(5, 10) // [0.2366, 0.7634] (rounded)
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (!(trials > 0)) return [0, 1];
  if (successes < 0 || successes > trials) throw new RangeError(`successes must be within 0..${trials}, not ${successes}`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Count, sum and sum of squares: what the store can aggregate in SQL on both databases. */
export interface SampleMoments {
  count: number;
  sum: number;
  sumOfSquares: number;
}

/**
 * Normal-approximation interval of a mean, clamped to the scale's range:
 * mean ± z·s/√n with the sample standard deviation s. With one value, s is
 * unknown and the interval is the whole range.
 *
 * @example meanInterval({ count: 4, sum: 16, sumOfSquares: 66 }, { min: 1, max: 5 }) // values 3, 4, 4, 5: mean 4, [3.20, 4.80]
 */
export function meanInterval(moments: SampleMoments, range: { min: number; max: number }, z = Z_95): { mean: number | null; interval: Interval } {
  const { count, sum, sumOfSquares } = moments;
  if (!(count > 0)) return { mean: null, interval: [range.min, range.max] };
  const mean = sum / count;
  if (count < 2) return { mean, interval: [range.min, range.max] };
  // Rounding can make the variance a hair below zero when every value is equal.
  const variance = Math.max(0, (sumOfSquares - count * mean * mean) / (count - 1));
  const half = z * Math.sqrt(variance / count);
  return { mean, interval: [Math.max(range.min, mean - half), Math.min(range.max, mean + half)] };
}
