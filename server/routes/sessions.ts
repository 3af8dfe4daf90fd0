/**
 * Sign-in and sign-out. A wrong password and an unknown email look the same
 * from outside: same status, same body, and the same scrypt work.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_PASSWORD_BYTES } from '../crypto/passwords';
import { createToken } from '../crypto/tokens';
import { errors } from '../errors';
import { authenticate, enforceRateLimit, parseInput, requireUnicodePassword, toIso, type RouteDeps } from '../http';
import { toEmailKey } from '../store/sqlite-store';

const signInSchema = z.strictObject({
  email: z.string().min(1).max(254),
  password: z
    .string()
    .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `must be at most ${MAX_PASSWORD_BYTES} bytes`),
});

/** Registers POST /v1/sessions and DELETE /v1/sessions/current. */
export function registerSessionRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/sessions', async (request, reply) => {
    const body = parseInput(signInSchema, request.body, 'body');
    requireUnicodePassword(body.password);
    await enforceRateLimit(deps, 'login', toEmailKey(body.email), request.ip);
    const account = await deps.store.findAccountByEmail(body.email);
    const valid = account
      ? await deps.passwords.verify(body.password, account.passwordHash)
      : await deps.passwords.verifyDecoy(body.password);
    if (!account || !valid) throw errors.badCredentials();
    if (deps.passwords.needsRehash(account.passwordHash)) {
      await deps.store.updatePasswordHash(account.id, await deps.passwords.hash(body.password));
    }
    const { token, tokenHash } = createToken();
    const now = deps.now();
    const expiresAt = now + deps.config.sessionTtlMs;
    await deps.store.createSession(tokenHash, { accountId: account.id, createdAt: now, expiresAt });
    return reply.code(201).send({ token, expiresAt: toIso(expiresAt) });
  });

  app.delete('/v1/sessions/current', async (request, reply) => {
    const { tokenHash } = await authenticate(deps, request);
    await deps.store.revokeSession(tokenHash);
    return reply.code(204).send();
  });
}
