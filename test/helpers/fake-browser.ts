/**
 * An in-memory `browser` implementing BrowserApi, for unit tests. Every fake
 * made during a test is checked by test/setup.ts after the test: anything
 * still registered (listeners, content scripts, menus, alarms, listeners on
 * event buses made through the fake) fails the test by name.
 */
import type { AlarmInfo, BrowserApi, BrowserEvent, ContentScriptRegistration, MenuCreateProperties, StorageChange } from '../../extension/runtime/browser-api';
import { EventBus } from '../../extension/runtime/event-bus';
import { join } from 'node:path';
import { readLocaleMessages } from '../../build/locales';
import { createMessageLookup, lookupMessage, type MessageLookup } from '../../extension/i18n';
import { FEATURE_EVENTS, type FeatureEventName } from '../../protocol/feature-events';

export interface FakeEvent<L extends (...args: any[]) => any = (...args: any[]) => any> extends BrowserEvent<L> {
  /** Calls every listener, as the browser would. */
  fire(...args: Parameters<L>): Promise<void>;
  readonly listenerCount: number;
}

export interface FakeBrowserOptions {
  platform?: { os: string };
  browserVersion?: string;
  locale?: string;
  /** Initial storage.local contents. */
  storage?: Record<string, unknown>;
  /** browser.i18n's messages; the add-on's and the repository's features' by default (test/i18n-setup.ts). */
  messages?: MessageLookup;
}

/**
 * The add-on's messages with one feature folder's merged in as the build
 * merges them, for a feature that lives outside features/ (a new one's test).
 */
export function readFeatureMessages(featureId: string, featureDir: string): MessageLookup {
  const messages = readLocaleMessages(join(__dirname, '..', '..', '_locales'), [{ id: featureId, dir: featureDir }]).get('en')!.messages;
  return createMessageLookup(messages);
}

/** A tab of the fake; window 1 is the current window. */
export interface FakeTab {
  id: number;
  windowId: number;
  url: string;
  title: string;
  pinned: boolean;
  active: boolean;
}

export type FakeBrowser = BrowserApi & {
  storage: BrowserApi['storage'] & { onChanged: FakeEvent };
  /** Inspect state directly (tests only). */
  readonly state: {
    storage: Map<string, unknown>;
    contentScripts: Map<string, ContentScriptRegistration>;
    menus: Map<string, MenuCreateProperties>;
    alarms: Map<string, AlarmInfo>;
    tabs: FakeTab[];
  };
  event(name: FeatureEventName): FakeEvent;
  /** A fresh host event bus whose listeners count as leaks of this fake. */
  createEventBus(): EventBus;
  /**
   * Simulates the event page being suspended: in-memory things (event
   * buses, listeners) vanish; storage, content scripts, menus and alarms stay.
   */
  suspend(): void;
  /** Everything still registered, as readable strings; empty when clean. */
  leaks(): string[];
};

function createFakeEvent(name: string): FakeEvent & { clear(): void; names(): string[] } {
  const listeners = new Set<(...args: any[]) => any>();
  return {
    addListener: (l) => void listeners.add(l),
    removeListener: (l) => void listeners.delete(l),
    hasListener: (l) => listeners.has(l),
    async fire(...args) {
      for (const l of [...listeners]) await l(...args);
    },
    get listenerCount() {
      return listeners.size;
    },
    clear: () => listeners.clear(),
    names: () => [...listeners].map(() => `listener on ${name}`),
  };
}

const createdFakes: FakeBrowser[] = [];

/** Returns the fakes made since the last call and forgets them (used by the root afterEach hook). */
export function takeCreatedFakes(): FakeBrowser[] {
  return createdFakes.splice(0, createdFakes.length);
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/**
 * @example
 * const browser = createFakeBrowser({ locale: 'de-DE' });
 * await browser.storage.local.set({ a: 1 });
 * browser.leaks(); // []
 */
export function createFakeBrowser(options: FakeBrowserOptions = {}): FakeBrowser {
  const storage = new Map<string, unknown>(Object.entries(options.storage ?? {}));
  const contentScripts = new Map<string, ContentScriptRegistration>();
  const menus = new Map<string, MenuCreateProperties>();
  const alarms = new Map<string, AlarmInfo>();
  const tabs: FakeTab[] = [];
  const buses: EventBus[] = [];
  const events = new Map<string, ReturnType<typeof createFakeEvent>>();
  for (const name of Object.keys(FEATURE_EVENTS)) events.set(name, createFakeEvent(name));
  const onChanged = events.get('storage.onChanged')!;
  const lastError: { current: { message: string } | null } = { current: null };

  const namespace = (prefix: string) =>
    Object.fromEntries([...events].filter(([n]) => n.startsWith(`${prefix}.`)).map(([n, e]) => [n.slice(prefix.length + 1), e]));

  const notify = async (changes: Record<string, StorageChange>) => {
    if (Object.keys(changes).length > 0) await onChanged.fire(changes, 'local');
  };

  const pickIds = (filter?: { ids?: string[] }) => (filter?.ids ? filter.ids : [...contentScripts.keys()]);

  const fake = {
    storage: {
      local: {
        async get(keys?: null | string | string[]) {
          const wanted = keys === null || keys === undefined ? [...storage.keys()] : Array.isArray(keys) ? keys : [keys];
          return Object.fromEntries(wanted.filter((k) => storage.has(k)).map((k) => [k, clone(storage.get(k))]));
        },
        async set(items: Record<string, unknown>) {
          const changes: Record<string, StorageChange> = {};
          for (const [k, v] of Object.entries(items)) {
            changes[k] = { oldValue: clone(storage.get(k)), newValue: clone(v) };
            storage.set(k, clone(v));
          }
          await notify(changes);
        },
        async remove(keys: string | string[]) {
          const changes: Record<string, StorageChange> = {};
          for (const k of Array.isArray(keys) ? keys : [keys]) {
            if (storage.has(k)) changes[k] = { oldValue: storage.get(k) };
            storage.delete(k);
          }
          await notify(changes);
        },
      },
      onChanged,
    },
    scripting: {
      async registerContentScripts(scripts: ContentScriptRegistration[]) {
        for (const s of scripts) {
          if (contentScripts.has(s.id)) throw new Error(`Content script id "${s.id}" is already registered`);
          if (!s.matches?.length) throw new Error(`Content script "${s.id}" needs matches`);
        }
        for (const s of scripts) contentScripts.set(s.id, clone(s));
      },
      async getRegisteredContentScripts(filter?: { ids?: string[] }) {
        return pickIds(filter).filter((id) => contentScripts.has(id)).map((id) => clone(contentScripts.get(id)!));
      },
      async updateContentScripts(scripts: ContentScriptRegistration[]) {
        for (const s of scripts) {
          const existing = contentScripts.get(s.id);
          if (!existing) throw new Error(`Content script id "${s.id}" does not exist`);
          contentScripts.set(s.id, { ...existing, ...clone(s) });
        }
      },
      async unregisterContentScripts(filter?: { ids?: string[] }) {
        const ids = pickIds(filter);
        const missing = ids.filter((id) => !contentScripts.has(id));
        if (missing.length > 0) throw new Error(`Content script id "${missing[0]}" does not exist`);
        for (const id of ids) contentScripts.delete(id);
      },
    },
    menus: {
      create(properties: MenuCreateProperties, callback?: () => void) {
        // Like Firefox: a failure shows in runtime.lastError only while the callback runs.
        const error = menus.has(properties.id) ? { message: `ID already exists: ${properties.id}` } : null;
        if (!error) menus.set(properties.id, clone(properties));
        queueMicrotask(() => {
          lastError.current = error;
          try {
            callback?.();
          } finally {
            lastError.current = null;
          }
        });
        return properties.id;
      },
      async remove(id: number | string) {
        if (!menus.delete(String(id))) throw new Error(`Could not find any MenuItem with id: ${id}`);
      },
      async removeAll() {
        menus.clear();
      },
    },
    alarms: {
      async create(name: string, info: { delayInMinutes?: number; periodInMinutes?: number; when?: number }) {
        const scheduledTime = info.when ?? Date.now() + (info.delayInMinutes ?? info.periodInMinutes ?? 0) * 60_000;
        alarms.set(name, { name, scheduledTime, ...(info.periodInMinutes !== undefined ? { periodInMinutes: info.periodInMinutes } : {}) });
      },
      async clear(name: string) {
        return alarms.delete(name);
      },
      async getAll() {
        return [...alarms.values()].map(clone);
      },
    },
    runtime: {
      getURL: (path: string) => `moz-extension://test/${path.replace(/^\//, '')}`,
      getPlatformInfo: async () => ({ os: options.platform?.os ?? 'linux', arch: 'x86-64' }),
      getBrowserInfo: async () => ({ name: 'Firefox', vendor: 'Mozilla', version: options.browserVersion ?? '128.0', buildID: '0' }),
      get lastError() {
        return lastError.current;
      },
    },
    i18n: {
      getUILanguage: () => options.locale ?? 'en-US',
      getMessage: (key: string, substitutions?: string | string[]) => (options.messages ?? lookupMessage)(key, typeof substitutions === 'string' ? [substitutions] : substitutions),
    },
    tabs: {
      ...namespace('tabs'),
      async query(query: { windowId?: number; currentWindow?: boolean }) {
        const windowId = query.windowId ?? (query.currentWindow ? 1 : undefined);
        return tabs.filter((tab) => windowId === undefined || tab.windowId === windowId).map(clone);
      },
      async create(properties: { url: string; windowId?: number; pinned?: boolean; active?: boolean }) {
        if (!/^(https?|about|moz-extension):/.test(properties.url)) throw new Error(`Illegal URL: ${properties.url}`);
        const tab = { id: tabs.length + 1, windowId: properties.windowId ?? 1, url: properties.url, title: '', pinned: properties.pinned ?? false, active: properties.active ?? true };
        tabs.push(tab);
        return clone(tab);
      },
    },
    webNavigation: namespace('webNavigation'),
    bookmarks: namespace('bookmarks'),
    downloads: namespace('downloads'),
    commands: namespace('commands'),
    idle: namespace('idle'),
    notifications: namespace('notifications'),
    state: { storage, contentScripts, menus, alarms, tabs },
    event: (name: FeatureEventName) => events.get(name)!,
    createEventBus() {
      const bus = new EventBus({ warn: () => undefined });
      buses.push(bus);
      return bus;
    },
    suspend() {
      buses.splice(0, buses.length);
      for (const e of events.values()) e.clear();
    },
    leaks() {
      return [
        ...[...events.values()].flatMap((e) => e.names()),
        ...buses.flatMap((bus) => bus.describeListeners().map((l) => `feature listener ${l}`)),
        ...[...contentScripts.keys()].map((id) => `content script ${id}`),
        ...[...menus.keys()].map((id) => `menu ${id}`),
        ...[...alarms.keys()].map((name) => `alarm ${name}`),
      ];
    },
  };
  const typed = fake as unknown as FakeBrowser;
  createdFakes.push(typed);
  return typed;
}
