/**
 * What every route group needs: its dependencies, and the checks for a
 * session, current terms, the admin token and rate limits. Request input is
 * checked by each route's zod schema before its handler runs.
 */
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { safeParse, z, type core } from 'zod';
import type { PinnedKey } from '../protocol/envelope';
import type { ServerConfig } from './config';
import { hashToken, isWellFormedToken, readBearerToken, secretsEqual } from './crypto/tokens';
import { hasLoneSurrogate } from './crypto/passwords';
import { ApiError, describeValidationFailure, failWith } from './errors';
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
  /** The root keys a key document must be signed with; read on every use, like loadPublicKeys. */
  loadRootKeys: () => PinnedKey[];
}

/**
 * Compiles a route's zod schema for one part of the request (body, query,
 * path). A failure becomes our own error at once: the real zod issues and the
 * input go to the protocol's formatter, which names fields as every side does
 * (`body.counts[1].event`) and quotes bad values. fastify-type-provider-zod's
 * compiler would hand fastify the issues flattened to JSON pointers, without
 * the input; its type provider still types request.body, query and params.
 *
 * @example
 *   app.setValidatorCompiler(compileRouteSchema);
 */
// Any zod schema: the server's own, or the protocol's (zod/mini) ones.
export const compileRouteSchema: FastifySchemaCompiler<core.$ZodType> = ({ schema, httpPart }) => (input) => {
  const result = safeParse(schema, input);
  if (result.success) return { value: result.data };
  return { error: describeValidationFailure(result.error, httpPart ?? 'body', input) };
};

export interface Authenticated {
  account: AccountRecord;
  tokenHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The session behind the bearer token, set by a requireSession hook. */
    signedIn: Authenticated | null;
  }
}

/**
 * A preValidation hook: 401 without a valid session and, with
 * `currentTerms`, 403 until the account has accepted the current terms. It
 * runs after the body is read (so 413 and 415 come first, as for anyone) and
 * before the schema check, so a stranger learns nothing of the input rules.
 *
 * @example
 *   app.get('/v1/account', { preValidation: requireSession(deps) }, async (request) => readSession(request).account);
 */
export function requireSession(deps: RouteDeps, options: { currentTerms?: boolean } = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    const signedIn = await authenticate(deps, request);
    if (options.currentTerms) requireCurrentTerms(deps, signedIn.account);
    request.signedIn = signedIn;
  };
}

/** The session that the route's requireSession hook found. */
export function readSession(request: FastifyRequest): Authenticated {
  if (!request.signedIn) throw new ApiError('unauthorized');
  return request.signedIn;
}

/** The account behind the request's bearer token, or a 401 for a missing, malformed, unknown, expired or revoked one. */
export async function authenticate(deps: RouteDeps, request: FastifyRequest): Promise<Authenticated> {
  const found = await findAuthenticated(deps, request);
  if (!found) throw new ApiError('unauthorized');
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
  if (account.acceptedTerms !== deps.config.termsVersion) {
    throw new ApiError('terms_not_accepted', `accept the beta Terms of Service version ${deps.config.termsVersion} first (POST /v1/account/terms)`);
  }
}

/** 401 unless the request carries the admin token; app.ts checks it for every /v1/admin/ route before the body is read. */
export function requireAdmin(deps: RouteDeps, request: FastifyRequest): void {
  const token = readBearerToken(request.headers.authorization);
  if (!token || !deps.config.adminToken || !secretsEqual(token, deps.config.adminToken)) throw new ApiError('admin_token_required');
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
  const refuse = (waitMs: number) => {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new ApiError('rate_limited', `too many ${action === 'login' ? 'sign-in' : 'sign-up'} attempts; retry in ${seconds} s`, {
      'retry-after': String(seconds),
    });
  };
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
  return new ApiError('password_queue_full', `the server is checking too many passwords at once; retry in ${seconds} s`, {
    'retry-after': String(seconds),
  });
}

/** A password check: Unicode text only, so a lone surrogate is refused before it reaches scrypt. */
export const isUnicodePassword = z.refine<string>(
  (password: string) => !hasLoneSurrogate(password),
  failWith('password_not_unicode', 'contains a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not a Unicode character'),
);

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
