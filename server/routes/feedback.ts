/**
 * Feedback on a feature: a 1–5 rating and an optional comment. With a valid
 * session it is tied to the account, so deleting the account erases it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { featureId } from '../../protocol/manifest-schema';
import { findAuthenticated, parseInput, type RouteDeps } from '../http';
import { opaqueId } from './usage';

export const MAX_COMMENT_CHARACTERS = 2000;

const feedbackSchema = z.strictObject({
  featureId,
  rating: z.number().int().min(1).max(5),
  comment: z
    .string()
    .refine((c) => [...c].length <= MAX_COMMENT_CHARACTERS, `must be at most ${MAX_COMMENT_CHARACTERS} characters`)
    .default(''),
  installId: opaqueId,
  /** Made by the client when the user sends the feedback; a resend with the same id is stored once. */
  feedbackId: opaqueId.optional(),
});

/** Registers POST /v1/feedback. */
export function registerFeedbackRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/feedback', async (request, reply) => {
    const body = parseInput(feedbackSchema, request.body, 'body');
    // An expired or revoked token does not lose the feedback: it is kept, unlinked.
    const signedIn = await findAuthenticated(deps, request);
    const stored = await deps.store.addFeedback({
      ...body,
      feedbackId: body.feedbackId ?? null,
      accountId: signedIn?.account.id ?? null,
      createdAt: deps.now(),
    });
    if (!stored) return reply.code(200).send({ accepted: true, duplicate: true, linkedToAccount: Boolean(signedIn) });
    return reply.code(201).send({ accepted: true, linkedToAccount: Boolean(signedIn) });
  });
}
