/**
 * Polls the manifest on a browser alarm, which survives the event page being
 * suspended. The failure count and the next due time live in IndexedDB so
 * that backoff continues across wakes. The interval is the signed manifest's
 * pollIntervalMinutes when it has one, else the build's (15 minutes).
 *
 * @example
 * const poller = new ManifestPoller({ alarms: browser.alarms, client, db, intervalMinutes: 15,
 *   manifest: () => replanner.manifest, onAccepted: (payload) => reconcile(payload) });
 * browser.alarms.onAlarm.addListener((alarm) => void poller.handleAlarm(alarm)); // at top level
 * await poller.start();
 */
import type { HostDb, HostValues } from '../db';
import { readHostValue } from '../db';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import type { CheckResult } from './manifest-client';
import { isCheckDue, nextPollDelay, readPollInterval } from '../../protocol/poll-schedule';

export const MANIFEST_POLL_ALARM = 'host:manifest-poll';

/** The slice of browser.alarms the poller uses. */
export interface AlarmsLike {
  create(name: string, info: { when?: number; delayInMinutes?: number; periodInMinutes?: number }): void | Promise<void>;
  clear(name: string): Promise<boolean>;
  get(name: string): Promise<{ name: string; scheduledTime: number } | undefined>;
}

export interface ManifestPollerDeps {
  alarms: AlarmsLike;
  client: { check(): Promise<CheckResult> };
  onAccepted(payload: ManifestPayload): void | Promise<void>;
  db: HostDb;
  /** The build's interval, for as long as the manifest in force sets none. */
  intervalMinutes: number;
  /** The manifest in force, whose pollIntervalMinutes wins. */
  manifest?: () => ManifestPayload | null;
  random?: () => number;
  now?: () => Date;
  log?: Pick<Console, 'error'>;
}

export class ManifestPoller {
  private inFlight: Promise<CheckResult> | null = null;
  private stopped = false;

  constructor(private readonly deps: ManifestPollerDeps) {}

  /**
   * Makes sure a poll is scheduled. An alarm that already exists is kept, so
   * waking the page does not push the next poll back; without one (first run,
   * or a browser restart cleared it) the stored due time is used, or now.
   * `wake`: the channel values the wake read, instead of reading them again.
   */
  async start(wake?: Partial<HostValues>): Promise<void> {
    if (await this.deps.alarms.get(MANIFEST_POLL_ALARM)) return;
    const now = this.now().getTime();
    const stored = Date.parse((wake ? wake.nextCheckAt : await readHostValue(this.deps.db, 'nextCheckAt')) ?? '');
    const when = Number.isNaN(stored) || stored < now ? now : stored;
    await this.deps.alarms.create(MANIFEST_POLL_ALARM, { when });
    await this.writeNextCheckAt(when);
  }

  /**
   * Whether a wake should check at once: never checked, or the last check is
   * an interval old or more (the alarm was lost or the browser was closed).
   * `wake`: the channel values the wake read, instead of reading them again.
   */
  async isDue(wake?: Partial<HostValues>): Promise<boolean> {
    return isCheckDue(wake ? wake.checkedAt : await readHostValue(this.deps.db, 'checkedAt'), this.intervalMinutes(), this.now());
  }

  /** Stops polling (the add-on is being disabled). */
  async stop(): Promise<void> {
    // A check still in flight must not schedule the next poll once stopped.
    this.stopped = true;
    await this.deps.alarms.clear(MANIFEST_POLL_ALARM);
  }

  /** Runs a check when the alarm is the poller's; returns whether it was. */
  async handleAlarm(alarm: { name: string }): Promise<boolean> {
    if (alarm.name !== MANIFEST_POLL_ALARM) return false;
    await this.checkNow();
    return true;
  }

  /** Checks now (QA's "refresh now" too) and schedules the next poll from the outcome. */
  checkNow(): Promise<CheckResult> {
    // A second request while one runs shares it instead of racing the cache.
    this.inFlight ??= this.runCheck().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async runCheck(): Promise<CheckResult> {
    let result: CheckResult;
    try {
      result = await this.deps.client.check();
    } catch (error) {
      result = { outcome: 'failed', reason: 'network', message: `the manifest check failed: ${(error as Error).message}` };
    }
    // A refusal backs off like a failure: the server may fix it soon, and the delay is capped at the interval anyway.
    const succeeded = result.outcome === 'accepted' || result.outcome === 'unchanged';
    const failures = succeeded ? 0 : ((await readHostValue(this.deps.db, 'failures')) ?? 0) + 1;
    const delay = nextPollDelay({
      // A newly accepted manifest's interval applies from this very poll on.
      intervalMinutes: this.intervalMinutes(result.outcome === 'accepted' ? result.payload : undefined),
      failures,
      random: (this.deps.random ?? Math.random)(),
      ...(result.outcome === 'failed' && result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    });
    const when = this.now().getTime() + delay;
    // Scheduled before acting on the payload, so that a throwing install cannot stop polling.
    if (this.stopped) return result;
    await this.deps.alarms.create(MANIFEST_POLL_ALARM, { when });
    const tx = this.deps.db.transaction('channel', 'readwrite');
    await Promise.all([tx.store.put(failures, 'failures'), tx.store.put(new Date(when).toISOString(), 'nextCheckAt'), tx.done]);
    if (result.outcome === 'accepted') {
      try {
        await this.deps.onAccepted(result.payload);
      } catch (error) {
        (this.deps.log ?? console).error(`manifest serial ${result.payload.serial} was accepted but applying it failed`, error);
      }
    }
    return result;
  }

  private async writeNextCheckAt(when: number): Promise<void> {
    await this.deps.db.put('channel', new Date(when).toISOString(), 'nextCheckAt');
  }

  private intervalMinutes(accepted?: ManifestPayload): number {
    return readPollInterval(accepted ?? this.deps.manifest?.(), this.deps.intervalMinutes);
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}
