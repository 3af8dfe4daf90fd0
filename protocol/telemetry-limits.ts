/**
 * The numbers and rules of usage counters and feedback that the add-on and
 * the server share, without the zod schemas the server checks them with
 * (usage-schema.ts, feedback-schema.ts re-export them): the add-on's event
 * page imports this module on every wake and builds no schema it never uses.
 */

export const USAGE_PATH = '/v1/usage';
/**
 * The page Firefox opens once the host add-on is uninstalled (runtime.setUninstallURL):
 * ?i=<install id>&f=<active feature ids, comma-separated>.
 */
export const UNINSTALLED_PATH = '/v1/uninstalled';
/** More active features than this in one uninstall report is not an add-on's report. */
export const MAX_UNINSTALLED_FEATURES = 100;
/** The add-on splits its counts into batches of at most this many; the server refuses larger ones. */
export const MAX_COUNTS_PER_BATCH = 500;

/**
 * Short lower-case tokens only: a counter must never be able to carry a URL
 * or page content. Every add-on ever built checks names against this, so the
 * server accepts exactly what they can send.
 */
export const USAGE_EVENT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const FEEDBACK_PATH = '/v1/feedback';
export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_COMMENT_CHARACTERS = 2000;

/** Characters as people count them (code points), so an emoji counts once. */
export function countCommentCharacters(comment: string): number {
  return [...comment].length;
}
