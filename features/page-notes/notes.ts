/** Shared by the page-notes background part and its content script. */

export const MAX_NOTE_LENGTH = 10_000;

/** How long the list of noted addresses is trusted before it is asked for again. */
export const NOTED_URLS_TTL_MS = 10 * 60 * 1000;

/** The content script asks for the note of the page it runs in; the background knows the page from the sender. */
export type PageNotesMessage = { kind: 'get-note' };

export interface PageNote {
  url: string;
  text: string;
  updatedAt: string;
}

/** The addresses that have a note on the account, kept in the feature's storage. */
export interface NotedUrls {
  urls: string[];
  fetchedAt: number;
}

/** The page's address without its fragment: one note per page, whatever the anchor. */
export function normalizePageUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

/** Adds a selection to an existing note, keeping the result within the server's limit. */
export function appendToNote(existing: string | undefined, addition: string): string {
  const clean = addition.trim();
  const joined = existing ? `${existing.trimEnd()}\n\n${clean}` : clean;
  return joined.length > MAX_NOTE_LENGTH ? joined.slice(0, MAX_NOTE_LENGTH) : joined;
}

export function isFresh(list: NotedUrls | undefined, now: number): list is NotedUrls {
  return list !== undefined && now - list.fetchedAt < NOTED_URLS_TTL_MS && now >= list.fetchedAt;
}
