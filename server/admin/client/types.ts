/** The admin routes' answers, as the page reads them (server/routes/admin-*.ts). */

// Type-only: the page's bundle takes none of the server's code, only the shapes of its answers.
import type { CriterionResult, FeatureHealth as JudgedHealth } from '../../health/judge';
import type { Interval } from '../../health/stats';

export type { Interval };
export type { DailyPoint } from '../../store/store';

export type Criterion = CriterionResult;

export interface FeatureHealth extends JudgedHealth {
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
