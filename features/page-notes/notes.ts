/** Shared by the page-notes background part and its content script. */

export const MAX_NOTE_LENGTH = 10_000;

export type PageNotesMessage = { kind: 'get-note'; url: string };

export interface PageNote {
  url: string;
  text: string;
  updatedAt: string;
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
