/**
 * The whole channel for an end-to-end run, every part real: the beta server
 * as a child process on a port of its own (kept across a restart), a channel
 * key, the add-on built and pinned to it (as its root key; the key document
 * that keys:publish signs lists it as the manifest key), a release signed and
 * uploaded by the publish tool, and Firefox with the add-on installed.
 *
 * @example
 * let channel: BetaChannel | undefined;
 * before(async () => (channel = await startBetaChannel({ name: 'offline', addonUuid, adminToken, release: (lock) => makeRelease(lock) })));
 * after(() => stopBetaChannel(channel));
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { generateKeyPair } from '../../../build/keys';
import type { LockFile } from '../../../protocol/release-schema';
import { findFreePort } from '../../helpers/free-port';
import { runScript } from '../../helpers/run-command';
import { startServerProcess, type RunningProcess } from '../../helpers/server-process';
import { buildAddon, type BuiltAddon } from './build-addon';
import { launchWithAddon } from './firefox';
import { WAIT_MS } from './waits';

/** The admin token the end-to-end beta servers run with; each run has its own server and data. */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/** The beta user the end-to-end tests sign up or sign in as. */
export const BETA_USER = { email: 'beta.user@example.org', password: 'correct horse battery staple' } as const;

export interface BetaServerOptions {
  port: number;
  dataDir: string;
  /** The folder of the channel's key: the root key of key documents, and the manifest key they list. */
  keysDir: string;
  adminToken: string;
  /** More of the server's settings, e.g. HALT_KEY and HALT_CHECK_MS. */
  env?: Record<string, string>;
}

export function startBetaServer(options: BetaServerOptions): Promise<RunningProcess> {
  return startServerProcess({
    PORT: String(options.port),
    DATA_DIR: options.dataDir,
    PUBLIC_KEYS: options.keysDir,
    ROOT_KEYS: options.keysDir,
    ADMIN_TOKEN: options.adminToken,
    ...options.env,
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

function findPrivateKey(keysDir: string): string {
  const privateKey = readdirSync(keysDir).find((name) => name.endsWith('.private.pem'));
  if (!privateKey) throw new Error(`no .private.pem in ${keysDir}`);
  return join(keysDir, privateKey);
}

/**
 * Runs `npm run keys:publish` with the channel key as root and as the listed
 * manifest key, writing the document next to `out`; resolves with what it printed.
 */
export async function publishKeyDocument(options: Pick<PublishOptions, 'keysDir' | 'out' | 'server' | 'adminToken'> & { haltKeysDir?: string }): Promise<string> {
  const args = ['--root-key', findPrivateKey(options.keysDir), '--manifest-key', options.keysDir, '--out', join(dirname(options.out), 'keys.signed.json')];
  // The server's halt keys (public halves), listed under the halt role.
  if (options.haltKeysDir) args.push('--halt-key', options.haltKeysDir);
  if (options.server) args.push('--server', options.server);
  const result = await runScript('build/keys-publish.ts', args, { env: { ...process.env, ADMIN_TOKEN: options.adminToken ?? '' } });
  if (result.code !== 0) throw new Error(`npm run keys:publish exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Runs `npm run publish`; resolves with what it printed, rejects with its
 * error output. A server with no key document yet gets one first: the add-on
 * accepts no manifest without it.
 */
export async function publishRelease(options: PublishOptions): Promise<string> {
  if (options.server && (await fetch(`${options.server}/v1/keys`)).status === 404) await publishKeyDocument(options);
  let releasePath = options.release;
  if (typeof releasePath !== 'string') {
    releasePath = join(dirname(options.out), 'release.json');
    writeFileSync(releasePath, JSON.stringify(options.release, null, 2));
  }
  const args = ['--release', releasePath, '--key', findPrivateKey(options.keysDir), '--lock', options.lockPath, '--out', options.out];
  if (options.server) args.push('--server', options.server);
  const result = await runScript('build/publish.ts', args, { env: { ...process.env, ADMIN_TOKEN: options.adminToken ?? '' } });
  if (result.code !== 0) throw new Error(`npm run publish exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export interface BetaChannelOptions {
  /** Names the run's temporary folder and its key. */
  name: string;
  /** The pinned UUID of the add-on's moz-extension:// origin. */
  addonUuid: string;
  adminToken: string;
  /** The first release, published to the server before Firefox starts. */
  release: (lock: LockFile, work: string) => object;
  /** More Firefox preferences. */
  extraPrefs?: Record<string, string | number | boolean>;
}

export interface BetaChannel {
  /** The run's temporary folder: keys/, data/, dist/. */
  work: string;
  /** Pass to startBetaServer to bring the server back on the same port and data. */
  serverOptions: BetaServerOptions;
  server: RunningProcess | undefined;
  origin: string;
  addon: BuiltAddon;
  browser: Browser;
  /** A tab for the QA panel. */
  panel: Page;
  /** Runs the publish tool with the channel key and this build's lock file; uploads when `uploadTo` is given. */
  publish(release: string | object, out: string, uploadTo?: string): Promise<string>;
}

/** Starts every part; what started before a failure is stopped again. */
export async function startBetaChannel(options: BetaChannelOptions): Promise<BetaChannel> {
  const work = mkdtempSync(join(tmpdir(), `sbc-e2e-${options.name}-`));
  const started: Partial<BetaChannel> = { work };
  try {
    const keysDir = join(work, 'keys');
    await generateKeyPair({ outDir: keysDir, keyId: `e2e-${options.name}` });
    const serverOptions = { port: await findFreePort(), dataDir: join(work, 'data'), keysDir, adminToken: options.adminToken };
    started.server = await startBetaServer(serverOptions);
    const origin = started.server.url;
    const addon = await buildAddon({ outDir: join(work, 'dist'), origin, publicKeysDir: keysDir });
    const lockPath = join(work, 'dist', 'features.lock.json');
    const publish = (release: string | object, out: string, uploadTo?: string) =>
      publishRelease({ release, keysDir, lockPath, out, server: uploadTo, adminToken: options.adminToken });
    await publish(options.release(addon.lock, work), join(work, 'manifest.signed.json'), origin);

    started.browser = await launchWithAddon(addon, { addonUuid: options.addonUuid, extraPrefs: options.extraPrefs });
    const panel = await started.browser.newPage();
    panel.setDefaultTimeout(WAIT_MS);
    return { work, serverOptions, server: started.server, origin, addon, browser: started.browser, panel, publish };
  } catch (error) {
    await stopBetaChannel(started);
    throw error;
  }
}

/** Closes Firefox, stops the server and removes the run's folder. */
export async function stopBetaChannel(channel: Partial<BetaChannel> | undefined): Promise<void> {
  await channel?.browser?.close();
  await stopBetaServer(channel?.server);
  if (channel?.work) rmSync(channel.work, { recursive: true, force: true });
}
