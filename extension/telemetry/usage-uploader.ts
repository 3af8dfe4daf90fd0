/**
 * Sends usage counters to the beta server in batches. Counts move into an
 * outbox batch with a fixed id before the first attempt, so a failed send is
 * retried with the same id (the server ignores a batch it already has) and
 * nothing is lost or counted twice.
 *
 * @example
 * const uploader = new UsageUploader({ db, server, installId: () => readUnit() });
 * const { sent, queued } = await uploader.flush();
 */
import { formatUtcDay, type HostDb, type OutboxBatch, type UsageCount } from '../db';
import type { BetaServerClient } from '../channel/beta-server-client';
import { MAX_COUNTS_PER_BATCH, USAGE_PATH } from '../../protocol/telemetry-limits';
import { postJson, sendQueued, type SendResult } from './post-json';

export interface UsageUploaderDeps {
  db: HostDb;
  server: BetaServerClient;
  installId: () => Promise<string>;
  now?: () => Date;
  randomUUID?: () => string;
  log?: Pick<Console, 'warn'>;
}

/** Batches sent, still queued, or refused for good. */
export type FlushResult = SendResult;

export class UsageUploader {
  constructor(private readonly deps: UsageUploaderDeps) {}

  /** Moves today's and earlier counts into the outbox, then sends every outbox batch, oldest first. */
  async flush(): Promise<FlushResult> {
    await this.moveCountsToOutbox();
    const batches = (await this.deps.db.getAll('outbox')).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (batches.length === 0) return { sent: 0, queued: 0, dropped: 0 };
    const installId = await this.deps.installId();
    return sendQueued(
      batches,
      (batch) =>
        postJson(this.deps.server, USAGE_PATH, {
          batchId: batch.batchId,
          installId,
          counts: batch.counts.map(({ day, featureId, event, count }) => ({ day, featureId, event, count })),
        }),
      (batch) => this.deps.db.delete('outbox', batch.batchId),
      (batch, message) => (this.deps.log ?? console).warn(`usage batch ${batch.batchId} dropped: ${message}`),
    );
  }

  /** One transaction, so a count is either still counting or in exactly one batch. */
  private async moveCountsToOutbox(): Promise<void> {
    const now = (this.deps.now ?? (() => new Date()))();
    const today = formatUtcDay(now);
    const newId = this.deps.randomUUID ?? (() => crypto.randomUUID());
    const tx = this.deps.db.transaction(['usage', 'outbox'], 'readwrite');
    const usage = tx.objectStore('usage');
    const due = (await usage.getAll()).filter((count) => count.day <= today);
    const pending: Array<Promise<unknown>> = due.map((count) => usage.delete([count.day, count.featureId, count.event]));
    for (let start = 0; start < due.length; start += MAX_COUNTS_PER_BATCH) {
      const counts: UsageCount[] = due.slice(start, start + MAX_COUNTS_PER_BATCH);
      const batch: OutboxBatch = { batchId: newId(), createdAt: now.toISOString(), counts };
      pending.push(tx.objectStore('outbox').put(batch));
    }
    await Promise.all([...pending, tx.done]);
  }
}
