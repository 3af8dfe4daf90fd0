/**
 * Where a path inside the add-on really leads. A manifest names a feature's
 * files by path, and the add-on fetches them through
 * `runtime.getURL(path)`: Firefox resolves dot segments, percent-encoded dot
 * segments ("%2e%2e"), tabs and newlines inside the path and absolute forms
 * before it reads a file. So a path is compared only after it has been
 * resolved the same way, with `new URL(path, "moz-extension://<uuid>/")`
 * semantics, and one that stays ambiguous after one decoding (a backslash,
 * "%2f", a double encoding, an empty segment) is refused rather than guessed at.
 *
 * @example
 * resolveAddonPath('features/a/%2e%2e/b/index.js'); // 'features/b/index.js'
 * isInsideFeatureFolder('features/a/%2e%2e/b/index.js', 'a'); // false
 */

const BASE = new URL('moz-extension://00000000-0000-4000-8000-000000000000/');
const MAX_PATH_LENGTH = 1024;
// After one decoding, these mean that some layer could still read the path another way.
const AMBIGUOUS = /[%\\\u0000-\u001f\u007f?#]/;

/**
 * The path relative to the add-on's root that Firefox would load, decoded
 * once ("features/x/content/a.js"), or null when it leaves the add-on or could
 * be read in more than one way.
 */
export function resolveAddonPath(path: string): string | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(path, BASE);
  } catch {
    return null;
  }
  if (url.protocol !== BASE.protocol || url.host !== BASE.host || url.username || url.password || url.search || url.hash) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || AMBIGUOUS.test(decoded)) return null;
  const segments = decoded.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  return segments.join('/');
}

/** True when the path resolves (resolveAddonPath) to a file inside features/<featureId>/. */
export function isInsideFeatureFolder(path: string, featureId: string): boolean {
  const resolved = resolveAddonPath(path);
  const folder = `features/${featureId}/`;
  return resolved !== null && resolved.startsWith(folder) && resolved.length > folder.length;
}

/** True when the path is already in the one form resolveAddonPath gives, and inside features/<featureId>/. */
export function isCanonicalFeaturePath(path: string, featureId: string): boolean {
  return isInsideFeatureFolder(path, featureId) && resolveAddonPath(path) === path;
}
