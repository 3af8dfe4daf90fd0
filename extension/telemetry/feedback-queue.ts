/**
 * Feedback on a beta feature: a 1–5 rating and an optional comment, queued
 * in IndexedDB and sent when the server can be reached. A failed send keeps
 * the feedback for the next flush.
 *
 * @example
 * const feedback = new FeedbackQueue({ db, server, installId: () => readUnit(), versionOf: readInstalledVersion });
 * await feedback.enqueue({ featureId: 'tab-groups', rating: 4, comment: 'Handy' });
 * await feedback.flush({ token: account?.token });
 */
import type { HostDb } from '../db';
import type { BetaServerClient } from '../channel/beta-server-client';
import { HostError } from '../errors';
import { featureId as featureIdSchema } from '../../protocol/manifest-schema';
import {
  countCommentCharacters,
  FEEDBACK_PATH,
  MAX_COMMENT_CHARACTERS,
  MAX_RATING,
  MIN_RATING,
} from '../../protocol/telemetry-limits';
import { postJson, sendQueued, type SendResult } from './post-json';

/** Feedback that cannot be queued; the subject is the feature it is about, `field` names what is wrong. */
export class FeedbackError extends HostError {
  constructor(
    readonly field: 'featureId' | 'rating' | 'comment',
    featureId: string,
    message: string,
  ) {
    super('invalid-feedback', `feedback ${field}: ${message}`, { subject: featureId });
  }
}

export interface FeedbackInput {
  featureId: string;
  rating: number;
  comment?: string;
}

export interface FeedbackQueueDeps {
  db: HostDb;
  server: BetaServerClient;
  installId: () => Promise<string>;
  /** The version of the feature installed now, sent with the feedback so the beta team reads it against that version. */
  versionOf?: (featureId: string) => Promise<string | undefined>;
  now?: () => Date;
  log?: Pick<Console, 'warn'>;
}

export class FeedbackQueue {
  constructor(private readonly deps: FeedbackQueueDeps) {}

  /** Validates and queues feedback; throws FeedbackError naming the field. Returns the queue id. */
  async enqueue({ featureId, rating, comment = '' }: FeedbackInput): Promise<number> {
    if (!featureIdSchema.safeParse(featureId).success) {
      throw new FeedbackError('featureId', String(featureId), `${JSON.stringify(featureId)} is not a feature id`);
    }
    if (!Number.isInteger(rating) || rating < MIN_RATING || rating > MAX_RATING) {
      throw new FeedbackError('rating', featureId, `must be a whole number from ${MIN_RATING} to ${MAX_RATING}, got ${rating}`);
    }
    if (typeof comment !== 'string' || countCommentCharacters(comment) > MAX_COMMENT_CHARACTERS) {
      const length = typeof comment === 'string' ? countCommentCharacters(comment) : String(comment);
      throw new FeedbackError('comment', featureId, `must be at most ${MAX_COMMENT_CHARACTERS} characters, got ${length}`);
    }
    const createdAt = (this.deps.now ?? (() => new Date()))().toISOString();
    // Read when the user writes it: the feature may be updated before the feedback can be sent.
    const featureVersion = await this.deps.versionOf?.(featureId);
    return this.deps.db.add('feedback', {
      featureId,
      rating,
      comment,
      createdAt,
      feedbackId: crypto.randomUUID(),
      ...(featureVersion ? { featureVersion } : {}),
    });
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
    // A 401 (the token lapsed) is a "retry": the feedback waits for a flush with a fresh token.
    return sendQueued(
      items,
      (item) =>
        postJson(
          this.deps.server,
          FEEDBACK_PATH,
          {
            installId,
            featureId: item.featureId,
            rating: item.rating,
            comment: item.comment,
            ...(item.feedbackId ? { feedbackId: item.feedbackId } : {}),
            ...(item.featureVersion ? { featureVersion: item.featureVersion } : {}),
          },
          { token },
        ),
      (item) => this.deps.db.delete('feedback', item.id!),
      (item, message) => (this.deps.log ?? console).warn(`feedback on ${item.featureId} dropped: ${message}`),
    );
  }
}
