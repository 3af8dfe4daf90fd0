/**
 * Feedback on the wire: POST /v1/feedback carries a 1–5 rating and an
 * optional comment. The add-on checks these limits before queueing, the
 * server again on receipt, with the same numbers.
 *
 * @example
 * feedbackSchema.parse({ featureId: 'page-notes', rating: 4, comment: 'Handy', installId: 'i-1' });
 */
import { z } from 'zod';
import { featureId } from './manifest-schema';
import { opaqueId } from './usage-schema';

export const FEEDBACK_PATH = '/v1/feedback';
export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_COMMENT_CHARACTERS = 2000;

/** Characters as people count them (code points), so an emoji counts once. */
export function countCommentCharacters(comment: string): number {
  return [...comment].length;
}

export const feedbackSchema = z.strictObject({
  featureId,
  rating: z.number().int().min(MIN_RATING).max(MAX_RATING),
  comment: z
    .string()
    .refine((c) => countCommentCharacters(c) <= MAX_COMMENT_CHARACTERS, `must be at most ${MAX_COMMENT_CHARACTERS} characters`)
    .default(''),
  installId: opaqueId,
  /** Made by the add-on when the user sends the feedback; a resend with the same id is stored once. */
  feedbackId: opaqueId.optional(),
});
export type FeedbackBody = z.infer<typeof feedbackSchema>;
