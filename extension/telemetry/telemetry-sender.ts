/**
 * Sends what is queued: usage counters (only while they are allowed) and
 * feedback (with the beta-account token when signed in, so deleting the
 * account erases it). Sends run one at a time, so no item is posted twice;
 * whatever fails stays queued for the next try.
 */
import type { Logger } from '../runtime/feature-api';
import { SerialQueue } from '../runtime/serial-queue';
import type { TelemetrySendResult } from '../messages';
import type { FeedbackQueue } from './feedback-queue';
import type { UsageRecorder } from './usage-recorder';
import type { UsageUploader } from './usage-uploader';

export interface TelemetrySenderDeps {
  usage: Pick<UsageRecorder, 'isEnabled'>;
  uploader: Pick<UsageUploader, 'flush'>;
  feedback: Pick<FeedbackQueue, 'flush'>;
  /** The signed-in session's token, or null. */
  token(): Promise<string | null>;
  log: Pick<Logger, 'warn'>;
}

const NOTHING = { sent: 0, queued: 0, dropped: 0 };

export class TelemetrySender {
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: TelemetrySenderDeps) {}

  send(): Promise<TelemetrySendResult> {
    return this.queue.run(() => this.sendNow());
  }

  private async sendNow(): Promise<TelemetrySendResult> {
    const token = await this.deps.token();
    const [usage, feedback] = await Promise.allSettled([
      this.deps.usage.isEnabled().then((enabled) => (enabled ? this.deps.uploader.flush() : NOTHING)),
      this.deps.feedback.flush(token ? { token } : {}),
    ]);
    const settle = (result: PromiseSettledResult<TelemetrySendResult['usage']>, what: string) => {
      if (result.status === 'fulfilled') return result.value;
      this.deps.log.warn(`${what} upload failed; kept queued`, result.reason);
      return NOTHING;
    };
    return { usage: settle(usage, 'usage'), feedback: settle(feedback, 'feedback') };
  }
}
