/**
 * Exit criteria: when a feature has proved itself (graduate) or must stop
 * (halt, kill). The release file carries them per feature, publish copies
 * them into the signed manifest entry, and the server judges usage and
 * feedback against them (server/health/judge.ts). Every criterion but
 * `minInstalls` names the smallest sample it may be judged on: below it the
 * verdict is "not enough data", never pass or fail.
 *
 * Also here: the usage event names the add-on reserves for itself, which the
 * failure and opt-out rates count.
 *
 * @example
 * exitCriteriaSchema.parse({ minInstalls: 500, failureRate: { max: 0.02, minSample: 200 } });
 */
import * as z from 'zod/mini';

/**
 * Reserved usage events, counted by the host (never a feature: a feature's
 * ctx.usage refuses the "host." prefix) under the feature's id and the day,
 * under the same consent as every counter and with nothing but the name.
 * Each is counted at most once per install and feature version (again after
 * a reinstall), so that the server may read their sums as installs.
 */
export const HOST_EVENTS = {
  /** The host could not install or activate the feature: its hook threw or timed out, or a file did not match its sign-off (once per failing version, again after a success). */
  installFailed: 'host.install-failed',
  /** The user turned the feature off in the popup (a QA override does not count: it is a test, not a verdict). */
  optOut: 'host.opt-out',
  /** The feature erred: it logged an error (ctx.log.error) or one of its content scripts threw (host.content-error too). */
  error: 'host.error',
  /** One of the feature's content scripts threw an error it did not catch (attributed by the script's address). */
  contentError: 'host.content-error',
  /** The host add-on was uninstalled while the feature was active: Firefox opens the server's uninstall page, which counts it once per install and day. */
  uninstalledWhileActive: 'host.uninstalled-while-active',
} as const;

/** Usage event names that only the host may count. */
export const HOST_EVENT_PREFIX = 'host.';

/** Ratings run 1–5 (feedback-schema.ts MIN_RATING/MAX_RATING; a test keeps them equal, an import would be circular). */
const RATING_MIN = 1;
const RATING_MAX = 5;

const share = (what: string) =>
  z.number().check(z.gte(0, `${what} must be a share from 0 to 1`), z.lte(1, `${what} must be a share from 0 to 1`));
const sampleSize = z.int('must be a whole number of at least 1').check(z.gte(1, 'must be a whole number of at least 1'), z.lte(10_000_000, 'must be at most 10000000'));

export const exitCriteriaSchema = z.strictObject({
  /** Installs that have reported the feature at least once. */
  minInstalls: z.optional(sampleSize),
  /** Share of installs active on some day that are active again within the next 7 days; judged over at least minSample such installs. */
  retention7d: z.optional(z.strictObject({ min: share('min'), minSample: sampleSize })),
  /** Mean feedback rating (1–5); judged on at least minCount ratings. */
  rating: z.optional(
    z.strictObject({
      minMean: z.number().check(z.gte(RATING_MIN, `must be a rating from ${RATING_MIN} to ${RATING_MAX}`), z.lte(RATING_MAX, `must be a rating from ${RATING_MIN} to ${RATING_MAX}`)),
      minCount: sampleSize,
    }),
  ),
  /** Ceiling on the share of installs that reported host.install-failed; exceeding it kills the feature. */
  failureRate: z.optional(z.strictObject({ max: share('max'), minSample: sampleSize })),
  /** Ceiling on the share of installs that reported host.error (a logged error or a content script's uncaught one); exceeding it halts the rollout. */
  errorRate: z.optional(z.strictObject({ max: share('max'), minSample: sampleSize })),
  /** Ceiling on the share of installs that reported host.opt-out; exceeding it halts the rollout. */
  optOutRate: z.optional(z.strictObject({ max: share('max'), minSample: sampleSize })),
});
export type ExitCriteria = z.infer<typeof exitCriteriaSchema>;

export const RATING_RANGE = { min: RATING_MIN, max: RATING_MAX } as const;
