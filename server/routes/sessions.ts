/**
 * Sign-in and sign-out. A wrong password and an unknown email look the same
 * from outside: same status, same body, and the same scrypt work.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_PASSWORD_BYTES } from '../crypto/passwords';
import { createToken } from '../crypto/tokens';
import { ApiError } from '../errors';
import { enforceRateLimit, isUnicodePassword, readSession, requireSession, toIso, type RouteDeps } from '../http';
import { toEmailKey } from '../store/sqlite-store';

const signInBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z
    .string()
    .check(isUnicodePassword)
    .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `must be at most ${MAX_PASSWORD_BYTES} bytes`),
});

/** Registers POST /v1/sessions and DELETE /v1/sessions/current. */
export function registerSessionRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/v1/sessions', { schema: { body: signInBody } }, async (request, reply) => {
    const { body } = request;
    await enforceRateLimit(deps, 'login', toEmailKey(body.email), request.ip);
    const account = await deps.store.findAccountByEmail(body.email);
    const valid = account
      ? await deps.passwords.verify(body.password, account.passwordHash)
      : await deps.passwords.verifyDecoy(body.password);
    if (!account || !valid) throw new ApiError('bad_credentials');
    if (deps.passwords.needsRehash(account.passwordHash)) {
      await deps.store.updatePasswordHash(account.id, await deps.passwords.hash(body.password));
    }
    const { token, tokenHash } = createToken();
    const now = deps.now();
    const expiresAt = now + deps.config.sessionTtlMs;
    await deps.store.createSession(tokenHash, { accountId: account.id, createdAt: now, expiresAt });
    return reply.code(201).send({ token, expiresAt: toIso(expiresAt) });
  });

  api.delete('/v1/sessions/current', { preValidation: requireSession(deps) }, async (request, reply) => {
    await deps.store.revokeSession(readSession(request).tokenHash);
    return reply.code(204).send();
  });
}
