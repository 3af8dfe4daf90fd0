/**
 * The composition root of the event page. Firefox runs the page afresh on
 * every wake: createHostController registers every listener that must wake it
 * at once, synchronously, and start() restores the installed features from
 * local state before anything is dispatched to them, with no network request.
 */
import { HostError } from '../errors';
import { isContentErrorMessage, isFeatureMessage, isHostRequest } from '../messages';
import type { AlarmInfo, BrowserEvent } from '../runtime/browser-api';
import { DisposableStore, toDisposable } from '../runtime/disposable';
import { loadHealth } from '../runtime/feature-context';
import type { Disposable, Logger, MessageSender, TabInfo } from '../runtime/feature-api';
import { readOrCreateUnit } from '../runtime/feature-state';
import { concernsUsageConsent } from '../telemetry/data-consent';
import { addDeclaredEventListeners } from './declared-events';
import { concernsFeatureConsent } from './feature-consent';
import { HostInsights } from './host-insights';
import { createHostParts, STAGE_ALARM, type HostControllerOptions, type HostParts, type MessageSenderInfo } from './host-parts';
import { answerHostRequest, type RequestContext } from './host-requests';
import { readHostStatus } from './host-status';
import { prefixedConsole } from './support';

export type { ControllerBrowser, HostControllerOptions } from './host-parts';

export const UPLOAD_ALARM = 'host:usage-upload';
const UPLOAD_PERIOD_MINUTES = 6 * 60;

/** The running host of one page life. Disposing it undoes what it registered. */
export interface HostController extends Disposable {
  /**
   * Restores the installed features, applies the cached manifest, then makes
   * sure polling is scheduled. Every listener calls it first; it runs once,
   * unless it fails before anything runs (IndexedDB or restore): then the
   * next event tries again instead of failing for the rest of the page's life.
   */
  start(): Promise<void>;
  /**
   * Removes the listeners, stops the features of this life (their ledger
   * untouched), clears the host's alarms and closes the database: the add-on
   * being turned off, or a test ending. Not for the page's suspension, which
   * must keep alarms and content scripts registered.
   */
  dispose(): Promise<void>;
}

/**
 * @example
 * // extension/background/main.ts, at top level:
 * const controller = createHostController({ browser, registry: featureRegistry, config: buildConfig });
 * void controller.start();
 */
export function createHostController(options: HostControllerOptions): HostController {
  const { browser } = options;
  const baseLog: Logger = options.log ?? prefixedConsole('[beta-channel]');
  const insights = new HostInsights(browser, options.config, baseLog);
  // The last errors go into diagnostics.
  const log = insights.watchLog(baseLog);
  const startedAt = new Date().toISOString();
  const listeners = new DisposableStore(log, 'host listeners');
  let ready: Promise<HostParts> | null = null;
  let startup: Promise<HostParts> | null = null;
  let stopped = false;

  const startNow = async (): Promise<HostParts> => {
    const parts = await createHostParts(options, log, insights);
    // Made once, before any page can ask for status: two racing first reads
    // would each make a different unit, and buckets must never move.
    await readOrCreateUnit(parts.state);
    await parts.installId();
    await parts.host.restore();
    parts.replanner.manifest = await parts.client.loadCached(parts.wake);
    // Read with the rest of the wake's state, in its one transaction.
    parts.replanner.halt = parts.wake.channel.halt?.payload ?? null;
    // Restored: from here on every event is dispatched, while planning and polling go on.
    ready = Promise.resolve(parts);
    try {
      await parts.replanner.replan();
      listeners.add(parts.account.onChange(() => parts.replanner.replan()));
      await parts.poller.start(parts.wake.channel);
      // A wake after the alarm was missed (browser closed, page asleep) checks at once: the kill switch must not wait another interval.
      if (!parts.replanner.manifest || (await parts.poller.isDue(parts.wake.channel))) void parts.poller.checkNow();
      // The server answers again after being out of reach: a failed manifest check need not wait for the next poll.
      parts.insights.reachability.onRecovered(() => void parts.poller.checkNow());
      await parts.insights.changes.restoreBadge();
      if (!(await browser.alarms.get(UPLOAD_ALARM))) {
        await browser.alarms.create(UPLOAD_ALARM, { delayInMinutes: 5, periodInMinutes: UPLOAD_PERIOD_MINUTES });
      }
    } catch (error) {
      // The installed features are restored and answer; planning or polling recovers on the next event.
      log.error('start-up after restore failed', error);
    }
    return parts;
  };

  const start = (): Promise<HostParts> => {
    if (stopped) return Promise.reject(new HostError('stopped', 'the host was turned off in this page'));
    if (ready) return ready;
    startup = startNow();
    ready = startup.catch((error: unknown) => {
      ready = null;
      log.error('the host could not start; the next event tries again', error);
      throw error;
    });
    return ready;
  };

  const requestContext = async (): Promise<RequestContext> => {
    const parts = await start();
    const storage = parts.state;
    const { config, registry } = options;
    const { permissions } = browser;
    return {
      parts,
      storage,
      permissions,
      registry,
      status: async () => parts.insights.withServer(await readHostStatus({ parts, storage, permissions, config, registry, startedAt })),
    };
  };

  const onAlarm = async (alarm: AlarmInfo): Promise<void> => {
    const parts = await start();
    if (await parts.poller.handleAlarm(alarm)) return;
    if (alarm.name === UPLOAD_ALARM) await parts.telemetry.send();
    else if (alarm.name === STAGE_ALARM) await parts.replanner.replan();
    else await parts.host.dispatchAlarm(alarm);
  };

  const listen = <L extends (...args: any[]) => any>(event: BrowserEvent<L>, listener: L): void => {
    event.addListener(listener);
    listeners.add(toDisposable(() => event.removeListener(listener)));
  };

  // runtime.onMessage: returns undefined (not a promise) for messages that are not ours, so other listeners can answer them.
  listen(browser.runtime.onMessage, (message: unknown, sender: MessageSenderInfo) => {
    if (isFeatureMessage(message)) return start().then(({ host }) => host.dispatchMessage(message, sender as MessageSender));
    // Only the add-on's own content scripts can send here; a page cannot.
    if (isContentErrorMessage(message) && sender.id === browser.runtime.id) {
      return Promise.all([start(), loadHealth()]).then(([parts, health]) => health.countContentError(message, parts, options.registry, browser));
    }
    if (!isHostRequest(message)) return undefined;
    return answerHostRequest(message, sender, { runtime: browser.runtime, start: requestContext });
  });
  listen(browser.menus.onClicked, (info, tab) => start().then(({ host }) => host.dispatchMenuClick(info, tab as TabInfo | undefined)));
  listen(browser.alarms.onAlarm, onAlarm);
  listen(browser.runtime.onInstalled, (details) => {
    if (details.reason === 'install' && !details.temporary) {
      // Once, for a new beta user: what the channel is, and the consent it asks for.
      void browser.tabs.create({ url: browser.runtime.getURL('ui/welcome.html') });
    }
    // After an update of the add-on its chunks are new, while the cached manifest still carries
    // the hashes of the old ones: ask for a manifest for this build at once, not at the next poll.
    if (details.reason === 'update') return start().then(({ poller }) => poller.checkNow());
    return undefined;
  });
  if (browser.permissions) {
    const { registry } = options;
    // The user withdrew data-collection consent in Firefox (QA panel, popup or about:addons): what was
    // counted and not yet sent is dropped, and a feature that sends what is no longer allowed is uninstalled.
    listen(browser.permissions.onRemoved, (removed) => {
      const usage = concernsUsageConsent(removed);
      const features = concernsFeatureConsent(removed, registry);
      if (!usage && !features) return undefined;
      return start().then(async (parts) => {
        if (usage) await parts.usage.dropQueued();
        // Planning again also clears the uninstall URL once counters are no longer allowed.
        await parts.replanner.replan();
      });
    });
    // Granted in about:addons, where no page of ours sees it: the features waiting for it are installed.
    listen(browser.permissions.onAdded, (added) => {
      if (concernsFeatureConsent(added, registry) || concernsUsageConsent(added)) return start().then(({ replanner }) => replanner.replan());
      return undefined;
    });
  }
  listeners.add(addDeclaredEventListeners(browser, options.registry, (name, args) => start().then(({ host }) => host.dispatchEvent(name, args))));

  const dispose = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await listeners.dispose();
    const parts = await startup?.catch(() => null);
    if (!parts) return;
    await parts.replanner.stop();
    await parts.host.shutdown();
    await parts.poller.stop();
    await browser.alarms.clear(UPLOAD_ALARM);
    await browser.alarms.clear(STAGE_ALARM);
    parts.db.close();
  };

  return { start: () => start().then(() => undefined), dispose };
}
