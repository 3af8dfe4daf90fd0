/**
 * Beta accounts: sign-up under the current terms, reading and deleting the
 * account, and accepting a newer version of the terms.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findPasswordProblem } from '../crypto/passwords';
import { ApiError, errors } from '../errors';
import { authenticate, enforceRateLimit, parseInput, requireUnicodePassword, toIso, type RouteDeps } from '../http';
import { toEmailKey } from '../store/sqlite-store';
import type { AccountRecord } from '../store/store';

const email = z.email('must be an email address').max(254);
const termsVersion = z.string().min(1).max(64);
// Passwords are bounded in bytes after parsing; this only keeps absurd strings out early.
const password = z.string().max(4096);

const signUpSchema = z.strictObject({ email, password, acceptedTerms: termsVersion });
const acceptTermsSchema = z.strictObject({ acceptedTerms: termsVersion });

export function describeAccount(deps: RouteDeps, account: AccountRecord) {
  return {
    email: account.email,
    createdAt: toIso(account.createdAt),
    acceptedTerms: account.acceptedTerms,
    acceptedTermsAt: toIso(account.acceptedTermsAt),
    termsOutdated: account.acceptedTerms !== deps.config.termsVersion,
    currentTerms: deps.config.termsVersion,
  };
}

function requireCurrentVersion(deps: RouteDeps, accepted: string): void {
  if (accepted !== deps.config.termsVersion) {
    throw new ApiError(
      400,
      'terms_version_mismatch',
      `acceptedTerms is "${accepted}" but the current Terms of Service are version "${deps.config.termsVersion}"`,
    );
  }
}

/** Registers POST /v1/accounts, GET /v1/account, POST /v1/account/terms (deletion and export: account-data.ts). */
export function registerAccountRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/accounts', async (request, reply) => {
    const body = parseInput(signUpSchema, request.body, 'body');
    requireUnicodePassword(body.password);
    await enforceRateLimit(deps, 'signup', toEmailKey(body.email), request.ip);
    requireCurrentVersion(deps, body.acceptedTerms);
    const problem = findPasswordProblem(body.password);
    if (problem) throw new ApiError(400, 'weak_password', `password: ${problem}`);
    const taken = () => errors.conflict('email_taken', `an account for ${body.email} already exists`);
    if (await deps.store.findAccountByEmail(body.email)) throw taken();
    const account = await deps.store.createAccount({
      email: body.email.trim(),
      passwordHash: await deps.passwords.hash(body.password),
      createdAt: deps.now(),
      acceptedTerms: body.acceptedTerms,
    });
    // Two sign-ups racing for one email: the store's unique key decides.
    if (!account) throw taken();
    return reply.code(201).send(describeAccount(deps, account));
  });

  app.get('/v1/account', async (request) => {
    const { account } = await authenticate(deps, request);
    return describeAccount(deps, account);
  });

  app.post('/v1/account/terms', async (request) => {
    const { account } = await authenticate(deps, request);
    const body = parseInput(acceptTermsSchema, request.body, 'body');
    requireCurrentVersion(deps, body.acceptedTerms);
    const now = deps.now();
    await deps.store.recordTermsAcceptance(account.id, body.acceptedTerms, now);
    return describeAccount(deps, { ...account, acceptedTerms: body.acceptedTerms, acceptedTermsAt: now });
  });

}
