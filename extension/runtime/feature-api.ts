/**
 * The API a feature is written against. A feature never calls `browser.*`
 * itself: everything goes through its FeatureContext, which tracks every
 * registration so that uninstall leaves nothing behind.
 *
 * @example
 * // features/hello/index.ts
 * import { defineFeature } from './feature-api';
 * export default defineFeature({
 *   async activate(ctx) {
 *     ctx.events.on('tabs.onCreated', () => ctx.usage.count('tab-created'));
 *   },
 * });
 */
import type { FeatureEventName } from '../../protocol/feature-events';

/** Something that can be undone; undoing twice is harmless. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Key-value storage that belongs to one feature and is wiped on its uninstall. */
export interface FeatureStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

export interface ContentScriptSpec {
  /** Unique within the feature. */
  id: string;
  matches: string[];
  excludeMatches?: string[];
  /** Paths relative to the feature folder's built output, e.g. "content/badge.js". */
  js?: string[];
  css?: string[];
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  allFrames?: boolean;
}

export interface MenuSpec {
  /** Unique within the feature. */
  id: string;
  title: string;
  contexts: Array<'page' | 'selection' | 'link' | 'image' | 'tab' | 'all'>;
  documentUrlPatterns?: string[];
  onClick(info: MenuClickInfo, tab: TabInfo | undefined): void | Promise<void>;
}

export interface MenuClickInfo {
  menuItemId: string;
  pageUrl?: string;
  linkUrl?: string;
  selectionText?: string;
}

export interface TabInfo {
  id?: number;
  windowId?: number;
  url?: string;
  title?: string;
}

/** A tab as a feature may keep it: its address, title and whether it is pinned. */
export interface TabSnapshot {
  url: string;
  title: string;
  pinned: boolean;
}

/** The browser window an action was taken in; without an id, the current window. */
export interface WindowTarget {
  windowId?: number;
}

export interface PopupAction {
  /** Unique within the feature. */
  id: string;
  label: string;
}

/**
 * What a feature offers in the toolbar popup, under its name. The popup asks
 * for the actions each time it opens, so they may change (a list of saved
 * items, say).
 */
export interface PopupActions {
  list(target: WindowTarget): PopupAction[] | Promise<PopupAction[]>;
  /** Runs the chosen action and returns the sentence the popup shows; what it throws is shown as the failure. */
  run(actionId: string, target: WindowTarget): string | Promise<string>;
}

/** What a feature may pass to ctx.services.fetch. */
export interface ServicesInit {
  method?: string;
  body?: unknown;
  /** Conditional requests only: X-If-Modified-Since and X-If-Unmodified-Since. */
  headers?: Record<string, string>;
}

export interface AlarmSpec {
  delayInMinutes?: number;
  periodInMinutes?: number;
  when?: number;
}

export interface MessageSender {
  tab?: TabInfo;
  frameId?: number;
  url?: string;
}

/** Listener arguments of each declarable event, loosely typed. */
export type EventListener = (...args: any[]) => unknown;

export interface FeatureContext {
  readonly id: string;
  readonly version: string;
  readonly log: Logger;
  readonly storage: FeatureStorage;
  /** Privacy-respecting usage counters: an event name and a count, nothing else. */
  readonly usage: {
    count(event: string, by?: number): Promise<void>;
  };
  /** Listen to a browser event declared in feature.json's "events". */
  readonly events: {
    on(event: FeatureEventName, listener: EventListener): Disposable;
  };
  /** Messages sent by this feature's own content scripts (see sendToFeature). */
  readonly messages: {
    onMessage(handler: (message: unknown, sender: MessageSender) => unknown): Disposable;
  };
  readonly contentScripts: {
    register(spec: ContentScriptSpec): Promise<Disposable>;
  };
  readonly menus: {
    create(spec: MenuSpec): Promise<Disposable>;
  };
  readonly alarms: {
    create(name: string, spec: AlarmSpec, onAlarm: () => void | Promise<void>): Promise<Disposable>;
  };
  /** The user's tabs; reading addresses and titles needs "tabs" in feature.json's "permissions". */
  readonly tabs: {
    /** The tabs of a window with an http(s) address, in their order. */
    list(target: WindowTarget): Promise<TabSnapshot[]>;
    /** Opens http(s) addresses as background tabs of a window; refuses any other address. */
    open(tabs: ReadonlyArray<{ url: string; pinned?: boolean }>, target: WindowTarget): Promise<void>;
  };
  /** Actions in the toolbar popup, under the feature's name. */
  readonly popup: {
    offer(actions: PopupActions): Disposable;
  };
  /** Calls to the beta server's services, signed in as the user's beta account. */
  readonly services: {
    fetch(path: string, init?: ServicesInit): Promise<Response>;
  };
  /**
   * The feature's own words, from its `_locales/<lang>/messages.json`, in the
   * user's language; a key the feature does not ship shows as "[key]".
   */
  readonly i18n: {
    getMessage(key: string, substitutions?: string | number | ReadonlyArray<string | number>): string;
  };
  /** Track any other resource so that it is disposed with the feature. */
  track<T extends Disposable>(disposable: T): T;
}

export interface FeatureDefinition {
  /** Runs on every start of the feature: after install and on every wake of the background page. */
  activate(ctx: FeatureContext): void | Promise<void>;
  /** Runs when the feature is disabled, uninstalled or the host shuts it down. */
  deactivate?(ctx: FeatureContext): void | Promise<void>;
  /** Runs once, on first install, before activate. */
  install?(ctx: FeatureContext): void | Promise<void>;
  /** Runs once, on uninstall, before the feature's data is wiped. */
  uninstall?(ctx: FeatureContext): void | Promise<void>;
}

/** Identity helper that gives a feature definition its types. */
export function defineFeature(definition: FeatureDefinition): FeatureDefinition {
  return definition;
}
