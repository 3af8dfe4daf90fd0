/**
 * Version and locale comparisons for targeting. Firefox versions look like
 * "128.0", "128.0.1esr" or "130.0b3": the numeric parts decide; a trailing
 * non-numeric tail ("esr") is ignored.
 */

function parseVersion(version: string): number[] {
  return version
    .trim()
    .split('.')
    .map((part) => {
      const digits = /^\d+/.exec(part);
      return digits ? Number(digits[0]) : 0;
    });
}

/**
 * Compares dotted versions numerically: negative when a < b, 0 when equal,
 * positive when a > b. Missing parts count as 0, so "128" equals "128.0".
 *
 * @example
 * compareVersions('128.0.1esr', '128.0') > 0 // true
 */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `version` lies within [min, max], both inclusive and optional. */
export function isVersionInRange(version: string, range: { min?: string; max?: string }): boolean {
  if (range.min !== undefined && compareVersions(version, range.min) < 0) return false;
  if (range.max !== undefined && compareVersions(version, range.max) > 0) return false;
  return true;
}

function normalizeLocale(tag: string): string {
  return tag.trim().replace(/_/g, '-').toLowerCase();
}

/**
 * True when the browser's locale falls under a targeted tag: "en" matches
 * "en-US", "en-us" matches "en-US", but "en-US" does not match "en-GB" or "en".
 *
 * @example
 * matchesLocale('en-US', 'en') // true
 */
export function matchesLocale(browserLocale: string, targeted: string): boolean {
  const locale = normalizeLocale(browserLocale);
  const tag = normalizeLocale(targeted);
  return locale === tag || locale.startsWith(`${tag}-`);
}
