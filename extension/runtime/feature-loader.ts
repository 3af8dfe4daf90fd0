/**
 * Loading a feature's code safely: its bytes must match the SHA-256 that was
 * signed off (DESIGN.md decision 1), and none of its hooks may hang the host.
 */
import { isInsideFeatureFolder, resolveAddonPath } from '../../protocol/feature-paths';
import { HostError } from '../errors';
import type { BrowserApi } from './browser-api';
import type { FeatureDefinition } from './feature-api';
import type { RegisteredFeature } from './feature-registry';
import type { FeatureRecord } from './feature-state';
import type { VerifiedFiles } from './verified-files';

/** What the manifest (or the ledger, on a wake) says the feature's files must hash to. */
export interface ExpectedHashes {
  featureId: string;
  chunk: string;
  sha256: string;
  files: Array<{ path: string; sha256: string }>;
  /**
   * The files the build ships for the feature (RegisteredFeature.files): each
   * must be listed in `files`, or it would run without its hash checked.
   */
  registeredFiles: string[];
}

export type FetchFile = (path: string) => Promise<ArrayBuffer>;

/**
 * What a feature's files must hash to, from its manifest entry or ledger
 * record, with the files the build ships: an entry (manifest or ledger)
 * leaving one out is then refused, not run unchecked.
 */
export function toExpectedHashes(registered: RegisteredFeature, record: Pick<FeatureRecord, 'sha256' | 'files'>): ExpectedHashes {
  const { id: featureId, chunk, files: registeredFiles } = registered;
  return { featureId, chunk, sha256: record.sha256, files: record.files ?? [], registeredFiles };
}

/** Reads a file of the add-on through fetch(browser.runtime.getURL(path)). */
export function fetchAddonFile(browser: Pick<BrowserApi, 'runtime'>): FetchFile {
  return async (path) => {
    const response = await fetch(browser.runtime.getURL(path));
    if (!response.ok) throw new HostError('http', `HTTP ${response.status} for ${path}`, { subject: path });
    return response.arrayBuffer();
  };
}

/** Lowercase hex SHA-256 of some bytes, through WebCrypto. */
export async function computeSha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks that the listed files cover every file the build ships for the
 * feature and stay inside its folder, comparing paths only once resolved as
 * Firefox resolves them (protocol/feature-paths.ts): "features/x/%2e%2e/y/a.js"
 * is a file of y, not of x. A signed entry that leaves a content script out
 * (or lists none) would otherwise have it registered unchecked. Returns the
 * listed files with their resolved paths; throws, naming the feature and
 * every offending path.
 *
 * @example
 * checkListedFiles({ featureId: 'x', chunk: 'features/x/index.js', sha256, files: [], registeredFiles: ['features/x/content/a.js'] });
 * // throws: Feature "x": the manifest does not list features/x/content/a.js …
 */
export function checkListedFiles(expected: ExpectedHashes): Array<{ path: string; sha256: string }> {
  const folder = `features/${expected.featureId}/`;
  const resolved = expected.files.map((file) => ({ ...file, resolved: resolveAddonPath(file.path) }));
  const outside = resolved.filter((file) => !isInsideFeatureFolder(file.path, expected.featureId)).map((file) => describePath(file));
  const listed = new Set(resolved.map((file) => file.resolved).filter((path) => path !== null));
  const unlisted = expected.registeredFiles.filter((path) => !listed.has(resolveAddonPath(path) ?? path));
  const problems: string[] = [];
  if (unlisted.length > 0) {
    problems.push(`the manifest does not list ${unlisted.join(', ')}, which the add-on ships for it, so its sha256 cannot be checked`);
  }
  if (outside.length > 0) problems.push(`the manifest lists ${outside.join(', ')}, outside ${folder}`);
  if (problems.length > 0) {
    throw new HostError('unlisted-files', `Feature "${expected.featureId}": ${problems.join('; ')}`, { subject: expected.featureId });
  }
  return resolved.map((file) => ({ path: file.resolved!, sha256: file.sha256 }));
}

function describePath(file: { path: string; resolved: string | null }): string {
  if (file.resolved === null) return `${file.path} (which does not resolve to one file of the add-on)`;
  return file.resolved === file.path ? file.path : `${file.path} (which resolves to ${file.resolved})`;
}

/**
 * Checks that every shipped file is listed (checkListedFiles), then the chunk
 * and each listed file against its expected SHA-256.
 * Throws, naming the feature, the file, the expected and the actual hash.
 *
 * @example
 * await verifyFeatureFiles({ featureId: 'x', chunk: 'features/x/index.js', sha256, files: [], registeredFiles: [] }, fetchFile);
 */
export async function verifyFeatureFiles(expected: ExpectedHashes, fetchFile: FetchFile, verified?: VerifiedFiles): Promise<void> {
  // The resolved paths are what is fetched: the bytes checked are the bytes Firefox would load.
  const listed = checkListedFiles(expected);
  const checks = [{ path: expected.chunk, sha256: expected.sha256 }, ...listed];
  for (const { path, sha256 } of checks) {
    if (await verified?.has(path, sha256)) continue;
    let bytes: ArrayBuffer;
    try {
      bytes = await fetchFile(path);
    } catch (error) {
      const message = `Feature "${expected.featureId}": could not read ${path}: ${describeError(error)}`;
      throw new HostError('unreadable-file', message, { subject: expected.featureId, cause: error });
    }
    const actual = await computeSha256Hex(bytes);
    if (actual !== sha256) {
      const message = `Feature "${expected.featureId}": ${path} does not match its sign-off: expected sha256 ${sha256}, actual ${actual}`;
      throw new HostError('hash-mismatch', message, { subject: expected.featureId });
    }
    await verified?.add(path, sha256);
  }
}

/** Loads the chunk and checks that it exports a feature definition. */
export async function loadDefinition(registered: RegisteredFeature): Promise<FeatureDefinition> {
  const module = await registered.load();
  const definition = module?.default;
  if (!definition || typeof definition.activate !== 'function') {
    const message = `Feature "${registered.id}": ${registered.chunk} has no default export with an activate() function`;
    throw new HostError('no-activate', message, { subject: registered.id });
  }
  return definition;
}

/**
 * Runs a feature hook, rejecting if it takes longer than `timeoutMs`. The hook
 * itself cannot be stopped; whatever it registers late is disposed by the
 * already-disposed store.
 *
 * @example
 * await runWithTimeout(() => definition.activate(ctx), 5000, 'Feature "x": activate', 'x');
 */
export async function runWithTimeout<T>(run: () => T | Promise<T>, timeoutMs: number, label: string, subject?: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HostError('timeout', `${label} did not finish within ${timeoutMs} ms`, { subject })), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A readable one-line message for anything thrown, AggregateErrors included. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError) {
    return `${error.message}: ${error.errors.map(describeError).join('; ')}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
