/**
 * Pure view models for what the host tells about itself: "What's new" in
 * the popup, and the one status line the QA panel shows while the beta
 * server cannot be reached.
 *
 * @example
 * const line = describeServerLine(status, Date.now()); // null while the server answers
 * const items = describeChanges(await request({ type: 'sbc:changes' }), Date.now());
 */
import { describeChange } from '../background/change-sentences';
import type { ChangeLogView } from '../background/change-log';
import { t } from '../i18n';
import type { HostStatus } from '../messages';
import { formatRelative, formatTime } from './render-status';

/** How many changes the popup lists. */
export const CHANGES_SHOWN = 5;

export interface ChangeItem {
  featureId: string;
  text: string;
  /** "5 min ago". */
  when: string;
  /** Not yet seen in the popup. */
  isNew: boolean;
}

export function describeChanges(view: ChangeLogView, nowMs: number): ChangeItem[] {
  return view.entries.slice(0, CHANGES_SHOWN).map((entry, index) => ({
    featureId: entry.featureId,
    text: describeChange(entry),
    when: formatRelative(Date.parse(entry.at) - nowMs),
    isNew: index < view.unseen,
  }));
}

/** The single line for an unreachable beta server, with when it was last reached; null while it answers. */
export function describeServerLine(status: HostStatus, nowMs: number): string | null {
  const server = status.server;
  if (!server || server.reachable !== false) return null;
  return t('serverUnreachable', [status.build.origin, formatTime(server.lastReachedAt, nowMs)]);
}

/**
 * A manifest check that failed for want of a network is said once, by the
 * server line, not again under the manifest.
 */
export function isSaidByServerLine(status: HostStatus): boolean {
  return status.server !== undefined && status.manifest.lastError?.reason === 'network';
}

/** Waits between tries while the server is away: short at first, so that it is noticed within seconds when back. */
export function nextRetryDelay(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt), 8000);
}
