/**
 * Builds the real add-on for an end-to-end run: the beta build, pinned to a
 * test key and pointed at a loopback origin, into a temporary folder.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LockFile } from '../../../protocol/release-schema';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

export interface BuiltAddon {
  extensionDir: string;
  lock: LockFile;
  addonId: string;
}

export async function buildAddon(options: {
  outDir: string;
  origin: string;
  publicKeysDir: string;
  /** Another folder of features (test fixtures) instead of features/. */
  featuresDir?: string;
  /** More SBC_* settings, e.g. SBC_PSEUDO_LOCALE. */
  extraEnv?: NodeJS.ProcessEnv;
}): Promise<BuiltAddon> {
  try {
    await run(process.execPath, [join(ROOT, 'node_modules', 'webpack', 'bin', 'webpack.js'), '--config', 'webpack.config.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        SBC_ENV: 'beta',
        SBC_ORIGIN: options.origin,
        SBC_PUBLIC_KEYS: options.publicKeysDir,
        SBC_OUT_DIR: options.outDir,
        ...(options.featuresDir ? { SBC_FEATURES_DIR: options.featuresDir } : {}),
        ...options.extraEnv,
      },
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the add-on build failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
  const extensionDir = join(options.outDir, 'extension');
  const lock = JSON.parse(readFileSync(join(options.outDir, 'features.lock.json'), 'utf8')) as LockFile;
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8'));
  return { extensionDir, lock, addonId: manifest.browser_specific_settings.gecko.id };
}
