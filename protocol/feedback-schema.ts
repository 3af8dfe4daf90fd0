/**
 * Feedback on the wire: POST /v1/feedback carries a 1–5 rating and an
 * optional comment. The add-on checks these limits before queueing, the
 * server again on receipt, with the same numbers.
 *
 * @example
 * feedbackSchema.parse({ featureId: 'page-notes', rating: 4, comment: 'Handy', installId: 'i-1', featureVersion: '1.2.0' });
 */
import * as z from 'zod/mini';
import { featureId, semver } from './manifest-schema';
import { countCommentCharacters, MAX_COMMENT_CHARACTERS, MAX_RATING, MIN_RATING } from './telemetry-limits';
import { opaqueId } from './usage-schema';

export { countCommentCharacters, FEEDBACK_PATH, MAX_COMMENT_CHARACTERS, MAX_RATING, MIN_RATING } from './telemetry-limits';

export const feedbackSchema = z.strictObject({
  featureId,
  rating: z.int().check(z.gte(MIN_RATING), z.lte(MAX_RATING)),
  comment: z._default(
    z.string().check(z.refine((c) => countCommentCharacters(c) <= MAX_COMMENT_CHARACTERS, `must be at most ${MAX_COMMENT_CHARACTERS} characters`)),
    '',
  ),
  installId: opaqueId,
  /** Made by the add-on when the user sends the feedback; a resend with the same id is stored once. */
  feedbackId: z.optional(opaqueId),
  /** The version of the feature the user was running; absent from add-ons older than this field. */
  featureVersion: z.optional(semver),
});
export type FeedbackBody = z.infer<typeof feedbackSchema>;
