/**
 * The headers a feature may send with ctx.services.fetch: the conditional
 * ones that optimistic concurrency needs, with a time in milliseconds.
 * Anything else (Authorization, Cookie, Host…) is the host's to set, never a
 * feature's.
 */
import { AccountError } from './account-error';

const ALLOWED = new Set(['x-if-modified-since', 'x-if-unmodified-since']);
const MILLISECONDS = /^\d{1,16}$/;

/**
 * @example
 * checkServicesHeaders('tab-stash', { 'X-If-Unmodified-Since': '1764493200000' });
 * // { 'x-if-unmodified-since': '1764493200000' }
 */
export function checkServicesHeaders(featureId: string, headers: Record<string, string> = {}): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!ALLOWED.has(lower) || typeof value !== 'string' || !MILLISECONDS.test(value)) {
      throw new AccountError('forbidden-header', `Feature "${featureId}" may not send the header "${name}: ${String(value)}".`, { subject: featureId });
    }
    checked[lower] = value;
  }
  return checked;
}
