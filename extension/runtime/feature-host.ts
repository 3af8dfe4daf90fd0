/**
 * The feature host: reconciles the planned features against the installed ones, owns every feature's
 * lifecycle, and routes browser events, messages, menu clicks and alarms to the features that registered for them.
 *
 * Crash safety: each install/uninstall writes its intent to the ledger (feature-state.ts) before any work,
 * and restore() completes or rolls back whatever a killed browser left behind. Isolation: every feature hook
 * runs with a timeout and inside try/catch, so one feature throwing, hanging or leaking never takes another down.
 */
import { HostError } from '../errors';
import type { BrowserApi } from './browser-api';
import { EventBus } from './event-bus';
import type { Logger, MenuClickInfo, MessageSender, TabInfo } from './feature-api';
import { alarmChannel, menuChannel, messageChannel, type ServicesClient, type UsageRecorder } from './feature-context';
import { describeError, fetchAddonFile, toExpectedHashes, type ExpectedHashes, type FetchFile } from './feature-loader';
import { runUninstallHook, startFeature, stopFeature, type RunnerDeps, type RunningFeature } from './feature-runner';
import type { RegisteredFeature } from './feature-registry';
import { deleteFeatureRecord, readLedger, writeFeatureRecord, type FeatureRecord, type Ledger } from './feature-state';
import type { PlanDecision } from '../../protocol/planner';
import { findResourceOwner, sweepFeatureResources, sweepResources, wipeFeatureStorage } from './resource-names';
import { SerialQueue } from './serial-queue';
import type { FeatureMessage } from '../messages';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import type { ManifestFeature } from '../../protocol/manifest-schema';

export interface FeatureHostOptions {
  browser: BrowserApi;
  registry: RegisteredFeature[];
  /** Reads a file of the add-on; defaults to fetch(browser.runtime.getURL(path)). */
  fetchFile?: FetchFile;
  verifiedFiles?: RunnerDeps['verifiedFiles'];
  usage: UsageRecorder;
  services: ServicesClient;
  log: Logger;
  /** How long install/activate/deactivate/uninstall hooks may take (default 5 s). */
  activateTimeoutMs?: number;
  /** The in-memory bus the background feeds; one per page life. */
  eventBus?: EventBus;
  /** Where the ledger is kept: the host's state (host-state.ts); browser.storage.local when absent. */
  state?: BrowserApi['storage']['local'];
  now?: () => Date;
}

/**
 * @example
 * const host = new FeatureHost({ browser, registry: featureRegistry, usage, services, log: console });
 * void host.restore(); // on every wake, before anything else
 * await host.reconcile(await planFeatures({ manifest, registry: featureRegistry, ... }));
 */
export class FeatureHost {
  readonly eventBus: EventBus;
  private readonly browser: BrowserApi;
  private readonly ledger: BrowserApi['storage']['local'];
  private readonly registry: RegisteredFeature[];
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly deps: RunnerDeps;
  private readonly active = new Map<string, RunningFeature>();
  private readonly queue = new SerialQueue();
  private readonly restored: Promise<void>;
  private markRestored: () => void = () => undefined;

  constructor(options: FeatureHostOptions) {
    this.browser = options.browser;
    this.ledger = options.state ?? options.browser.storage.local;
    this.registry = options.registry;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.eventBus = options.eventBus ?? new EventBus(options.log);
    this.deps = {
      browser: options.browser,
      eventBus: this.eventBus,
      usage: options.usage,
      services: options.services,
      log: options.log,
      fetchFile: options.fetchFile ?? fetchAddonFile(options.browser),
      timeoutMs: options.activateTimeoutMs ?? 5000,
      ...(options.verifiedFiles ? { verifiedFiles: options.verifiedFiles } : {}),
    };
    this.restored = new Promise((resolve) => (this.markRestored = resolve));
  }

  /**
   * On every wake: completes interrupted intents, re-activates the installed
   * features from local state (no network), then removes orphaned resources.
   */
  restore(): Promise<void> {
    return this.enqueue(() => this.restoreNow()).finally(() => this.markRestored());
  }

  /** Resolves once restore() has finished; dispatching waits for it. */
  whenRestored(): Promise<void> {
    return this.restored;
  }

  /** Applies a plan; reconciles run one at a time, in call order. */
  reconcile(decisions: PlanDecision[]): Promise<void> {
    return this.enqueue(async () => {
      for (const decision of decisions) {
        try {
          if (decision.action === 'install' && decision.entry) await this.installNow(decision.entry);
          else if (decision.action === 'disable') await this.disableNow(decision.id);
          else if (decision.action === 'uninstall') await this.uninstallNow(decision.id);
        } catch (error) {
          this.log.error(`feature ${decision.id}: ${decision.action} failed`, error);
        }
      }
    });
  }

  /** Installs (or upgrades, or re-enables) one feature; a failure is recorded as state 'failed'. */
  install(entry: ManifestFeature): Promise<void> {
    return this.enqueue(() => this.installNow(entry));
  }

  /** Stops a feature and keeps its data. */
  disable(id: string): Promise<void> {
    return this.enqueue(() => this.disableNow(id));
  }

  /** Stops a feature, runs its uninstall hook and wipes everything it had. */
  uninstall(id: string): Promise<void> {
    return this.enqueue(() => this.uninstallNow(id));
  }

  /** Delivers a browser event (fed by the background's top-level listeners) to the features listening. */
  async dispatchEvent(name: string, args: unknown[]): Promise<void> {
    await this.restored;
    await this.eventBus.emit(name, args);
  }

  /** Delivers a content script's message to its feature and returns the feature's answer. */
  async dispatchMessage(message: FeatureMessage, sender: MessageSender): Promise<unknown> {
    await this.restored;
    const channel = messageChannel(message.featureId);
    if (!this.active.has(message.featureId) || !this.eventBus.hasListeners(channel)) {
      const text = `Feature "${message.featureId}" is not installed or does not listen to messages`;
      throw new HostError('not-listening', text, { subject: message.featureId });
    }
    const results = await this.eventBus.emit(channel, [message.payload, sender]);
    const answer = results.find((r) => r.ok && r.value !== undefined);
    if (answer?.ok) return answer.value;
    const failure = results.find((r) => !r.ok);
    if (failure && !failure.ok) throw failure.error;
    return undefined;
  }

  /** Routes a menus.onClicked event; false when the menu is not a feature's. */
  async dispatchMenuClick(info: MenuClickInfo | { menuItemId: string | number }, tab: TabInfo | undefined): Promise<boolean> {
    await this.restored;
    const channel = menuChannel(String(info.menuItemId));
    if (findResourceOwner(String(info.menuItemId)) === null || !this.eventBus.hasListeners(channel)) return false;
    await this.eventBus.emit(channel, [info, tab]);
    return true;
  }

  /** Routes an alarms.onAlarm event; false when the alarm is not a feature's. */
  async dispatchAlarm(alarm: { name: string }): Promise<boolean> {
    await this.restored;
    const channel = alarmChannel(alarm.name);
    if (findResourceOwner(alarm.name) === null || !this.eventBus.hasListeners(channel)) return false;
    await this.eventBus.emit(channel, []);
    return true;
  }

  /** The ledger: every feature the host knows about, with its state and last error. */
  getStates(): Promise<Ledger> {
    return readLedger(this.ledger);
  }

  /** Ids of the features running in this page life. */
  getActiveIds(): string[] {
    return [...this.active.keys()].sort();
  }

  /**
   * Deactivates and disposes every running feature without touching the
   * ledger (tests; the add-on being turned off). Not for the page's
   * suspension: that must keep alarms and content scripts registered.
   */
  shutdown(): Promise<void> {
    return this.enqueue(async () => {
      for (const id of [...this.active.keys()]) await this.stop(id);
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private findRegistered(id: string): RegisteredFeature | undefined {
    return this.registry.find((feature) => feature.id === id);
  }

  private async restoreNow(): Promise<void> {
    const ledger = await readLedger(this.ledger);
    this.log.info(`host: restoring ${Object.keys(ledger).length} feature record(s)`);
    for (const [id, record] of Object.entries(ledger)) {
      try {
        if (record.state === 'installing') {
          this.log.warn(`feature ${id}: install was interrupted; rolling back`);
          await sweepFeatureResources(this.browser, id);
          await writeFeatureRecord(this.ledger, id, { ...record, state: 'failed', error: 'interrupted: the browser stopped during install' });
        } else if (record.state === 'uninstalling') {
          this.log.warn(`feature ${id}: uninstall was interrupted; finishing it`);
          await this.uninstallNow(id);
        }
      } catch (error) {
        this.log.error(`feature ${id}: could not complete an interrupted ${record.state}`, error);
      }
    }
    // Menus survive the page but their click handlers do not: start from none, features re-create theirs.
    if (this.active.size === 0) await this.browser.menus.removeAll().catch((e: unknown) => this.log.warn('host: menus.removeAll failed', e));
    for (const [id, record] of Object.entries(await readLedger(this.ledger))) {
      if (record.state !== 'installed' || this.active.has(id)) continue;
      const registered = this.findRegistered(id);
      try {
        if (!registered) throw new HostError('not-in-build', `Feature "${id}" is not in this build`, { subject: id });
        await this.start(registered, toExpectedHashes(registered, record), record.version, false);
        this.log.info(`feature ${id}: restored ${record.version}`);
      } catch (error) {
        this.log.error(`feature ${id}: restore failed`, error);
        await writeFeatureRecord(this.ledger, id, { ...record, state: 'failed', error: describeError(error) });
      }
    }
    const swept = await sweepResources(this.browser, (owner) => !this.active.has(owner));
    if (swept.length > 0) this.log.info(`host: removed orphaned ${swept.join(', ')}`);
  }

  private async installNow(entry: ManifestFeature): Promise<void> {
    const { id } = entry;
    const previous = (await readLedger(this.ledger))[id];
    const registered = this.findRegistered(id);
    if (!registered) {
      this.log.warn(`feature ${id}: not in this build; not installing`);
      return;
    }
    const running = this.active.get(id);
    if (running && running.sha256 === entry.sha256 && running.version === entry.version) {
      this.log.debug(`feature ${id}: ${entry.version} already installed`);
      return;
    }
    if (running) await this.stop(id);
    const installedAt = previous?.installedAt ?? null;
    const record: FeatureRecord = { state: 'installing', version: entry.version, sha256: entry.sha256, files: entry.files ?? [], installedAt };
    await writeFeatureRecord(this.ledger, id, record);
    this.log.info(`feature ${id}: installing ${entry.version}${installedAt === null ? ' (first install)' : ''}`);
    try {
      await this.start(registered, toExpectedHashes(registered, record), entry.version, installedAt === null);
    } catch (error) {
      await sweepFeatureResources(this.browser, id).catch((e: unknown) => this.log.warn(`feature ${id}: sweep failed`, e));
      await writeFeatureRecord(this.ledger, id, { ...record, state: 'failed', error: describeError(error) });
      this.log.error(`feature ${id}: install failed and was rolled back`, error);
      // Once per version, not per retry: the server reads it as "this install failed" (exit-criteria.ts).
      if (previous?.state !== 'failed' || previous.version !== entry.version) await this.deps.usage.count(id, HOST_EVENTS.installFailed, 1).catch(() => undefined);
      return;
    }
    await writeFeatureRecord(this.ledger, id, { ...record, state: 'installed', installedAt: installedAt ?? this.now().toISOString() });
    this.log.info(`feature ${id}: installed ${entry.version}`);
  }

  private async disableNow(id: string): Promise<void> {
    const previous = (await readLedger(this.ledger))[id];
    if (!previous && !this.active.has(id)) return;
    if (this.active.has(id)) await this.stop(id);
    await sweepFeatureResources(this.browser, id);
    if (previous && previous.state !== 'disabled') {
      const { error: _error, ...rest } = previous;
      await writeFeatureRecord(this.ledger, id, { ...rest, state: 'disabled' });
      this.log.info(`feature ${id}: disabled (data kept)`);
    }
  }

  private async uninstallNow(id: string): Promise<void> {
    const previous = (await readLedger(this.ledger))[id];
    const running = this.active.get(id);
    if (!previous && !running) return;
    const record: FeatureRecord = previous ?? { state: 'installed', version: running!.version, sha256: running!.sha256, installedAt: null };
    await writeFeatureRecord(this.ledger, id, { ...record, state: 'uninstalling' });
    this.log.info(`feature ${id}: uninstalling`);
    if (running) await this.stop(id);
    const registered = this.findRegistered(id);
    if (registered) await runUninstallHook(this.deps, registered, toExpectedHashes(registered, record), record.version, running?.definition);
    const swept = await sweepFeatureResources(this.browser, id);
    const wiped = await wipeFeatureStorage(this.browser.storage.local, id);
    await deleteFeatureRecord(this.ledger, id);
    this.log.info(`feature ${id}: uninstalled (${swept.length} resource(s) swept, ${wiped.length} key(s) wiped)`);
  }

  private async start(registered: RegisteredFeature, expected: ExpectedHashes, version: string, firstInstall: boolean): Promise<void> {
    this.active.set(registered.id, await startFeature(this.deps, registered, expected, version, firstInstall));
  }

  private async stop(id: string): Promise<void> {
    const running = this.active.get(id);
    if (!running) return;
    this.active.delete(id);
    await stopFeature(this.deps, id, running);
  }
}
