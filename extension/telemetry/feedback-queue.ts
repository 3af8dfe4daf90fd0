/**
 * Feedback on a beta feature: a 1–5 rating and an optional comment, queued
 * in IndexedDB and sent when the server can be reached. A failed send keeps
 * the feedback for the next flush.
 *
 * @example
 * const feedback = new FeedbackQueue({ db, origin: buildConfig.origin, installId: () => readUnit() });
 * await feedback.enqueue({ featureId: 'tab-groups', rating: 4, comment: 'Handy' });
 * await feedback.flush({ token: account?.token });
 */
import type { HostDb } from '../db';
import type { FetchLike } from '../channel/http';
import { featureId as featureIdSchema } from '../../protocol/manifest-schema';
import {
  countCommentCharacters,
  FEEDBACK_PATH,
  MAX_COMMENT_CHARACTERS,
  MAX_RATING,
  MIN_RATING,
} from '../../protocol/feedback-schema';
import { postJson, sendQueued, type SendResult } from './post-json';

export class FeedbackError extends Error {
  constructor(
    readonly field: 'featureId' | 'rating' | 'comment',
    message: string,
  ) {
    super(`feedback ${field}: ${message}`);
    this.name = 'FeedbackError';
  }
}

export interface FeedbackInput {
  featureId: string;
  rating: number;
  comment?: string;
}

export interface FeedbackQueueDeps {
  db: HostDb;
  origin: string;
  installId: () => Promise<string>;
  fetch?: FetchLike;
  now?: () => Date;
  timeoutMs?: number;
  log?: Pick<Console, 'warn'>;
}

export class FeedbackQueue {
  private readonly url: URL;

  constructor(private readonly deps: FeedbackQueueDeps) {
    this.url = new URL(FEEDBACK_PATH, deps.origin);
  }

  /** Validates and queues feedback; throws FeedbackError naming the field. Returns the queue id. */
  async enqueue({ featureId, rating, comment = '' }: FeedbackInput): Promise<number> {
    if (!featureIdSchema.safeParse(featureId).success) {
      throw new FeedbackError('featureId', `${JSON.stringify(featureId)} is not a feature id`);
    }
    if (!Number.isInteger(rating) || rating < MIN_RATING || rating > MAX_RATING) {
      throw new FeedbackError('rating', `must be a whole number from ${MIN_RATING} to ${MAX_RATING}, got ${rating}`);
    }
    if (typeof comment !== 'string' || countCommentCharacters(comment) > MAX_COMMENT_CHARACTERS) {
      const length = typeof comment === 'string' ? countCommentCharacters(comment) : String(comment);
      throw new FeedbackError('comment', `must be at most ${MAX_COMMENT_CHARACTERS} characters, got ${length}`);
    }
    const createdAt = (this.deps.now ?? (() => new Date()))().toISOString();
    return this.deps.db.add('feedback', { featureId, rating, comment, createdAt, feedbackId: crypto.randomUUID() });
  }

  /** How much feedback waits to be sent. */
  async size(): Promise<number> {
    return this.deps.db.count('feedback');
  }

  /** Sends queued feedback, oldest first; keeps whatever could not be sent now. */
  async flush({ token }: { token?: string } = {}): Promise<SendResult> {
    const items = await this.deps.db.getAll('feedback');
    if (items.length === 0) return { sent: 0, queued: 0, dropped: 0 };
    const installId = await this.deps.installId();
    const fetchImpl = this.deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
    // A 401 (the token lapsed) is a "retry": the feedback waits for a flush with a fresh token.
    return sendQueued(
      items,
      (item) =>
        postJson(
          fetchImpl,
          this.url,
          {
            installId,
            featureId: item.featureId,
            rating: item.rating,
            comment: item.comment,
            ...(item.feedbackId ? { feedbackId: item.feedbackId } : {}),
          },
          { timeoutMs: this.deps.timeoutMs ?? 30_000, ...(token ? { token } : {}) },
        ),
      (item) => this.deps.db.delete('feedback', item.id!),
      (item, message) => (this.deps.log ?? console).warn(`feedback on ${item.featureId} dropped: ${message}`),
    );
  }
}
