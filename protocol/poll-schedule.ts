/**
 * When to ask the beta server again. Pure, so every rule is testable without
 * timers.
 *
 * @example
 * nextPollDelay({ intervalMinutes: 15, failures: 0, random: Math.random() }); // 12–15 min in ms
 * nextPollDelay({ intervalMinutes: 15, failures: 3, random: 0.5 });           // 3.6 min in ms
 */
import { DEFAULT_POLL_INTERVAL_MINUTES, type ManifestPayload } from './manifest-schema';

const MINUTE_MS = 60_000;
/**
 * Up to 20% early, never late: browsers started together do not poll
 * together, and a kill switch still reaches every online install within
 * one interval.
 */
const JITTER = 0.2;

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
 * Milliseconds until the next poll. After success: the interval, minus a
 * jitter of up to 20%. After the n-th failure in a row: 1 min × 2^(n-1),
 * capped at the interval, jittered the same way; never before Retry-After.
 */
export function nextPollDelay({ intervalMinutes, failures, retryAfterMs, random }: PollDelayInput): number {
  if (!(intervalMinutes > 0)) throw new RangeError(`poll interval must be a positive number of minutes, got ${intervalMinutes}`);
  const intervalMs = intervalMinutes * MINUTE_MS;
  const base = failures > 0 ? Math.min(intervalMs, MINUTE_MS * 2 ** Math.min(failures - 1, 30)) : intervalMs;
  const clamped = Math.min(Math.max(random, 0), 1);
  const delay = Math.round(base * (1 - JITTER * clamped));
  return retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : delay;
}

/**
 * The poll interval in force: the signed manifest's, so the channel can slow
 * the fleet down without an add-on update, else the build's default.
 *
 * @example readPollInterval({ ...payload, pollIntervalMinutes: 60 }, 15) // 60
 */
export function readPollInterval(manifest: Pick<ManifestPayload, 'pollIntervalMinutes'> | null | undefined, fallbackMinutes = DEFAULT_POLL_INTERVAL_MINUTES): number {
  return manifest?.pollIntervalMinutes ?? fallbackMinutes;
}

/**
 * Whether a wake should check now: never checked, or the last check is at
 * least one interval old (the page slept through its alarm, or the browser
 * was closed).
 *
 * @example isCheckDue('2026-11-25T12:00:00Z', 15, new Date('2026-11-25T12:20:00Z')) // true
 */
export function isCheckDue(checkedAt: string | null | undefined, intervalMinutes: number, now: Date): boolean {
  const last = Date.parse(checkedAt ?? '');
  return Number.isNaN(last) || now.getTime() - last >= intervalMinutes * MINUTE_MS;
}
