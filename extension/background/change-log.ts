/**
 * Tells a beta user when features come and go. After every reconcile the
 * host compares what each feature now is for this user (on, off, waiting
 * for a sign-in…) with what it was, and records one entry per change, in
 * words chosen by the planner's reason code. New entries light the toolbar
 * button's badge until the popup is opened, and may raise a system
 * notification. Changes QA made with an override, and the user's own
 * opt-outs, are not told: the person who made them knows.
 *
 * Kept in the host's state (host-state.ts), so the log survives the event page's suspension:
 * - `host:changes`         the entries (newest first), the unseen count and the notification switch
 * - `host:change-presence` what each feature was for the user after the last reconcile
 */
import type { PlanDecision } from '../../protocol/planner';
import type { Ledger } from '../runtime/feature-state';
import { t } from '../i18n';
import { describeChange, type ChangeEntry, type ChangeKind } from './change-sentences';

export const CHANGES_KEY = 'host:changes';
export const PRESENCE_KEY = 'host:change-presence';
/** Enough for "recent"; older entries fall off. */
export const MAX_CHANGES = 20;
const NOTIFICATION_ID = 'sbc-changes';

export type PresenceState = 'on' | 'off' | 'needs-account' | 'needs-terms' | 'failed';
export interface Presence {
  state: PresenceState;
  reasonCode: string;
}

export interface ChangeLogView {
  entries: ChangeEntry[];
  unseen: number;
  notify: boolean;
}

interface StorageArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

/** The parts of `browser.*` the change log uses; action and notifications may be missing (tests, other platforms). */
export interface ChangeLogBrowser {
  storage: { local: StorageArea };
  action?: { setBadgeText(details: { text: string }): Promise<void>; setBadgeBackgroundColor?(details: { color: string }): Promise<void> };
  notifications?: { create(id: string, options: { type: 'basic'; title: string; message: string; iconUrl?: string }): Promise<string> };
  runtime?: { getURL(path: string): string };
}

/** Changes that the person who made them already knows about. */
const SELF_MADE = new Set(['qa-on', 'qa-off', 'opted-out']);

/** What a feature is for the user after a reconcile, from the ledger and the decision. */
export function readPresence(decision: Pick<PlanDecision, 'reasonCode'>, record: Ledger[string] | undefined): Presence {
  const reasonCode = decision.reasonCode;
  if (record?.state === 'installed') return { state: 'on', reasonCode };
  if (record?.state === 'failed') return { state: 'failed', reasonCode };
  if (reasonCode === 'needs-account') return { state: 'needs-account', reasonCode };
  if (reasonCode === 'terms') return { state: 'needs-terms', reasonCode };
  return { state: 'off', reasonCode };
}

const OFF_KINDS: Record<string, ChangeKind> = {
  killed: 'killed',
  'sign-offs': 'withdrawn',
  targeting: 'not-targeted',
  'not-in-build': 'needs-update',
};

/** The kind of change from one presence to the next, or null when there is nothing to tell. */
export function classifyChange(before: Presence | undefined, after: Presence): ChangeKind | null {
  const previous = before ?? { state: 'off', reasonCode: 'unknown' };
  if (previous.state === after.state) return null;
  if (SELF_MADE.has(previous.reasonCode) || SELF_MADE.has(after.reasonCode)) return null;
  switch (after.state) {
    case 'on':
      return 'added';
    case 'failed':
      return 'failed';
    case 'needs-account':
      return 'needs-account';
    case 'needs-terms':
      return 'needs-terms';
    case 'off':
      return OFF_KINDS[after.reasonCode] ?? 'removed';
  }
}

/**
 * Compares the presence after a reconcile with the one before. Without a
 * manifest there is no plan to speak of, so nothing changes (null). The
 * first plan made with a manifest is the baseline and tells nothing: a new
 * user sees their features on the welcome page, and an updated add-on had
 * them already.
 */
export function detectChanges(
  before: Record<string, Presence> | undefined,
  decisions: readonly PlanDecision[],
  ledger: Ledger,
  names: (id: string) => string,
  at: string,
): { entries: ChangeEntry[]; presence: Record<string, Presence> } | null {
  if (decisions.some((decision) => decision.reasonCode === 'no-manifest')) return null;
  const presence: Record<string, Presence> = {};
  const entries: ChangeEntry[] = [];
  for (const decision of decisions) {
    const after = readPresence(decision, ledger[decision.id]);
    presence[decision.id] = after;
    const kind = before && classifyChange(before[decision.id], after);
    if (kind) entries.push({ featureId: decision.id, name: names(decision.id), kind, at });
  }
  return { entries, presence };
}

export class ChangeLog {
  constructor(
    private readonly browser: ChangeLogBrowser,
    private readonly log: { warn(...args: unknown[]): void } = console,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Call after every reconcile. Records what changed for the user, then
   * shows the badge and, when on, a notification.
   */
  async record(decisions: readonly PlanDecision[], ledgerAfter: Ledger, names: (id: string) => string): Promise<ChangeEntry[]> {
    const before = (await this.browser.storage.local.get(PRESENCE_KEY))[PRESENCE_KEY] as Record<string, Presence> | undefined;
    const detected = detectChanges(before, decisions, ledgerAfter, names, this.now().toISOString());
    if (!detected) return [];
    const { entries, presence } = detected;
    const view = await this.read();
    const next: ChangeLogView = entries.length
      ? { ...view, entries: [...entries, ...view.entries].slice(0, MAX_CHANGES), unseen: Math.min(view.unseen + entries.length, MAX_CHANGES) }
      : view;
    // A wake that changes nothing writes nothing.
    if (entries.length === 0 && JSON.stringify(before) === JSON.stringify(presence)) return [];
    await this.browser.storage.local.set({ [PRESENCE_KEY]: presence, [CHANGES_KEY]: next });
    if (entries.length) {
      await this.showBadge(next.unseen);
      if (next.notify) await this.notify(entries);
    }
    return entries;
  }

  async read(): Promise<ChangeLogView> {
    const stored = (await this.browser.storage.local.get(CHANGES_KEY))[CHANGES_KEY] as Partial<ChangeLogView> | undefined;
    return { entries: stored?.entries ?? [], unseen: stored?.unseen ?? 0, notify: stored?.notify ?? true };
  }

  /** The popup was opened: the user has seen the list. */
  async markSeen(): Promise<ChangeLogView> {
    const view = { ...(await this.read()), unseen: 0 };
    await this.browser.storage.local.set({ [CHANGES_KEY]: view });
    await this.showBadge(0);
    return view;
  }

  async setNotify(enabled: boolean): Promise<ChangeLogView> {
    const view = { ...(await this.read()), notify: enabled };
    await this.browser.storage.local.set({ [CHANGES_KEY]: view });
    return view;
  }

  /** The badge is the browser's, not the page's: after a browser restart it is set again from storage. */
  async restoreBadge(): Promise<void> {
    await this.showBadge((await this.read()).unseen);
  }

  private async showBadge(unseen: number): Promise<void> {
    const action = this.browser.action;
    if (!action) return;
    try {
      await action.setBadgeText({ text: unseen > 0 ? String(unseen) : '' });
      if (unseen > 0) await action.setBadgeBackgroundColor?.({ color: '#0061e0' });
    } catch (error) {
      this.log.warn('the toolbar badge could not be set', error);
    }
  }

  private async notify(entries: ChangeEntry[]): Promise<void> {
    const notifications = this.browser.notifications;
    if (!notifications) return;
    try {
      await notifications.create(NOTIFICATION_ID, {
        type: 'basic',
        title: t('notificationTitle'),
        message: entries.map((entry) => describeChange(entry)).join('\n'),
        ...(this.browser.runtime ? { iconUrl: this.browser.runtime.getURL('ui/icons/beta.svg') } : {}),
      });
    } catch (error) {
      // A notification is a courtesy: the badge and the list still say it.
      this.log.warn('the change notification could not be shown', error);
    }
  }
}
