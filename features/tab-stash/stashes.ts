/**
 * Stashes as the tab-stash feature keeps them on the beta account: one record
 * of the storage service holding every stash, newest first. Pure functions,
 * shared by the feature and its tests.
 */
import type { TabSnapshot } from '../../extension/runtime/feature-api';

/** The storage service's collection and record that hold the stashes. */
export const STASH_COLLECTION_PATH = '/v1/services/storage/storage/tab-stash';
export const STASH_RECORD_ID = 'stashes';

export const MAX_STASHES = 20;
export const MAX_TABS_PER_STASH = 500;
export const MAX_URL_LENGTH = 2048;
export const MAX_TITLE_LENGTH = 200;
/** The storage service's limit on one record's payload. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
const FORMAT = 1;

export interface StashedTab {
  url: string;
  title: string;
  pinned: boolean;
}

export interface Stash {
  id: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  tabs: StashedTab[];
}

/** A change to the list of stashes, applied again to what another browser wrote when a write loses a race. */
export type StashEdit = (stashes: Stash[]) => Stash[];

/**
 * What the user is told when a stash cannot be made, saved, read or restored:
 * a key of the feature's messages (_locales/<lang>/messages.json) and its
 * substitutions, worded by `wordStashError` where the feature has its ctx.
 */
export class StashError extends Error {
  override name = 'StashError';
  constructor(
    readonly key: string,
    readonly substitutions: ReadonlyArray<string | StashError> = [],
  ) {
    super(`${key}${substitutions.length ? `: ${substitutions.map(String).join(', ')}` : ''}`);
  }
}

/** The sentence the user reads for `error` (a StashError worded through the messages; any other error's own message). */
export function wordStashError(error: unknown, words: StashWords): string {
  if (!(error instanceof StashError)) return (error as Error)?.message ?? String(error);
  return words(error.key, error.substitutions.map((part) => (typeof part === 'string' ? part : wordStashError(part, words))));
}

const WEB_ADDRESS = /^https?:\/\//i;

function isStashedTab(value: unknown): value is StashedTab {
  const tab = value as StashedTab;
  return typeof tab?.url === 'string' && WEB_ADDRESS.test(tab.url) && typeof tab.title === 'string' && typeof tab.pinned === 'boolean';
}

function isStash(value: unknown): value is Stash {
  const stash = value as Stash;
  return typeof stash?.id === 'string' && Number.isFinite(stash.createdAt) && Array.isArray(stash.tabs) && stash.tabs.every(isStashedTab);
}

/**
 * A stash of a window's tabs: web pages only, titles cut short, addresses too
 * long to keep left out.
 *
 * @example makeStash([{ url: 'https://example.org/', title: 'Example', pinned: false }], Date.now(), 'a1')
 */
export function makeStash(tabs: readonly TabSnapshot[], createdAt: number, id: string): Stash {
  const kept = tabs
    .filter((tab) => WEB_ADDRESS.test(tab.url) && tab.url.length <= MAX_URL_LENGTH)
    .map((tab) => ({ url: tab.url, title: tab.title.slice(0, MAX_TITLE_LENGTH), pinned: tab.pinned }));
  if (kept.length === 0) throw new StashError('errorNoWebPages');
  if (kept.length > MAX_TABS_PER_STASH) {
    throw new StashError('errorTooManyTabs', [String(kept.length), String(MAX_TABS_PER_STASH)]);
  }
  return { id, createdAt, tabs: kept };
}

/**
 * The stashes in a record's payload. A payload this version cannot read is
 * refused rather than treated as empty, so that saving never overwrites it.
 */
export function parseStashes(payload: string): Stash[] {
  let parsed: { format?: unknown; stashes?: unknown };
  try {
    parsed = JSON.parse(payload) as typeof parsed;
  } catch {
    parsed = {};
  }
  if (parsed?.format !== FORMAT || !Array.isArray(parsed.stashes) || !parsed.stashes.every(isStash)) {
    throw new StashError('errorUnreadable');
  }
  return sortNewestFirst(parsed.stashes);
}

function sortNewestFirst(stashes: Stash[]): Stash[] {
  return [...stashes].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
}

/** The payload that holds the stashes; refuses a list over the storage service's limit instead of dropping any. */
export function encodeStashes(stashes: Stash[]): string {
  const payload = JSON.stringify({ format: FORMAT, stashes: sortNewestFirst(stashes) });
  const bytes = new TextEncoder().encode(payload).length;
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new StashError('errorTooBig', [String(Math.ceil(bytes / 1024)), String(MAX_PAYLOAD_BYTES / 1024)]);
  }
  return payload;
}

/** Adds a stash to whatever the account holds now. */
export function addStash(stash: Stash): StashEdit {
  return (stashes) => {
    const others = stashes.filter((candidate) => candidate.id !== stash.id);
    if (others.length >= MAX_STASHES) {
      throw new StashError('errorTooManyStashes', [String(MAX_STASHES)]);
    }
    return sortNewestFirst([stash, ...others]);
  };
}

/** Removes a stash from whatever the account holds now; one already gone elsewhere is fine. */
export function removeStash(id: string): StashEdit {
  return (stashes) => stashes.filter((stash) => stash.id !== id);
}

/** The feature's own messages (ctx.i18n.getMessage). */
export type StashWords = (key: string, substitutions?: ReadonlyArray<string | number>) => string;

/** "1 tab" or "3 tabs", in the user's language. */
export function countTabs(stash: Stash, words: StashWords): string {
  return stash.tabs.length === 1 ? words('oneTab') : words('someTabs', [stash.tabs.length]);
}

/** The popup's words for a stash, e.g. "Restore 3 tabs stashed 30 Nov 2026, 08:12". */
export function describeStash(stash: Stash, words: StashWords, formatTime: (ms: number) => string = formatLocalTime): string {
  return words('restoreAction', [countTabs(stash, words), formatTime(stash.createdAt)]);
}

function formatLocalTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
