/**
 * Feedback on a feature: a 1–5 rating and an optional comment. With a valid
 * session it is tied to the account, so deleting the account erases it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FEEDBACK_PATH, feedbackSchema } from '../../protocol/feedback-schema';
import { findAuthenticated, type RouteDeps } from '../http';

/** Registers POST /v1/feedback. */
export function registerFeedbackRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(FEEDBACK_PATH, { schema: { body: feedbackSchema } }, async (request, reply) => {
    const { body } = request;
    // An expired or revoked token does not lose the feedback: it is kept, unlinked.
    const signedIn = await findAuthenticated(deps, request);
    const stored = await deps.store.addFeedback({
      ...body,
      feedbackId: body.feedbackId ?? null,
      featureVersion: body.featureVersion ?? null,
      accountId: signedIn?.account.id ?? null,
      createdAt: deps.now(),
    });
    if (!stored) return reply.code(200).send({ accepted: true, duplicate: true, linkedToAccount: Boolean(signedIn) });
    return reply.code(201).send({ accepted: true, linkedToAccount: Boolean(signedIn) });
  });
}
