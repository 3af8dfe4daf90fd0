/**
 * Loading a feature's code safely: its bytes must match the SHA-256 that was
 * signed off (DESIGN.md decision 1), and none of its hooks may hang the host.
 */
import type { FeatureDefinition } from './feature-api';
import type { RegisteredFeature } from './feature-registry';

/** What the manifest (or the ledger, on a wake) says the feature's files must hash to. */
export interface ExpectedHashes {
  featureId: string;
  chunk: string;
  sha256: string;
  files: Array<{ path: string; sha256: string }>;
}

export type FetchFile = (path: string) => Promise<ArrayBuffer>;

/** Lowercase hex SHA-256 of some bytes, through WebCrypto. */
export async function computeSha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks the chunk and each listed file against its expected SHA-256.
 * Throws, naming the feature, the file, the expected and the actual hash.
 *
 * @example
 * await verifyFeatureFiles({ featureId: 'x', chunk: 'features/x/index.js', sha256, files: [] }, fetchFile);
 */
export async function verifyFeatureFiles(expected: ExpectedHashes, fetchFile: FetchFile): Promise<void> {
  const checks = [{ path: expected.chunk, sha256: expected.sha256 }, ...expected.files];
  for (const { path, sha256 } of checks) {
    let bytes: ArrayBuffer;
    try {
      bytes = await fetchFile(path);
    } catch (error) {
      throw new Error(`Feature "${expected.featureId}": could not read ${path}: ${describeError(error)}`);
    }
    const actual = await computeSha256Hex(bytes);
    if (actual !== sha256) {
      throw new Error(`Feature "${expected.featureId}": ${path} does not match its sign-off: expected sha256 ${sha256}, actual ${actual}`);
    }
  }
}

/** Loads the chunk and checks that it exports a feature definition. */
export async function loadDefinition(registered: RegisteredFeature): Promise<FeatureDefinition> {
  const module = await registered.load();
  const definition = module?.default;
  if (!definition || typeof definition.activate !== 'function') {
    throw new Error(`Feature "${registered.id}": ${registered.chunk} has no default export with an activate() function`);
  }
  return definition;
}

/**
 * Runs a feature hook, rejecting if it takes longer than `timeoutMs`. The hook
 * itself cannot be stopped; whatever it registers late is disposed by the
 * already-disposed store.
 *
 * @example
 * await runWithTimeout(() => definition.activate(ctx), 5000, 'Feature "x": activate');
 */
export async function runWithTimeout<T>(run: () => T | Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${timeoutMs} ms`)), timeoutMs);
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
