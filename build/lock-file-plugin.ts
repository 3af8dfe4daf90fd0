/**
 * Writes dist/features.lock.json after webpack has written the add-on: for
 * every feature, the SHA-256 of its chunk and content scripts, read back
 * from the files on disk, so the hashes are of the exact bytes that ship
 * (and that reviewers sign off and the add-on checks before loading).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Compiler } from 'webpack';
import type { LockFile } from '../protocol/release-schema';
import type { DiscoveredFeature } from './discover-features';

/** @example sha256Hex(Buffer.from('abc')); // "ba7816bf…" */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Builds the lock file from the emitted files under `extensionDir`.
 *
 * @example
 *   const lock = createLockFile(features, 'dist/extension');
 *   lock.features[0]; // { id: "reading-time", chunk: "features/reading-time/index.js", sha256: "…", … }
 * @throws Error naming the feature.json and the missing file when a chunk was not written
 */
export function createLockFile(
  features: readonly DiscoveredFeature[],
  extensionDir: string,
  readFile: (path: string) => Uint8Array = readFileSync,
): LockFile {
  const hashFile = (feature: DiscoveredFeature, path: string): string => {
    try {
      return sha256Hex(readFile(join(extensionDir, path)));
    } catch (error) {
      throw new Error(`${feature.featureJsonPath}: ${path} is not in the built add-on (${(error as Error).message})`);
    }
  };
  return {
    lockfileVersion: 1,
    features: features.map((feature) => ({
      id: feature.id,
      version: feature.json.version,
      name: feature.json.name,
      chunk: feature.chunk,
      sha256: hashFile(feature, feature.chunk),
      files: feature.contentScripts.map((script) => ({ path: script.output, sha256: hashFile(feature, script.output) })),
      owners: feature.json.owners,
      requiresAccount: feature.json.requiresAccount,
    })),
  };
}

/**
 * Webpack plugin: after emit, hashes the written files and writes the lock
 * file. A missing chunk becomes a build error that names the feature.
 *
 * @example new LockFilePlugin({ features, lockFilePath: 'dist/features.lock.json' })
 */
export class LockFilePlugin {
  constructor(
    private readonly options: {
      features: readonly DiscoveredFeature[];
      lockFilePath: string;
      onWritten?: (lock: LockFile) => void;
    },
  ) {}

  apply(compiler: Compiler): void {
    // A failed build must not leave the previous lock file looking like this build's.
    compiler.hooks.compile.tap('LockFilePlugin', () => rmSync(this.options.lockFilePath, { force: true }));
    compiler.hooks.afterEmit.tap('LockFilePlugin', (compilation) => {
      if (compilation.errors.length > 0) return;
      let lock: LockFile;
      try {
        lock = createLockFile(this.options.features, compiler.outputPath);
      } catch (error) {
        compilation.errors.push(new compiler.webpack.WebpackError((error as Error).message));
        return;
      }
      mkdirSync(dirname(this.options.lockFilePath), { recursive: true });
      writeFileSync(this.options.lockFilePath, `${JSON.stringify(lock, null, 2)}\n`);
      this.options.onWritten?.(lock);
    });
  }
}
