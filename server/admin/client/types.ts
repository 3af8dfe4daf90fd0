/** The admin routes' answers, as the page reads them (server/routes/admin-*.ts). */

export type Interval = [number, number];

export interface Criterion {
  name: string;
  value: number | null;
  interval: Interval;
  threshold: number;
  samples: number;
  pass: boolean | null;
  reason: string;
}

export interface FeatureHealth {
  featureId: string;
  verdict: string;
  reason: string;
  criteria: Criterion[];
  /** Set once staged rollouts report their stage; any shape is shown as text. */
  stage?: unknown;
}

export interface RateSummary {
  value: number | null;
  interval: Interval;
  reports: number;
}

export interface FeatureSummary {
  featureId: string;
  version: string;
  rolloutPercent: number;
  killed: boolean;
  requiresAccount: boolean;
  installs: number;
  failureRate: RateSummary;
  optOutRate: RateSummary;
  ratings: { count: number; mean: number | null; distribution: number[] };
}

export interface DailyPoint {
  day: string;
  activeInstalls: number;
  events: number;
  failures: number;
  optOuts: number;
}

export interface FeedbackComment {
  rating: number;
  comment: string;
  version: string | null;
  day: string;
}

export interface FeedbackList {
  total: number;
  offset: number;
  versions: string[];
  comments: FeedbackComment[];
}

/** One feature as the page shows it: its summary and its verdict (undefined while loading, null when the health route does not know it). */
export interface FeatureView {
  summary: FeatureSummary;
  health: FeatureHealth | null | undefined;
}
