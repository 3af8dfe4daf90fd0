/**
 * What the host keeps for "Copy diagnostics": its last logged errors, and
 * the raw facts it sends the QA panel, which assembles and scrubs the
 * report (ui/diagnostics-report.ts).
 */
import type { HostStatus } from '../messages';
import type { PlanEnvironment } from '../../protocol/planner';

/** The last errors kept in memory for a report. */
export const MAX_RECENT_ERRORS = 20;

export interface RecentError {
  at: string;
  message: string;
}

/** The answer to sbc:diagnostics. */
export interface DiagnosticsData {
  status: HostStatus;
  environment: PlanEnvironment;
  /** Ids of the pinned keys whose signatures the current manifest carries. */
  keyIds: string[];
  errors: readonly RecentError[];
}

/**
 * Keeps the last errors the host logged, for diagnostics, and passes every
 * call on to the real logger.
 */
export function captureErrors<L extends { error(...args: unknown[]): void }>(logger: L, errors: RecentError[], now: () => Date = () => new Date()): L {
  return {
    ...logger,
    error: (...args: unknown[]) => {
      errors.push({ at: now().toISOString(), message: args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ') });
      if (errors.length > MAX_RECENT_ERRORS) errors.splice(0, errors.length - MAX_RECENT_ERRORS);
      logger.error(...args);
    },
  };
}
