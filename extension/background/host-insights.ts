/**
 * What the host tells people about itself, beside its own work: the change
 * log behind the toolbar badge and "What's new", the beta server's
 * reachability, and the diagnostics QA copy into a bug report. The host
 * controller makes one, hands it its fetch and logger to watch, and calls
 * afterReconcile after every plan is applied; the request table answers
 * from it.
 *
 * @example
 * const insights = new HostInsights(browser, buildConfig);
 * const fetchImpl = insights.reachability.wrap(globalThis.fetch);
 * insights.useState((await readWakeState(db, browser.storage.local)).state);
 * await host.reconcile(decisions);
 * await insights.afterReconcile(decisions, registry);
 */
import type { HostDb } from '../db';
import type { StateArea } from '../host-state';
import type { HostStatus } from '../messages';
import type { BrowserApi } from '../runtime/browser-api';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { readEnvironment } from '../runtime/environment';
import { readLedger } from '../runtime/feature-state';
import type { PlanDecision } from '../../protocol/planner';
import { ChangeLog, type ChangeLogBrowser } from './change-log';
import { captureErrors, type DiagnosticsData, type RecentError } from './diagnostics';
import { ServerReachability } from './server-reachability';

type InsightsBrowser = Pick<BrowserApi, 'runtime' | 'i18n'>;

/** What diagnostics name from the build: its version. */
export interface InsightsConfig {
  hostVersion: string;
}

export class HostInsights {
  readonly errors: RecentError[] = [];
  /** Made by useState, once the wake has read the host's state. */
  changes!: ChangeLog;
  readonly reachability: ServerReachability;
  private state: StateArea | null = null;

  constructor(
    private readonly browser: InsightsBrowser,
    private readonly config: InsightsConfig,
    private readonly log: { warn(...args: unknown[]): void } = console,
  ) {
    // Made at once: the fetch it wraps is handed out before the host's state is read.
    this.reachability = new ServerReachability(null, undefined, log);
  }

  /** Keeps the change log and the server's reachability in the host's state, read on this wake. */
  useState(state: StateArea): void {
    this.state = state;
    this.changes = new ChangeLog(pickChangeLogBrowser(this.browser, state), this.log);
    this.reachability.load(state);
  }

  /** The logger, keeping its errors for diagnostics. */
  watchLog<L extends { error(...args: unknown[]): void }>(log: L): L {
    return captureErrors(log, this.errors);
  }

  /** Records what the reconcile changed for the user. */
  async afterReconcile(decisions: readonly PlanDecision[], registry: readonly RegisteredFeature[]): Promise<void> {
    const names = (id: string) => registry.find((feature) => feature.id === id)?.name ?? id;
    await this.changes.record(decisions, await readLedger(this.state!), names);
  }

  /** The status with what the host learnt about reaching the server. */
  async withServer(status: HostStatus): Promise<HostStatus> {
    return { ...status, server: await this.reachability.snapshot() };
  }

  /** What a bug report needs: the status, this browser, the keys the manifest in force is signed with, the last errors. */
  async diagnose(status: HostStatus, db: HostDb): Promise<DiagnosticsData> {
    const [environment, cached] = await Promise.all([readEnvironment(this.browser, this.config.hostVersion), db.get('manifest', 'current')]);
    // Only ids the key document in force lists as manifest keys: the envelope may carry any string.
    const keyIds = readSignatureKeyIds(cached?.envelopeText).filter((id) => status.keys?.manifestKeyIds.includes(id));
    return { status, environment, keyIds, errors: [...this.errors] };
  }
}

/** The key ids the stored envelope is signed with, as the envelope lists them. */
function readSignatureKeyIds(envelopeText: string | undefined): string[] {
  if (!envelopeText) return [];
  try {
    const envelope = JSON.parse(envelopeText) as { signatures?: Array<{ keyId?: unknown }> };
    return (envelope.signatures ?? []).map((signature) => signature.keyId).filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

/**
 * The badge and notification APIs where this browser has them: the typed
 * BrowserApi knows notifications only as events that features listen to.
 */
function pickChangeLogBrowser(browser: InsightsBrowser, state: StateArea): ChangeLogBrowser {
  const loose = browser as unknown as Partial<ChangeLogBrowser>;
  return {
    storage: { local: state },
    runtime: browser.runtime,
    ...(typeof loose.action?.setBadgeText === 'function' ? { action: loose.action } : {}),
    ...(typeof loose.notifications?.create === 'function' ? { notifications: loose.notifications } : {}),
  };
}
