/**
 * Builds the real add-on for an end-to-end run: the beta build, pinned to a
 * test key and pointed at a loopback origin, into a temporary folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LockFile } from '../../../protocol/release-schema';
import { runBuild } from '../../helpers/run-command';

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
  const result = await runBuild({
    SBC_ENV: 'beta',
    SBC_ORIGIN: options.origin,
    SBC_PUBLIC_KEYS: options.publicKeysDir,
    SBC_OUT_DIR: options.outDir,
    ...(options.featuresDir ? { SBC_FEATURES_DIR: options.featuresDir } : {}),
    ...options.extraEnv,
  });
  if (result.code !== 0) throw new Error(`the add-on build failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  const extensionDir = join(options.outDir, 'extension');
  const lock = JSON.parse(readFileSync(join(options.outDir, 'features.lock.json'), 'utf8')) as LockFile;
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8'));
  return { extensionDir, lock, addonId: manifest.browser_specific_settings.gecko.id };
}
