/**
 * Builds the FeatureContext: the only door from a feature to the browser.
 * Every registration goes into the feature's DisposableStore, so that the
 * host can undo all of it, and every persistent resource is named after the
 * feature (resource-names.ts) so that it can be swept even without the store.
 */
import { HostError } from '../errors';
import type { BrowserApi } from './browser-api';
import { DisposableStore, toDisposable } from './disposable';
import type { EventBus } from './event-bus';
import type { AlarmSpec, ContentScriptSpec, Disposable, FeatureContext, FeatureStorage, Logger, MenuSpec, ServicesInit, WindowTarget } from './feature-api';
import type { FeatureEventName } from '../../protocol/feature-events';
import { HOST_EVENT_PREFIX } from '../../protocol/exit-criteria';
import { toFeatureMessageKey } from '../../protocol/feature-messages';
import { toResourceName, toStorageKey, toStoragePrefix } from './resource-names';

/** Counts usage events; implemented in IndexedDB by the telemetry module. */
export interface UsageRecorder {
  count(featureId: string, event: string, by: number): Promise<void>;
}

/** Calls the beta server's services as the signed-in beta account. */
export interface ServicesClient {
  fetch(featureId: string, path: string, init?: ServicesInit): Promise<Response>;
}

export interface FeatureContextOptions {
  featureId: string;
  version: string;
  browser: BrowserApi;
  store: DisposableStore;
  /** The events the feature declared in feature.json: only these wake the page. */
  declaredEvents: readonly FeatureEventName[];
  eventBus: EventBus;
  usage: UsageRecorder;
  services: ServicesClient;
  log: Logger;
}

/** The host's health signals (host-health.ts), loaded only when one is needed: the "host/health" chunk. */
export const loadHealth = () => import(/* webpackChunkName: "host/health" */ './host-health');

/** Bus channels the host routes to features. */
export const messageChannel = (featureId: string): string => `message:${featureId}`;
export const menuChannel = (menuId: string): string => `menu:${menuId}`;
export const alarmChannel = (alarmName: string): string => `alarm:${alarmName}`;
export const popupChannel = (featureId: string): string => `popup:${featureId}`;

/** What the host asks of a feature's popup actions, on its popup channel. */
export type PopupRequest = { kind: 'list' } | { kind: 'run'; actionId: string };

const WEB_ADDRESS = /^https?:\/\//i;

const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkLocalName(featureId: string, kind: string, name: string): void {
  if (!LOCAL_NAME.test(name)) {
    const message = `Feature "${featureId}": ${kind} name "${name}" must be 1–64 characters of A-Z, a-z, 0-9, ".", "_" and "-"`;
    throw new HostError('invalid-name', message, { subject: featureId });
  }
}

/**
 * Resolves a content script path given relative to the feature folder
 * ("content/badge.js") to its place in the add-on
 * ("features/<id>/content/badge.js"), refusing anything that would reach
 * outside the folder.
 */
export function resolveFeaturePath(featureId: string, path: string): string {
  const parts = path.split('/');
  const escapes =
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\\') ||
    /^[a-z][a-z0-9+.-]*:/i.test(path) ||
    parts.some((part) => part === '..' || part === '.' || part === '');
  if (escapes) {
    const message = `Feature "${featureId}": content script path "${path}" must be relative to the feature folder and stay inside it`;
    throw new HostError('invalid-path', message, { subject: featureId });
  }
  return `features/${featureId}/${path}`;
}

/** The feature's logger, tagged with its id; an error it logs is a health signal (host.error). */
function prefixLogger(options: FeatureContextOptions): Logger {
  const { featureId, log } = options;
  const tag = `[feature ${featureId}]`;
  // Counted once per install and version anyway (host-health.ts): one look per page life is enough.
  let counted = false;
  return {
    debug: (...args) => log.debug(tag, ...args),
    info: (...args) => log.info(tag, ...args),
    warn: (...args) => log.warn(tag, ...args),
    error: (...args) => {
      log.error(tag, ...args);
      if (!counted) void loadHealth().then((health) => health.countLoggedError(options), () => undefined);
      counted = true;
    },
  };
}

function createFeatureStorage(featureId: string, storage: BrowserApi['storage']['local']): FeatureStorage {
  const prefix = toStoragePrefix(featureId);
  return {
    async get<T>(key: string) {
      const fullKey = toStorageKey(featureId, key);
      return (await storage.get(fullKey))[fullKey] as T | undefined;
    },
    set: (key, value) => storage.set({ [toStorageKey(featureId, key)]: value }),
    remove: (key) => storage.remove(toStorageKey(featureId, key)),
    async keys() {
      return Object.keys(await storage.get(null))
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length))
        .sort();
    },
  };
}

/** Adds a disposable to the store and forgets it there once it is disposed by hand. */
function trackOnce(store: DisposableStore, undo: () => void | Promise<void>): Disposable {
  const disposable: Disposable = toDisposable(async () => {
    store.delete(disposable);
    await undo();
  });
  return store.add(disposable);
}

async function registerContentScript(options: FeatureContextOptions, spec: ContentScriptSpec): Promise<Disposable> {
  const { featureId, browser } = options;
  checkLocalName(featureId, 'content script', spec.id);
  const id = toResourceName(featureId, spec.id);
  const registration = {
    id,
    matches: spec.matches,
    ...(spec.excludeMatches ? { excludeMatches: spec.excludeMatches } : {}),
    ...(spec.js ? { js: spec.js.map((p) => resolveFeaturePath(featureId, p)) } : {}),
    ...(spec.css ? { css: spec.css.map((p) => resolveFeaturePath(featureId, p)) } : {}),
    runAt: spec.runAt ?? 'document_idle',
    allFrames: spec.allFrames ?? false,
  };
  // Registered scripts outlive the event page: after a wake, update instead of failing on a duplicate id.
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [id] });
  if (existing.length > 0) await browser.scripting.updateContentScripts([registration]);
  else await browser.scripting.registerContentScripts([{ ...registration, persistAcrossSessions: true }]);
  return trackOnce(options.store, async () => {
    const still = await browser.scripting.getRegisteredContentScripts({ ids: [id] });
    if (still.length > 0) await browser.scripting.unregisterContentScripts({ ids: [id] });
  });
}

async function createMenu(options: FeatureContextOptions, spec: MenuSpec): Promise<Disposable> {
  const { featureId, browser, eventBus } = options;
  checkLocalName(featureId, 'menu', spec.id);
  const id = toResourceName(featureId, spec.id);
  await new Promise<void>((resolve, reject) => {
    browser.menus.create(
      { id, title: spec.title, contexts: spec.contexts, ...(spec.documentUrlPatterns ? { documentUrlPatterns: spec.documentUrlPatterns } : {}) },
      () => {
        const error = browser.runtime.lastError;
        if (!error) return resolve();
        const message = `Feature "${featureId}": menu "${spec.id}" could not be created: ${error.message ?? 'unknown error'}`;
        reject(new HostError('menu-failed', message, { subject: featureId }));
      },
    );
  });
  const route = eventBus.on(menuChannel(id), featureId, (info, tab) => spec.onClick({ ...info, menuItemId: spec.id }, tab));
  return trackOnce(options.store, async () => {
    await route.dispose();
    await browser.menus.remove(id);
  });
}

async function createAlarm(options: FeatureContextOptions, name: string, spec: AlarmSpec, onAlarm: () => void | Promise<void>): Promise<Disposable> {
  const { featureId, browser, eventBus } = options;
  checkLocalName(featureId, 'alarm', name);
  const fullName = toResourceName(featureId, name);
  // Alarms outlive the event page; re-creating one on every wake would push it back forever.
  const existing = (await browser.alarms.getAll()).find((alarm) => alarm.name === fullName);
  const samePeriod = existing !== undefined && existing.periodInMinutes === spec.periodInMinutes;
  if (!samePeriod) await browser.alarms.create(fullName, spec);
  const route = eventBus.on(alarmChannel(fullName), featureId, () => onAlarm());
  return trackOnce(options.store, async () => {
    await route.dispose();
    await browser.alarms.clear(fullName);
  });
}

function createTabs(options: FeatureContextOptions): FeatureContext['tabs'] {
  const { featureId, browser } = options;
  const where = (target: WindowTarget) => (target.windowId === undefined ? { currentWindow: true } : { windowId: target.windowId });
  return {
    async list(target) {
      const tabs = await browser.tabs.query(where(target));
      return tabs.filter((tab) => WEB_ADDRESS.test(tab.url ?? '')).map((tab) => ({ url: tab.url!, title: tab.title ?? '', pinned: tab.pinned === true }));
    },
    async open(tabs, target) {
      // Checked before any tab opens: a refused address opens none.
      const refused = tabs.find((tab) => !WEB_ADDRESS.test(tab.url));
      if (refused) {
        throw new HostError('invalid-url', `Feature "${featureId}" may open only http(s) addresses, not "${refused.url}"`, { subject: featureId });
      }
      for (const tab of tabs) {
        await browser.tabs.create({ url: tab.url, pinned: tab.pinned === true, active: false, ...(target.windowId === undefined ? {} : { windowId: target.windowId }) });
      }
    },
  };
}

/**
 * @example
 * const store = new DisposableStore(log, 'reading-time');
 * const ctx = createFeatureContext({ featureId: 'reading-time', version: '1.0.0', browser, store,
 *   declaredEvents: ['tabs.onUpdated'], eventBus, usage, services, log });
 * await definition.activate(ctx);
 * await store.dispose(); // every listener, script, menu and alarm is gone
 */
export function createFeatureContext(options: FeatureContextOptions): FeatureContext {
  const { featureId, version, browser, store, declaredEvents, eventBus, usage, services } = options;
  const log = prefixLogger(options);
  return {
    id: featureId,
    version,
    log,
    storage: createFeatureStorage(featureId, browser.storage.local),
    usage: {
      async count(event, by = 1) {
        try {
          // The host's own health counters would be worthless if a feature could send them.
          if (String(event).startsWith(HOST_EVENT_PREFIX)) {
            throw new HostError('reserved-event', 'reserved for the host', { subject: featureId });
          }
          await usage.count(featureId, event, by);
        } catch (error) {
          // Counting is best effort: it must never break the feature that counts.
          log.warn(`usage counter "${event}" was not recorded`, error);
        }
      },
    },
    events: {
      on(event, listener) {
        if (!declaredEvents.includes(event)) {
          throw new HostError(
            'undeclared-event',
            `Feature "${featureId}" listens to "${event}" but its feature.json does not declare it in "events" (undeclared events do not wake the background page)`,
            { subject: featureId },
          );
        }
        const route = eventBus.on(event, featureId, listener);
        return trackOnce(store, () => route.dispose());
      },
    },
    messages: {
      onMessage(handler) {
        const route = eventBus.on(messageChannel(featureId), featureId, handler);
        return trackOnce(store, () => route.dispose());
      },
    },
    contentScripts: { register: (spec) => registerContentScript(options, spec) },
    menus: { create: (spec) => createMenu(options, spec) },
    alarms: { create: (name, spec, onAlarm) => createAlarm(options, name, spec, onAlarm) },
    tabs: createTabs(options),
    popup: {
      offer(actions) {
        const route = eventBus.on(popupChannel(featureId), featureId, (request: PopupRequest, target: WindowTarget) =>
          request.kind === 'list' ? actions.list(target) : actions.run(request.actionId, target),
        );
        return trackOnce(store, () => route.dispose());
      },
    },
    services: { fetch: (path, init) => services.fetch(featureId, path, init) },
    i18n: {
      getMessage(key, substitutions) {
        const list = substitutions === undefined ? undefined : (typeof substitutions === 'object' ? [...substitutions] : [substitutions]).map(String);
        return browser.i18n.getMessage(toFeatureMessageKey(featureId, key), list) || `[${key}]`;
      },
    },
    track: (disposable) => store.add(disposable),
  };
}
