/**
 * Beta accounts: sign-up under the current terms, reading and deleting the
 * account, and accepting a newer version of the terms.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findPasswordProblem } from '../crypto/passwords';
import { ApiError, failWith } from '../errors';
import { enforceRateLimit, isUnicodePassword, readSession, requireSession, toIso, type RouteDeps } from '../http';
import { toEmailKey } from '../store/sqlite-store';
import type { AccountRecord } from '../store/store';

const email = z.email('must be an email address').max(254);
// Passwords are bounded in bytes by findPasswordProblem; the length bound only keeps absurd strings out early.
const password = z
  .string()
  .max(4096)
  .check(isUnicodePassword)
  .refine((value) => !findPasswordProblem(value), failWith('weak_password', (value: string) => findPasswordProblem(value)!));

/** Only the current version may be accepted: the schema is made per server, from its configuration. */
function createTermsVersion(deps: RouteDeps) {
  const current = deps.config.termsVersion;
  return z
    .string()
    .min(1)
    .max(64)
    .refine(
      (accepted) => accepted === current,
      failWith('terms_version_mismatch', (accepted) => `"${accepted}" is not the current version of the Terms of Service ("${current}")`),
    );
}

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

/** Registers POST /v1/accounts, GET /v1/account, POST /v1/account/terms (deletion and export: account-data.ts). */
export function registerAccountRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const acceptedTerms = createTermsVersion(deps);
  // The terms come before the password, so a stale client hears about the terms first.
  const signUpBody = z.strictObject({ email, acceptedTerms, password });
  const acceptTermsBody = z.strictObject({ acceptedTerms });
  const preValidation = requireSession(deps);

  api.post('/v1/accounts', { schema: { body: signUpBody } }, async (request, reply) => {
    const { body } = request;
    await enforceRateLimit(deps, 'signup', toEmailKey(body.email), request.ip);
    const taken = () => new ApiError('email_taken', `an account for ${body.email} already exists`);
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

  api.get('/v1/account', { preValidation }, async (request) => describeAccount(deps, readSession(request).account));

  api.post('/v1/account/terms', { preValidation, schema: { body: acceptTermsBody } }, async (request) => {
    const { account } = readSession(request);
    const now = deps.now();
    await deps.store.recordTermsAcceptance(account.id, request.body.acceptedTerms, now);
    return describeAccount(deps, { ...account, acceptedTerms: request.body.acceptedTerms, acceptedTermsAt: now });
  });

}
