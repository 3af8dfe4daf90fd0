/**
 * The narrow slice of `browser.*` that the runtime uses. Everything in the
 * runtime takes a BrowserApi as a parameter, so unit tests pass an in-memory
 * fake (test/helpers/fake-browser.ts) and the background passes Firefox's
 * own `browser`, typed as webextension-polyfill describes it, which is
 * assignable to this type.
 *
 * @example
 * const browser = (globalThis as unknown as { browser: Browser.Browser }).browser;
 * const host = new FeatureHost({ browser, registry: featureRegistry, ... });
 */
import type { FeatureEventName } from '../../protocol/feature-events';
import { HostError } from '../errors';

/** A browser event object (addListener/removeListener/hasListener). */
export interface BrowserEvent<L extends (...args: any[]) => any = (...args: any[]) => any> {
  addListener(listener: L): void;
  removeListener(listener: L): void;
  hasListener(listener: L): boolean;
}

export interface ContentScriptRegistration {
  id: string;
  matches?: string[];
  excludeMatches?: string[];
  js?: string[];
  css?: string[];
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  allFrames?: boolean;
  persistAcrossSessions?: boolean;
}

export interface MenuCreateProperties {
  id: string;
  title: string;
  contexts: Array<'page' | 'selection' | 'link' | 'image' | 'tab' | 'all'>;
  documentUrlPatterns?: string[];
}

export interface AlarmInfo {
  name: string;
  scheduledTime: number;
  periodInMinutes?: number;
}

export interface StorageChange {
  oldValue?: unknown;
  newValue?: unknown;
}

type EventNamespace<N extends string> = {
  [E in FeatureEventName as E extends `${N}.${infer Name}` ? Name : never]: BrowserEvent;
};

export interface BrowserApi {
  storage: {
    local: {
      get(keys?: null | string | string[]): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string | string[]): Promise<void>;
    };
    onChanged: BrowserEvent<(changes: Record<string, StorageChange>, areaName: string) => void>;
  };
  scripting: {
    registerContentScripts(scripts: ContentScriptRegistration[]): Promise<void>;
    getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<ContentScriptRegistration[]>;
    updateContentScripts(scripts: ContentScriptRegistration[]): Promise<void>;
    unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
  };
  menus: {
    /** Returns the id at once; a failure is reported through the callback (runtime.lastError). */
    create(properties: MenuCreateProperties, callback?: () => void): number | string;
    remove(menuItemId: number | string): Promise<void>;
    removeAll(): Promise<void>;
  };
  alarms: {
    create(name: string, info: { delayInMinutes?: number; periodInMinutes?: number; when?: number }): Promise<void> | void;
    clear(name: string): Promise<boolean>;
    getAll(): Promise<AlarmInfo[]>;
  };
  runtime: {
    getURL(path: string): string;
    getPlatformInfo(): Promise<{ os: string; arch?: string }>;
    getBrowserInfo(): Promise<{ name: string; vendor?: string; version: string; buildID?: string }>;
    lastError?: { message?: string } | null;
  };
  i18n: {
    getUILanguage(): string;
    getMessage(key: string, substitutions?: string | string[]): string;
  };
  tabs: EventNamespace<'tabs'> & {
    query(query: { windowId?: number; currentWindow?: boolean }): Promise<Array<{ url?: string; title?: string; pinned?: boolean }>>;
    create(properties: { url: string; windowId?: number; pinned?: boolean; active?: boolean }): Promise<unknown>;
  };
  webNavigation: EventNamespace<'webNavigation'>;
  bookmarks: EventNamespace<'bookmarks'>;
  downloads: EventNamespace<'downloads'>;
  commands: EventNamespace<'commands'>;
  idle: EventNamespace<'idle'>;
  notifications: EventNamespace<'notifications'>;
}

/**
 * The browser event object behind a declarable event name, e.g.
 * "tabs.onCreated" → browser.tabs.onCreated. The background uses it to add
 * its top-level waking listeners. Takes any object, since a platform may lack
 * a whole namespace (notifications on Android, say); throws a HostError
 * ('event-unavailable', naming the event) when the event is not there.
 *
 * @example
 * findBrowserEvent(browser, 'tabs.onCreated').addListener(wake);
 */
export function findBrowserEvent(browser: object, name: FeatureEventName): BrowserEvent {
  const [namespace, event] = name.split('.') as [string, string];
  const target = (browser as Record<string, Record<string, Partial<BrowserEvent> | undefined> | undefined>)[namespace]?.[event];
  if (!target || typeof target.addListener !== 'function') {
    throw new HostError('event-unavailable', `browser.${name} is not available here`, { subject: name });
  }
  return target as BrowserEvent;
}
