/**
 * `npm run build`'s second step: packs the unpacked add-on that webpack just
 * wrote into an .xpi beside it. It reads the same resolved settings as the
 * webpack configuration (SBC_OUT_DIR and the rest), so the package always
 * holds the folder this build wrote, never a stale dist/extension.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BuildSettingsError, resolveBuildSettings, toDisplayPath } from './channel-config';

const execFileAsync = promisify(execFile);

export type RunCommand = (command: string, args: string[]) => Promise<void>;

export interface PackOptions {
  rootDir: string;
  env?: NodeJS.ProcessEnv;
  /** Runs web-ext; tests may pass their own. */
  run?: RunCommand;
}

/**
 * Packs `<outDir>/extension` into `<outDir>/services-beta-channel-<version>.xpi`
 * and returns the .xpi's path.
 *
 * @example
 *   await packAddon({ rootDir: process.cwd() }); // "/repo/dist/services-beta-channel-0.1.0.xpi"
 */
export async function packAddon(options: PackOptions): Promise<string> {
  const settings = resolveBuildSettings({ rootDir: options.rootDir, env: options.env });
  const sourceDir = join(settings.outDir, 'extension');
  const manifestPath = join(sourceDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new BuildSettingsError(`${toDisplayPath(manifestPath)} does not exist: run webpack for the same SBC_OUT_DIR first`, manifestPath);
  }
  const { version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
  const fileName = `services-beta-channel-${version}.xpi`;
  const run = options.run ?? runWebExt(settings.rootDir);
  await run(join(settings.rootDir, 'node_modules', '.bin', 'web-ext'), [
    'build',
    '--source-dir',
    sourceDir,
    '--artifacts-dir',
    settings.outDir,
    '--overwrite-dest',
    '--filename',
    fileName,
  ]);
  return join(settings.outDir, fileName);
}

function runWebExt(cwd: string): RunCommand {
  return async (command, args) => {
    await execFileAsync(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // npm runs scripts from the package root, where webpack.config.js resolves the same settings.
  packAddon({ rootDir: process.cwd() }).then(
    (xpi) => console.log(`Packed ${toDisplayPath(xpi)}`),
    (error: unknown) => {
      const failed = error as { stderr?: string; message?: string };
      console.error(`Packing failed: ${failed.stderr || failed.message || String(error)}`);
      process.exit(1);
    },
  );
}
