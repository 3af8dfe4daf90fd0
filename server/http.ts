/**
 * What every route group needs: its dependencies, input parsing with zod, and
 * the checks for a session, current terms, the admin token and rate limits.
 */
import type { FastifyRequest } from 'fastify';
import { safeParse, type core } from 'zod';
import type { PinnedKey } from '../protocol/envelope';
import type { ServerConfig } from './config';
import { hashToken, isWellFormedToken, readBearerToken, secretsEqual } from './crypto/tokens';
import { hasLoneSurrogate } from './crypto/passwords';
import { ApiError, describeZodError, errors } from './errors';
import type { RefusalCache } from './refusal-cache';
import type { AccountRecord, BetaStore } from './store/store';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** Costs what verify costs, for an email that has no account. */
  verifyDecoy(password: string): Promise<false>;
  needsRehash(stored: string): boolean;
}

export interface RouteDeps {
  store: BetaStore;
  config: ServerConfig;
  /** Milliseconds since the epoch; tests pass a clock they can move. */
  now: () => number;
  passwords: PasswordHasher;
  /** The keys a published manifest must be signed with; read on every publish so keys rotate without a restart. */
  loadPublicKeys: () => PinnedKey[];
  /** Rate-limit keys the store refused, answered without asking it again until their window ends. */
  refusals: RefusalCache;
}

/**
 * Parses request input with a zod schema, or throws a 400 naming the fields.
 *
 * @example
 *   const { email } = parseInput(signUpSchema, request.body, 'body');
 */
// Any zod schema: the server's own, or the protocol's (zod/mini) ones.
export function parseInput<T>(schema: core.$ZodType<T>, value: unknown, where: string): T {
  const result = safeParse(schema, value);
  if (!result.success) throw errors.invalidRequest(describeZodError(result.error, where, value));
  return result.data;
}

export interface Authenticated {
  account: AccountRecord;
  tokenHash: string;
}

/** The account behind the request's bearer token, or a 401 for a missing, malformed, unknown, expired or revoked one. */
export async function authenticate(deps: RouteDeps, request: FastifyRequest): Promise<Authenticated> {
  const found = await findAuthenticated(deps, request);
  if (!found) throw errors.unauthorized();
  return found;
}

/** Like authenticate, but undefined instead of a 401. */
export async function findAuthenticated(deps: RouteDeps, request: FastifyRequest): Promise<Authenticated | undefined> {
  const token = readBearerToken(request.headers.authorization);
  if (!token || !isWellFormedToken(token)) return undefined;
  const tokenHash = hashToken(token);
  const session = await deps.store.findSession(tokenHash);
  if (!session || session.expiresAt <= deps.now()) return undefined;
  const account = await deps.store.findAccountById(session.accountId);
  return account && { account, tokenHash };
}

/** Beta services are refused until the account has accepted the current terms. */
export function requireCurrentTerms(deps: RouteDeps, account: AccountRecord): void {
  if (account.acceptedTerms !== deps.config.termsVersion) throw errors.termsNotAccepted(deps.config.termsVersion);
}

export function requireAdmin(deps: RouteDeps, request: FastifyRequest): void {
  const token = readBearerToken(request.headers.authorization);
  if (!token || !deps.config.adminToken || !secretsEqual(token, deps.config.adminToken)) throw errors.adminOnly();
}

/**
 * Counts an attempt per email and per client address; throws 429 with
 * Retry-After when either is over its limit.
 */
export async function enforceRateLimit(
  deps: RouteDeps,
  action: 'login' | 'signup',
  emailKey: string,
  address: string,
): Promise<void> {
  const limit = deps.config.rateLimits[action];
  const now = deps.now();
  const keys = [`${action}:email:${emailKey}`, `${action}:address:${address}`] as const;
  const refuse = (waitMs: number) =>
    errors.tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)), action === 'login' ? 'sign-in' : 'sign-up');
  // A known refusal costs no store transaction: a flood of them must not occupy the event loop or the database.
  const knownWait = Math.max(...keys.map((key) => deps.refusals.findWait(key, now)));
  if (knownWait > 0) throw refuse(knownWait);
  const results = await Promise.all([
    deps.store.consumeRateLimit(keys[0], limit.perEmail, limit.windowMs, now),
    deps.store.consumeRateLimit(keys[1], limit.perAddress, limit.windowMs, now),
  ]);
  for (const [i, result] of results.entries()) {
    if (!result.allowed) deps.refusals.remember(keys[i]!, now + result.retryAfterMs, now);
  }
  const refused = results.filter((r) => !r.allowed);
  if (refused.length > 0) throw refuse(Math.max(...refused.map((r) => r.retryAfterMs)));
}

/** The 503 for a sign-in or sign-up when too many passwords already wait for scrypt. */
export function createBusyError(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError(503, 'password_queue_full', `the server is checking too many passwords at once; retry in ${seconds} s`, {
    'retry-after': String(seconds),
  });
}

/** Refuses a password that is not Unicode text (a lone surrogate), before it reaches scrypt. */
export function requireUnicodePassword(password: string): void {
  if (hasLoneSurrogate(password)) {
    throw new ApiError(400, 'password_not_unicode', 'password: contains a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not a Unicode character');
  }
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
