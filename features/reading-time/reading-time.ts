/**
 * Pure helpers of the reading-time feature, shared by its background part
 * and its content script, so they can be tested without a browser.
 */

/** Words per minute of an average adult reading prose on a screen. */
export const DEFAULT_WORDS_PER_MINUTE = 230;

/** Fewer words than this is not an article: no badge. */
export const MIN_ARTICLE_WORDS = 200;

export function countWords(text: string): number {
  const matches = text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu);
  return matches ? matches.length : 0;
}

/** Whole minutes to read, at least 1. */
export function estimateMinutes(words: number, wordsPerMinute = DEFAULT_WORDS_PER_MINUTE): number {
  if (!Number.isFinite(wordsPerMinute) || wordsPerMinute <= 0) throw new RangeError('wordsPerMinute must be positive');
  return Math.max(1, Math.round(words / wordsPerMinute));
}

/** The badge's words, e.g. "7 min read": `words` looks up the feature's own messages. */
export function formatBadge(minutes: number, words: (key: string, substitutions: number[]) => string): string {
  return words('badge', [minutes]);
}

/** Messages between the content script and the feature's background part. */
export type ReadingTimeMessage = { kind: 'get-settings' } | { kind: 'badge-shown'; minutes: number };

export interface ReadingTimeSettings {
  wordsPerMinute: number;
}
