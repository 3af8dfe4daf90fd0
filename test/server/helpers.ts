// Runs the real beta server in-process on 127.0.0.1 with a clock the test
// moves, and talks to it over real HTTP. Its store is a temporary SQLite file
// or a fresh database on the run's real PostgreSQL (test/helpers/postgres.ts).
import { strict as assert } from 'node:assert';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PinnedKey } from '../../protocol/envelope';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { buildServer } from '../../server/app';
import { createConfig, type ServerConfig } from '../../server/config';
import { DEFAULT_SERVICES_DIR, loadServices } from '../../server/services/load-services';
import { openStore } from '../../server/store/open-store';
import type { StoreDialect } from '../../server/store/schema';
import type { BetaStore } from '../../server/store/store';
import { makeManifestPayload } from '../helpers/manifests';
import { getTestPostgres } from '../helpers/postgres';
import { callServer, type CallOptions, type CallResult } from '../helpers/server-process';
import { runScript } from '../helpers/run-command';

/** Every store the server runs on; store-backed suites run once on each. */
export const STORES: readonly StoreDialect[] = ['sqlite', 'postgres'];

/**
 * Defines the suite once per store, named after it.
 *
 * @example
 *   describeEachStore('beta server: notes', (store) => {
 *     beforeEach(async () => (server = await startTestServer({ store })));
 *   });
 */
export function describeEachStore(title: string, define: (this: Mocha.Suite, store: StoreDialect) => void): void {
  for (const store of STORES) {
    describe(`${title} [${store}]`, function () {
      define.call(this, store);
    });
  }
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TERMS = '2026-11-01';
export const START = Date.parse('2026-11-25T12:00:00Z');
/** Cheap scrypt for tests; the OWASP defaults are checked in passwords.test.ts. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export type Reply = CallResult;

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: BetaStore;
  config: ServerConfig;
  dir: string;
  storeKind: StoreDialect;
  clock: { now: number };
  keys: PinnedKey[];
  /** The root keys the server trusts for key documents; push to add one. */
  rootKeys: PinnedKey[];
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<ServerConfig> & {
  /** The store to run on; SQLite unless given. */
  store?: StoreDialect;
  /** 'all' (the default here) runs every service; 'manifest' only those the signed manifest deploys, as a beta server does. */
  serviceDeployment?: 'manifest' | 'all';
  /** The services folders to load; server/services/ unless given. */
  servicesDirs?: string[];
  /** The manifest signing keys it trusts from the start (PUBLIC_KEYS); `keys` takes more later. */
  trust?: PinnedKey[];
  /** The root keys it trusts for key documents from the start (ROOT_KEYS); `rootKeys` takes more later. */
  trustRoots?: PinnedKey[];
};

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { store: storeKind = 'sqlite', serviceDeployment = 'all', servicesDirs = [DEFAULT_SERVICES_DIR], trust = [], trustRoots = [], ...overrides } = options;
  const dir = mkdtempSync(join(tmpdir(), 'beta-server-'));
  const database = storeKind === 'postgres' ? await (await getTestPostgres()).createDatabase() : undefined;
  const config = createConfig({
    databaseUrl: database?.url,
    dataDir: dir,
    adminToken: ADMIN_TOKEN,
    passwordParams: FAST_SCRYPT,
    rateLimits: {
      login: { perEmail: 1000, perAddress: 1000, windowMs: 60_000 },
      signup: { perEmail: 1000, perAddress: 1000, windowMs: 60_000 },
    },
    ...overrides,
  });
  const store = await openStore(config);
  const clock = { now: START };
  const keys: PinnedKey[] = [...trust];
  const rootKeys: PinnedKey[] = [...trustRoots];
  const services = (await Promise.all(servicesDirs.map((dir) => loadServices(dir)))).flat();
  const app = await buildServer({ store, config, now: () => clock.now, loadPublicKeys: () => keys, loadRootKeys: () => rootKeys, services, serviceDeployment });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    store,
    config,
    dir,
    storeKind,
    clock,
    keys,
    rootKeys,
    call: (method, path, options) => callServer(url, method, path, options),
    async close() {
      // The server closes its store.
      await app.close();
      await database?.release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs up and signs in; returns the session token. */
export async function createSignedInAccount(server: TestServer, email = 'reader@example.org', password = 'correct horse'): Promise<string> {
  const signUp = await server.call('POST', '/v1/accounts', { body: { email, password, acceptedTerms: server.config.termsVersion } });
  if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.status} ${signUp.text}`);
  const signIn = await server.call('POST', '/v1/sessions', { body: { email, password } });
  if (signIn.status !== 201) throw new Error(`sign-in failed: ${signIn.status} ${signIn.text}`);
  return signIn.body.token as string;
}

/** Asserts a refusal as the server sends it: this status and `{error: {code, message}}` with this code. */
export function assertApiError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body?.error?.code, code, reply.text);
  assert.equal(typeof reply.body.error.message, 'string', reply.text);
}

/** A test server with a reader signed in: what most route tests start from. */
export async function startSignedInServer(options: TestServerOptions = {}): Promise<{ server: TestServer; token: string }> {
  const server = await startTestServer(options);
  try {
    return { server, token: await createSignedInAccount(server) };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A payload issued at the server's start time, valid for a week. */
export function createPayload(overrides: Partial<ManifestPayload> = {}): ManifestPayload {
  return makeManifestPayload(overrides, START);
}

/**
 * Runs `npm run report` (server/report.ts) with the environment given on top
 * of this one; resolves with what it printed, rejects with its error output.
 */
export async function runReport(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { code, stdout, stderr } = await runScript('server/report.ts', args, { env: { ...process.env, ...env } });
  if (code !== 0) throw new Error(`npm run report exited with ${code}: ${stderr}`);
  return stdout;
}
