/**
 * `npm start`: the whole product on one machine. Makes a local root key,
 * manifest key and halt key (once), builds the add-on for local development
 * pinned to the root key, starts the beta server on an embedded SQLite
 * database with the halt key (HALT_KEY: its gate job may halt features),
 * publishes a key document listing the manifest key and the halt key and
 * release/example.json signed with the manifest key, and opens Firefox with the add-on.
 * Ctrl-C stops everything.
 *
 * Environment: PORT (8787), DATA_DIR (.beta-data), FIREFOX_BIN, START_HEADLESS=1
 * (no window: for machines without a display), START_NO_BROWSER=1 (server only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKeyPair, type KeyRole } from './keys';
import { PRIVATE_KEY_SUFFIX } from '../protocol/key-files';

const ROOT = resolve(__dirname, '..');
const port = process.env.PORT ?? '8787';
const dataDir = resolve(ROOT, process.env.DATA_DIR ?? '.beta-data');
const keysDir = join(dataDir, 'keys');
const rootKeysDir = join(keysDir, 'root');
const manifestKeysDir = join(keysDir, 'manifest');
const haltKeysDir = join(keysDir, 'halt');
const origin = `http://127.0.0.1:${port}`;
const children: ChildProcess[] = [];

function log(message: string): void {
  console.log(`[start] ${message}`);
}

function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function startServer(adminToken: string, haltKey: string): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: port,
        DATA_DIR: dataDir,
        ROOT_KEYS: rootKeysDir,
        PUBLIC_KEYS: manifestKeysDir,
        ALLOW_UNREVIEWED: '1',
        ADMIN_TOKEN: adminToken,
        HALT_KEY: haltKey,
      },
    });
    children.push(child);
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (!ready && chunk.toString().includes('http://')) {
        ready = true;
        resolvePromise(child);
      }
    });
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`the beta server exited with ${code} before it was ready`));
    });
  });
}

function findPrivateKey(dir: string): string | undefined {
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(PRIVATE_KEY_SUFFIX)).sort() : [];
  return names.length === 0 ? undefined : join(dir, names[names.length - 1]!);
}

/** The newest private key of a role in its folder, made on first use. */
async function ensureKey(dir: string, role: KeyRole): Promise<string> {
  const found = findPrivateKey(dir);
  if (found) return found;
  const { privateKeyPath } = await generateKeyPair({ outDir: dir, role, name: `local-${role}` });
  log(`made a local development ${role} key in ${dir}`);
  return privateKeyPath;
}

async function main(): Promise<void> {
  const rootKey = await ensureKey(rootKeysDir, 'root');
  const manifestKey = await ensureKey(manifestKeysDir, 'manifest');
  const haltKey = await ensureKey(haltKeysDir, 'halt');
  log('building the add-on for local development…');
  await runToEnd('npm', ['run', '--silent', 'build'], { SBC_ENV: 'local', SBC_ORIGIN: origin, SBC_ROOT_KEYS: rootKeysDir });

  const adminToken = process.env.ADMIN_TOKEN ?? `local-${crypto.randomUUID()}`;
  await startServer(adminToken, haltKey);

  log('publishing the key document (the local manifest and halt keys, signed by the local root key)…');
  await runToEnd(
    'npm',
    ['run', '--silent', 'keys:publish', '--', '--root-key', rootKey, '--manifest-key', manifestKeysDir, '--halt-key', haltKeysDir, '--server', origin, '--out', join(dataDir, 'keys.signed.json')],
    { ADMIN_TOKEN: adminToken },
  );
  log('publishing release/example.json (local development: sign-offs are not enforced)…');
  await runToEnd(
    'npm',
    ['run', '--silent', 'publish', '--', '--release', 'release/example.json', '--key', manifestKey, '--server', origin, '--local-dev'],
    { ADMIN_TOKEN: adminToken },
  );

  if (process.env.START_NO_BROWSER === '1') {
    log(`beta server running at ${origin}; Ctrl-C stops it`);
    return;
  }
  const firefoxArgs = [
    join(ROOT, 'node_modules', 'web-ext', 'bin', 'web-ext.js'),
    'run',
    '--source-dir',
    join(ROOT, 'dist', 'extension'),
    '--start-url',
    'about:addons',
    '--no-reload',
  ];
  if (process.env.FIREFOX_BIN) firefoxArgs.push('--firefox', process.env.FIREFOX_BIN);
  else if (existsSync('/usr/bin/firefox-esr')) firefoxArgs.push('--firefox', '/usr/bin/firefox-esr');
  if (process.env.START_HEADLESS === '1') firefoxArgs.push('--arg=--headless');
  log('starting Firefox with the add-on (its preferences in about:addons are the QA panel)…');
  const firefox = spawn(process.execPath, firefoxArgs, { cwd: ROOT, stdio: 'inherit' });
  children.push(firefox);
  firefox.on('exit', (code) => {
    log(`Firefox closed (${code}); stopping the beta server`);
    stopAll();
  });
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
main().catch((error: unknown) => {
  console.error(`[start] ${(error as Error).message}`);
  stopAll();
  process.exitCode = 1;
});
