/**
 * When to ask the beta server again. Pure, so every rule is testable without
 * timers.
 *
 * @example
 * nextPollDelay({ intervalMinutes: 60, failures: 0, random: Math.random() }); // 54–66 min in ms
 * nextPollDelay({ intervalMinutes: 60, failures: 3, random: 0.5 });           // 4 min in ms
 */

const MINUTE_MS = 60_000;
/** ±10%, so that browsers started together do not poll together. */
const JITTER = 0.1;

export interface PollDelayInput {
  intervalMinutes: number;
  /** Failed checks in a row; 0 after a good one. */
  failures: number;
  /** What the server asked for in Retry-After; the next poll is never earlier. */
  retryAfterMs?: number;
  /** A number in [0, 1), e.g. Math.random(). */
  random: number;
}

/**
 * Milliseconds until the next poll. After success: the interval, jittered by
 * ±10% (so a kill switch reaches online users within about an hour at the
 * default). After the n-th failure in a row: 1 min × 2^(n-1), capped at the
 * interval, jittered the same way; never before Retry-After.
 */
export function nextPollDelay({ intervalMinutes, failures, retryAfterMs, random }: PollDelayInput): number {
  if (!(intervalMinutes > 0)) throw new RangeError(`poll interval must be a positive number of minutes, got ${intervalMinutes}`);
  const intervalMs = intervalMinutes * MINUTE_MS;
  const base = failures > 0 ? Math.min(intervalMs, MINUTE_MS * 2 ** Math.min(failures - 1, 30)) : intervalMs;
  const clamped = Math.min(Math.max(random, 0), 1);
  const delay = Math.round(base * (1 - JITTER + 2 * JITTER * clamped));
  return retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : delay;
}
