/**
 * Everything the beta server keeps, behind one async interface: SQLite, which
 * needs no set-up, or PostgreSQL at scale (one implementation, kysely-store.ts).
 * Processes keep no state of their own: rate-limit counters live here too.
 */
import type { Kysely } from 'kysely';
import type { BetaTables, StoreDialect } from './schema';

/** Times are milliseconds since the epoch (UTC). */
export interface AccountRecord {
  id: number;
  email: string;
  passwordHash: string;
  createdAt: number;
  acceptedTerms: string;
  acceptedTermsAt: number;
}

export interface NewAccount {
  email: string;
  passwordHash: string;
  createdAt: number;
  acceptedTerms: string;
}

export interface SessionRecord {
  accountId: number;
  createdAt: number;
  expiresAt: number;
}

/** A signed document (the manifest or the key document) as the server keeps and serves it. */
export interface ManifestRecord {
  serial: number;
  /** The envelope exactly as uploaded. */
  bytes: Buffer;
  etag: string;
  publishedAt: number;
}

export interface UsageCount {
  /** YYYY-MM-DD, UTC. */
  day: string;
  featureId: string;
  event: string;
  count: number;
}

export interface UsageBatch {
  batchId: string;
  installId: string;
  counts: UsageCount[];
}

export interface FeedbackRecord {
  featureId: string;
  rating: number;
  comment: string;
  installId: string;
  /** The client's id for this feedback: a resend with the same id is stored once. */
  feedbackId: string | null;
  accountId: number | null;
  createdAt: number;
  /** The feature's version the user was running; null from older add-ons. */
  featureVersion?: string | null;
}

/** Adoption and feedback of one feature, as the admin report shows it. */
export interface FeatureReport {
  featureId: string;
  installs: number;
  active1d: number;
  active7d: number;
  active28d: number;
  events: Record<string, number>;
  feedbackCount: number;
  /** Null when the feature has no feedback. */
  meanRating: number | null;
}

/** Installs whose 7-day retention window is complete, and of those, the ones that came back within it. */
export interface RetentionCounts {
  eligible: number;
  retained: number;
}

/** What the mean rating and its interval need. */
export interface RatingMoments {
  count: number;
  sum: number;
  sumOfSquares: number;
}

/** One day of a feature on the dashboard's charts. */
export interface DailyPoint {
  day: string;
  /** Installs that reported the feature that day. */
  activeInstalls: number;
  /** The feature's own usage events that day (the host's are counted apart). */
  events: number;
  /** host.install-failed and host.opt-out reports that day. */
  failures: number;
  optOuts: number;
}

/** Which feedback to list; every field optional. Days are 'YYYY-MM-DD' (UTC), both inclusive. */
export interface FeedbackFilter {
  ratings?: number[];
  version?: string;
  from?: string;
  to?: string;
  /** Matched anywhere in the comment, ignoring case. */
  text?: string;
}

/** A comment as the beta team reads it: never with an account or install id. */
export interface FeedbackItem {
  rating: number;
  comment: string;
  /** Null for feedback from add-ons that did not send it. */
  version: string | null;
  day: string;
  createdAt: number;
}

export interface FeedbackPage {
  total: number;
  items: FeedbackItem[];
}

/** A feature's totals on the dashboard's overview. */
export interface ChannelTotals {
  installs: number;
  failedInstalls: number;
  optedOutInstalls: number;
  /** How many ratings of 1, 2, 3, 4 and 5. */
  ratings: number[];
}

export interface RateLimitResult {
  allowed: boolean;
  /** When refused: milliseconds until the window resets. */
  retryAfterMs: number;
}

export interface BetaStore {
  /** The database, for beta services' own tables (server/services/). */
  readonly db: Kysely<BetaTables>;
  readonly dialect: StoreDialect;
  /** Returns undefined when the email (case-insensitively) already has an account. */
  createAccount(account: NewAccount): Promise<AccountRecord | undefined>;
  findAccountByEmail(email: string): Promise<AccountRecord | undefined>;
  findAccountById(id: number): Promise<AccountRecord | undefined>;
  updatePasswordHash(accountId: number, passwordHash: string): Promise<void>;
  recordTermsAcceptance(accountId: number, version: string, at: number): Promise<void>;
  /**
   * Erases the account with its sessions, notes and feedback, and whatever
   * `deleteServiceData` erases in the same transaction: all of it or nothing.
   */
  deleteAccount(accountId: number, deleteServiceData?: (trx: Kysely<BetaTables>) => Promise<void>): Promise<boolean>;

  createSession(tokenHash: string, session: SessionRecord): Promise<void>;
  /** The session for a token hash, expired or not; undefined once revoked. */
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  revokeSession(tokenHash: string): Promise<void>;

  /** Counts one attempt against `key` in a fixed window and says whether it is allowed. */
  consumeRateLimit(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult>;

  getCurrentManifest(): Promise<ManifestRecord | undefined>;
  /** The current manifest's serial only: a cheap check whether a cached copy is still current. */
  getCurrentManifestSerial(): Promise<number | undefined>;
  /**
   * Calls `onPublished` soon after any process publishes a manifest, where the
   * database can tell (PostgreSQL LISTEN/NOTIFY); absent elsewhere. Resolves
   * with a function that stops listening.
   */
  watchManifest?(onPublished: () => void): Promise<() => Promise<void>>;
  /**
   * Stores a manifest only if its serial is higher than every stored one, so two
   * publishers racing cannot roll the channel back. Returns false otherwise.
   */
  publishManifest(manifest: ManifestRecord): Promise<boolean>;
  /** The halt document the server signed last (server/halt/), by highest serial. */
  getCurrentHalt(): Promise<ManifestRecord | undefined>;
  getCurrentHaltSerial(): Promise<number | undefined>;
  /** Stores a halt document only if its serial is higher than every stored one; false otherwise. */
  publishHalt(record: ManifestRecord): Promise<boolean>;

  /** The key document with the highest serial. */
  getCurrentKeyDocument(): Promise<ManifestRecord | undefined>;
  /** The current key document's serial only, like getCurrentManifestSerial. */
  getCurrentKeyDocumentSerial(): Promise<number | undefined>;
  /** As watchManifest, for key documents. */
  watchKeyDocument?(onPublished: () => void): Promise<() => Promise<void>>;
  /** Stores a key document only if its serial is higher than every stored one; false otherwise. */
  publishKeyDocument(document: ManifestRecord): Promise<boolean>;

  /** Adds a batch once: a batch id seen before for the install is acknowledged and not counted. */
  recordUsageBatch(batch: UsageBatch, receivedAt: number): Promise<'recorded' | 'duplicate'>;
  /** Stores feedback; false when this install already sent feedback with the same id. */
  addFeedback(feedback: FeedbackRecord): Promise<boolean>;
  /** Per-feature adoption, with active windows ending on `asOfDay` (YYYY-MM-DD) inclusive. */
  readReport(asOfDay: string): Promise<FeatureReport[]>;
  /** Metrics for the exit criteria (server/health): installs that reported the feature on a kept day. */
  countFeatureInstalls(featureId: string): Promise<number>;
  /** Installs whose first day with the feature is at least 7 days before `asOfDay`, and those active again within 7 days of it. */
  readRetention7d(featureId: string, asOfDay: string): Promise<RetentionCounts>;
  readRatingMoments(featureId: string): Promise<RatingMoments>;
  /** The total count of one usage event of the feature over the kept days. */
  sumFeatureEvent(featureId: string, event: string): Promise<number>;

  /** The dashboard (server/store/dashboard-query.ts): a feature's days from `from` to `to` inclusive, none missing. */
  readDailySeries(featureId: string, from: string, to: string): Promise<DailyPoint[]>;
  /** One page of a feature's feedback, newest first. */
  listFeedback(featureId: string, filter: FeedbackFilter, page: { limit: number; offset: number }): Promise<FeedbackPage>;
  /** All of a feature's feedback matching the filter, newest first, a page at a time. */
  readAllFeedback(featureId: string, filter: FeedbackFilter): AsyncIterable<FeedbackItem[]>;
  listFeedbackVersions(featureId: string): Promise<string[]>;
  readChannelTotals(): Promise<Map<string, ChannelTotals>>;

  /** Drops expired sessions and rate-limit windows. */
  pruneExpired(now: number): Promise<void>;
  /**
   * Deletes usage past its retention: counts and activity of days before
   * `beforeDay` (YYYY-MM-DD), and batch ids received before `receivedBefore`.
   * Returns how many rows went.
   */
  deleteUsageBefore(beforeDay: string, receivedBefore: number): Promise<number>;
  close(): Promise<void>;
}

/** Emails compare case-insensitively everywhere, with one canonical key. */
export function toEmailKey(email: string): string {
  return email.trim().toLowerCase();
}
