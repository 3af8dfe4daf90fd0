/**
 * The server's configuration, read from the environment once at start.
 * Tests build a config with `createConfig({...})` instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_LIFETIME_DAYS } from '../protocol/manifest-policy';
import { OWASP_SCRYPT_PARAMS, type ScryptParams } from './crypto/passwords';
import { findDatabaseUrlProblem } from './store/postgres-store';

export interface RateLimit {
  /** Attempts allowed per window, per email and per client address. */
  perEmail: number;
  perAddress: number;
  windowMs: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Guards /v1/admin/ routes. */
  adminToken: string;
  termsVersion: string;
  privacyVersion: string;
  /** Folder of `terms-<version>.html` and `privacy-<version>.html`. */
  termsDir: string;
  /** Origin used in links to the terms; the request's own origin when unset. */
  publicUrl: string | undefined;
  sessionTtlMs: number;
  passwordParams: ScryptParams;
  rateLimits: { login: RateLimit; signup: RateLimit };
  /** Files or folders of `*.public.json` that the PUT of the manifest trusts. */
  publicKeyPaths: string[];
  /** Files or folders of the root `*.public.json` keys that must sign a key document (ROOT_KEYS). */
  rootKeyPaths: string[];
  /** How many distinct root keys must sign a key document (ROOT_THRESHOLD). */
  rootThreshold: number;
  allowUnreviewed: boolean;
  manifestMaxAgeSeconds: number;
  /** The longest manifest lifetime (expiresAt - issuedAt) a PUT accepts, as the add-on does. */
  maxManifestLifetimeDays: number;
  /** HALT_KEY: the halt key (PKCS#8 PEM) the gate job signs halt documents with; no job without it. */
  haltKeyPath: string | undefined;
  /** HALT_CHECK_MS: how often the gate job judges the gates (a minute). */
  haltCheckIntervalMs: number;
  /**
   * Which proxies may set X-Forwarded-For (rate limits count per client
   * address): false, a number of hops, or their addresses/CIDRs. "true"
   * (trust anyone) is not offered: any client could then pick its address.
   */
  trustProxy: false | number | string;
  logLevel: string | undefined;
  /** PostgreSQL (postgres://…) when set; otherwise the SQLite file in dataDir. */
  databaseUrl: string | undefined;
  /** Usage counts, active installs and batch ids older than this many days are deleted. */
  usageRetentionDays: number;
  /** Batch ids (deduplication of resent usage batches) are kept this many days, at most usageRetentionDays. */
  batchIdRetentionDays: number;
  /** A request whose body has not fully arrived by then gets a 408. */
  requestTimeoutMs: number;
  /** A request whose headers have not fully arrived by then gets a 408. */
  headersTimeoutMs: number;
  /** On SIGTERM/SIGINT, requests in flight get this long; then every connection is closed. */
  shutdownGraceMs: number;
  /** scrypt runs at most this many at once; the rest wait in a queue of passwordQueueLength. */
  passwordConcurrency: number;
  /** Hash requests beyond this many waiting get a 503 with Retry-After. */
  passwordQueueLength: number;
}

export const DEFAULT_TERMS_VERSION = '2026-11-01';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A complete config with defaults, for tests and for readConfig.
 *
 * @example
 *   const config = createConfig({ dataDir: tmp, adminToken: 'secret', sessionTtlMs: 1000 });
 */
export function createConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const dataDir = overrides.dataDir ?? resolve('.beta-data');
  return {
    host: '127.0.0.1',
    port: 8787,
    dataDir,
    adminToken: '',
    termsVersion: DEFAULT_TERMS_VERSION,
    privacyVersion: DEFAULT_TERMS_VERSION,
    termsDir: join(import.meta.dirname, 'terms'),
    publicUrl: undefined,
    sessionTtlMs: 30 * DAY_MS,
    passwordParams: OWASP_SCRYPT_PARAMS,
    rateLimits: {
      login: { perEmail: 10, perAddress: 100, windowMs: 15 * 60 * 1000 },
      signup: { perEmail: 5, perAddress: 20, windowMs: 60 * 60 * 1000 },
    },
    publicKeyPaths: [join(dataDir, 'keys')],
    rootKeyPaths: [join(dataDir, 'keys', 'root')],
    rootThreshold: 1,
    allowUnreviewed: false,
    manifestMaxAgeSeconds: 300,
    maxManifestLifetimeDays: DEFAULT_MAX_LIFETIME_DAYS,
    haltKeyPath: undefined,
    haltCheckIntervalMs: 60_000,
    trustProxy: false,
    logLevel: undefined,
    databaseUrl: undefined,
    usageRetentionDays: 400,
    batchIdRetentionDays: 30,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 15_000,
    shutdownGraceMs: 10_000,
    // Each scrypt holds 128 MiB (OWASP N=2^17, r=8) and a libuv thread, which file reads share.
    passwordConcurrency: 2,
    passwordQueueLength: 64,
    ...overrides,
  };
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`environment variable ${name} must be a whole number, not "${text}"`);
  return value;
}

/**
 * Reads the admin token from ADMIN_TOKEN, or from `<dataDir>/admin-token`,
 * generating and keeping one on first start. `generated` says whether to print it.
 */
export function resolveAdminToken(env: NodeJS.ProcessEnv, dataDir: string): { token: string; generated: boolean } {
  if (env.ADMIN_TOKEN) return { token: env.ADMIN_TOKEN, generated: false };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  // Hex, never base64url: a token that began with '-' would read as an option on a command line.
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true };
}

/**
 * Reads the config from environment variables: HOST, PORT, DATA_DIR,
 * ADMIN_TOKEN, TERMS_VERSION, PRIVACY_VERSION, TERMS_DIR, PUBLIC_URL,
 * SESSION_TTL_SECONDS, PUBLIC_KEYS, ROOT_KEYS, ROOT_THRESHOLD, ALLOW_UNREVIEWED, MAX_MANIFEST_LIFETIME_DAYS, TRUST_PROXY,
 * LOGIN_LIMIT_PER_EMAIL, LOGIN_LIMIT_PER_ADDRESS, SIGNUP_LIMIT_PER_EMAIL,
 * SIGNUP_LIMIT_PER_ADDRESS, RATE_LIMIT_WINDOW_SECONDS, LOG_LEVEL, DATABASE_URL,
 * USAGE_RETENTION_DAYS, REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, SHUTDOWN_GRACE_MS,
 * PASSWORD_CONCURRENCY, PASSWORD_QUEUE_LENGTH, SCRYPT_N, BATCH_ID_RETENTION_DAYS.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): { config: ServerConfig; adminTokenGenerated: boolean } {
  const defaults = createConfig({ dataDir: resolve(env.DATA_DIR || '.beta-data') });
  const { token, generated } = resolveAdminToken(env, defaults.dataDir);
  const windowSeconds = env.RATE_LIMIT_WINDOW_SECONDS;
  const limit = (prefix: string, base: RateLimit): RateLimit => ({
    perEmail: readInteger(env, `${prefix}_LIMIT_PER_EMAIL`, base.perEmail),
    perAddress: readInteger(env, `${prefix}_LIMIT_PER_ADDRESS`, base.perAddress),
    windowMs: windowSeconds ? readInteger(env, 'RATE_LIMIT_WINDOW_SECONDS', 0) * 1000 : base.windowMs,
  });
  const config = createConfig({
    ...defaults,
    host: env.HOST || defaults.host,
    port: readInteger(env, 'PORT', defaults.port),
    adminToken: token,
    termsVersion: env.TERMS_VERSION || defaults.termsVersion,
    privacyVersion: env.PRIVACY_VERSION || defaults.privacyVersion,
    termsDir: env.TERMS_DIR ? resolve(env.TERMS_DIR) : defaults.termsDir,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    sessionTtlMs: readInteger(env, 'SESSION_TTL_SECONDS', defaults.sessionTtlMs / 1000) * 1000,
    publicKeyPaths: env.PUBLIC_KEYS
      ? env.PUBLIC_KEYS.split(',').map((p) => resolve(p.trim())).filter(Boolean)
      : defaults.publicKeyPaths,
    rootKeyPaths: env.ROOT_KEYS
      ? env.ROOT_KEYS.split(',').map((p) => resolve(p.trim())).filter(Boolean)
      : defaults.rootKeyPaths,
    rootThreshold: readInteger(env, 'ROOT_THRESHOLD', defaults.rootThreshold) || defaults.rootThreshold,
    allowUnreviewed: env.ALLOW_UNREVIEWED === '1' || env.ALLOW_UNREVIEWED === 'true',
    maxManifestLifetimeDays: readInteger(env, 'MAX_MANIFEST_LIFETIME_DAYS', defaults.maxManifestLifetimeDays) || defaults.maxManifestLifetimeDays,
    haltKeyPath: env.HALT_KEY ? resolve(env.HALT_KEY) : undefined,
    haltCheckIntervalMs: Math.max(100, readInteger(env, 'HALT_CHECK_MS', defaults.haltCheckIntervalMs)),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    rateLimits: { login: limit('LOGIN', defaults.rateLimits.login), signup: limit('SIGNUP', defaults.rateLimits.signup) },
    logLevel: env.LOG_LEVEL || undefined,
    databaseUrl: readDatabaseUrl(env),
    usageRetentionDays: readInteger(env, 'USAGE_RETENTION_DAYS', defaults.usageRetentionDays),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', defaults.requestTimeoutMs),
    headersTimeoutMs: readInteger(env, 'HEADERS_TIMEOUT_MS', defaults.headersTimeoutMs),
    shutdownGraceMs: readInteger(env, 'SHUTDOWN_GRACE_MS', defaults.shutdownGraceMs),
    passwordConcurrency: Math.max(1, readInteger(env, 'PASSWORD_CONCURRENCY', defaults.passwordConcurrency)),
    passwordQueueLength: readInteger(env, 'PASSWORD_QUEUE_LENGTH', defaults.passwordQueueLength),
    passwordParams: readScryptParams(env, defaults.passwordParams),
    batchIdRetentionDays: Math.max(1, readInteger(env, 'BATCH_ID_RETENTION_DAYS', defaults.batchIdRetentionDays)),
  });
  if (config.usageRetentionDays < 1) throw new Error('environment variable USAGE_RETENTION_DAYS must be at least 1 (today is always kept)');
  return { config, adminTokenGenerated: generated };
}

/**
 * SCRYPT_N: scrypt's cost for new password hashes (a power of two, at least
 * 1024; OWASP's 131072 by default). Lower only for load simulations and
 * development: hashes keep their cost, and a login with a cheaper hash than
 * the configured cost re-hashes it.
 */
function readScryptParams(env: NodeJS.ProcessEnv, base: ScryptParams): ScryptParams {
  const N = readInteger(env, 'SCRYPT_N', base.N);
  if (N < 1024 || N > 2 ** 24 || (N & (N - 1)) !== 0) throw new Error(`environment variable SCRYPT_N must be a power of two from 1024 to 16777216, not "${env.SCRYPT_N}"`);
  return { ...base, N };
}

export const DATABASE_FILE = 'beta.sqlite3';

/** Where the SQLite database lives inside DATA_DIR. */
export function getDatabasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/** DATABASE_URL: unset or empty for SQLite; otherwise a postgres:// URL, checked here so a typo fails at start. */
function readDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.DATABASE_URL?.trim();
  if (!url) return undefined;
  const problem = findDatabaseUrlProblem(url);
  if (problem) throw new Error(problem);
  return url;
}

/** TRUST_PROXY: unset or "0" = none; a whole number = that many proxy hops; otherwise addresses or CIDRs, comma-separated. */
export function parseTrustProxy(value: string | undefined): false | number | string {
  const text = value?.trim();
  if (!text || text === '0' || text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true') throw new Error('TRUST_PROXY=true would let any client choose its address; give the number of proxy hops or their addresses');
  return text;
}
