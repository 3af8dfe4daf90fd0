/**
 * The real beta server for an end-to-end run, as a child process on a port of
 * its own (kept across a restart), and the real publish tool that signs a
 * release with the run's channel key and uploads it there.
 *
 * @example
 * const server = await startBetaServer({ port: await findFreePort(), dataDir, keysDir, adminToken });
 * await publishRelease({ release: makeRelease(addon.lock), keysDir, lockPath, out, server: server.url, adminToken });
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runScript } from '../../helpers/run-command';
import { startServerProcess, type RunningProcess } from '../../helpers/server-process';

export interface BetaServerOptions {
  port: number;
  dataDir: string;
  /** The folder of the channel's public keys the server accepts manifests signed by. */
  keysDir: string;
  adminToken: string;
}

export function startBetaServer(options: BetaServerOptions): Promise<RunningProcess> {
  return startServerProcess({
    PORT: String(options.port),
    DATA_DIR: options.dataDir,
    PUBLIC_KEYS: options.keysDir,
    ADMIN_TOKEN: options.adminToken,
  });
}

/** Stops the server as its host would (SIGTERM), and waits for it to be gone. */
export async function stopBetaServer(server: RunningProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

export interface PublishOptions {
  /** A release file's path, or its content, written next to `out`. */
  release: string | object;
  /** Holds the channel's private key (.private.pem), as `npm run keys:generate` writes it. */
  keysDir: string;
  /** The build's dist/features.lock.json. */
  lockPath: string;
  /** Where the signed manifest is written. */
  out: string;
  /** The beta server to upload to, with the admin token. */
  server?: string;
  adminToken?: string;
}

/** Runs `npm run publish`; resolves with what it printed, rejects with its error output. */
export async function publishRelease(options: PublishOptions): Promise<string> {
  let releasePath = options.release;
  if (typeof releasePath !== 'string') {
    releasePath = join(dirname(options.out), 'release.json');
    writeFileSync(releasePath, JSON.stringify(options.release, null, 2));
  }
  const privateKey = readdirSync(options.keysDir).find((name) => name.endsWith('.private.pem'));
  if (!privateKey) throw new Error(`no .private.pem in ${options.keysDir}`);
  const args = ['--release', releasePath, '--key', join(options.keysDir, privateKey), '--lock', options.lockPath, '--out', options.out];
  if (options.server) args.push('--server', options.server);
  const result = await runScript('build/publish.ts', args, { env: { ...process.env, ADMIN_TOKEN: options.adminToken ?? '' } });
  if (result.code !== 0) throw new Error(`npm run publish exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
