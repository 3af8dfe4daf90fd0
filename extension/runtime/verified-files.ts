/**
 * The add-on's files whose SHA-256 this version of the add-on has already
 * checked against a sign-off. A signed package's files cannot change without
 * a new version, so a wake restores installed features without fetching and
 * hashing their chunks again; a new expected SHA-256 (a new manifest entry)
 * or a new add-on version checks the bytes again.
 */
import type { BrowserApi } from './browser-api';

const STORAGE_KEY = 'host:verified-files';

export interface VerifiedFiles {
  has(path: string, sha256: string): Promise<boolean>;
  add(path: string, sha256: string): Promise<void>;
}

interface StoredList {
  version: string;
  files: string[];
}

/**
 * Kept in storage.local under one key, read once per page life.
 *
 * @example
 * const verified = createVerifiedFiles(browser.storage.local, buildConfig.hostVersion);
 * if (!(await verified.has(path, sha256))) { ...hash the bytes...; await verified.add(path, sha256); }
 */
export function createVerifiedFiles(storage: BrowserApi['storage']['local'], addonVersion: string): VerifiedFiles {
  let loaded: Promise<Set<string>> | null = null;
  const load = (): Promise<Set<string>> =>
    (loaded ??= storage.get(STORAGE_KEY).then((items) => {
      const stored = items[STORAGE_KEY] as StoredList | undefined;
      return new Set(stored?.version === addonVersion && Array.isArray(stored.files) ? stored.files : []);
    }));
  const entry = (path: string, sha256: string) => `${path}\n${sha256}`;
  return {
    has: async (path, sha256) => (await load()).has(entry(path, sha256)),
    add: async (path, sha256) => {
      const files = await load();
      if (files.has(entry(path, sha256))) return;
      files.add(entry(path, sha256));
      const list: StoredList = { version: addonVersion, files: [...files] };
      await storage.set({ [STORAGE_KEY]: list });
    },
  };
}
