/**
 * Usage counters (DESIGN.md decision 9): feature id, event name, UTC day and
 * a count, nothing else. The user can turn them off, which also drops what
 * has not been sent.
 *
 * @example
 * const usage = new UsageRecorder({ db });
 * await usage.count('tab-groups', 'group-created');
 * await usage.setEnabled(false); // nothing more is recorded, the queue is emptied
 */
import { formatUtcDay, readHostValue, writeHostValue, type HostDb } from '../db';
import { featureId as featureIdSchema } from '../../protocol/manifest-schema';
import { USAGE_EVENT_PATTERN } from '../../protocol/telemetry-limits';
import { HostError } from '../errors';

/** A counter that cannot be recorded; the subject is the feature that asked. */
export class UsageCounterError extends HostError {
  constructor(featureId: string, message: string) {
    super('invalid-usage-counter', message, { subject: featureId });
  }
}

export interface UsageRecorderDeps {
  db: HostDb;
  now?: () => Date;
  /** Firefox's built-in data-collection consent: false stops counters; null (no such consent in this Firefox) leaves it to the switch. */
  consent?: () => Promise<boolean | null>;
  /** The switch as the wake read it (host-state.ts), so that counting need not read it again. */
  enabled?: boolean;
}

export class UsageRecorder {
  private enabled: boolean | undefined;

  constructor(private readonly deps: UsageRecorderDeps) {
    this.enabled = deps.enabled;
  }

  /**
   * Adds `by` to today's counter of a feature's event. Throws UsageCounterError for
   * a bad feature id, event name or amount; does nothing while counters are off.
   */
  async count(featureId: string, event: string, by = 1): Promise<void> {
    if (!featureIdSchema.safeParse(featureId).success) {
      throw new UsageCounterError(String(featureId), `usage counter: feature id ${JSON.stringify(featureId)} is not a feature id`);
    }
    if (!USAGE_EVENT_PATTERN.test(event)) {
      throw new UsageCounterError(
        featureId,
        `usage counter of ${featureId}: event name ${JSON.stringify(event.slice(0, 80))} must match ${USAGE_EVENT_PATTERN} (counters carry no URLs or page content)`,
      );
    }
    if (!Number.isSafeInteger(by) || by < 1) {
      throw new UsageCounterError(featureId, `usage counter ${featureId}/${event}: amount ${by} must be a positive integer`);
    }
    if (!(await this.isEnabled())) return;
    const day = formatUtcDay((this.deps.now ?? (() => new Date()))());
    const tx = this.deps.db.transaction('usage', 'readwrite');
    const current = await tx.store.get([day, featureId, event]);
    await Promise.all([tx.store.put({ day, featureId, event, count: (current?.count ?? 0) + by }), tx.done]);
  }

  /**
   * Whether counters are recorded: the add-on's switch (on unless the user
   * turned it off) and, where Firefox has one, its data-collection consent.
   */
  async isEnabled(): Promise<boolean> {
    this.enabled ??= (await readHostValue(this.deps.db, 'telemetryEnabled')) ?? true;
    if (!this.enabled) return false;
    return (await this.deps.consent?.()) !== false;
  }

  /** Turns counters on or off; off also drops every count not yet sent. */
  async setEnabled(enabled: boolean): Promise<void> {
    this.enabled = enabled;
    if (enabled) {
      await writeHostValue(this.deps.db, 'telemetryEnabled', true);
      return;
    }
    const tx = this.deps.db.transaction(['channel', 'usage', 'outbox'], 'readwrite');
    await Promise.all([
      tx.objectStore('channel').put(false, 'telemetryEnabled'),
      tx.objectStore('usage').clear(),
      tx.objectStore('outbox').clear(),
      tx.done,
    ]);
  }

  /** Drops every count not yet sent, leaving the switch as it is (consent was withdrawn in Firefox). */
  async dropQueued(): Promise<void> {
    const tx = this.deps.db.transaction(['usage', 'outbox'], 'readwrite');
    await Promise.all([tx.objectStore('usage').clear(), tx.objectStore('outbox').clear(), tx.done]);
  }
}
