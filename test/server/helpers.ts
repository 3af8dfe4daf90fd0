// Runs the real beta server in-process on 127.0.0.1 with a temporary SQLite
// file and a clock the test moves, and talks to it over real HTTP.
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PinnedKey } from '../../protocol/envelope';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { buildServer } from '../../server/app';
import { createConfig, getDatabasePath, type ServerConfig } from '../../server/config';
import { openSqliteStore } from '../../server/store/sqlite-store';
import type { BetaStore } from '../../server/store/store';
import { makeManifestPayload } from '../helpers/manifests';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TERMS = '2026-11-01';
export const START = Date.parse('2026-11-25T12:00:00Z');
/** Cheap scrypt for tests; the OWASP defaults are checked in passwords.test.ts. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: BetaStore;
  config: ServerConfig;
  dir: string;
  clock: { now: number };
  keys: PinnedKey[];
  call(method: string, path: string, options?: { body?: unknown; raw?: string | Uint8Array; token?: string; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'beta-server-'));
  const config = createConfig({
    dataDir: dir,
    adminToken: ADMIN_TOKEN,
    passwordParams: FAST_SCRYPT,
    rateLimits: {
      login: { perEmail: 1000, perAddress: 1000, windowMs: 60_000 },
      signup: { perEmail: 1000, perAddress: 1000, windowMs: 60_000 },
    },
    ...overrides,
  });
  const store = openSqliteStore(getDatabasePath(dir));
  const clock = { now: START };
  const keys: PinnedKey[] = [];
  const app = await buildServer({ store, config, now: () => clock.now, loadPublicKeys: () => keys });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    store,
    config,
    dir,
    clock,
    keys,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let body: string | Uint8Array | undefined = options.raw;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      await store.close();
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

/** A payload issued at the server's start time, valid for a week. */
export function createPayload(overrides: Partial<ManifestPayload> = {}): ManifestPayload {
  return makeManifestPayload(overrides, START);
}
