/**
 * Every persistent resource a feature makes carries its owner in its name, so
 * the host can find and remove it without running the feature's code (after a
 * crash, a failed activate, or for a feature no longer in the build).
 *
 *   content scripts  sbc:<featureId>:<id>
 *   menus            sbc:<featureId>:<id>
 *   alarms           sbc:<featureId>:<name>
 *   storage keys     feature:<featureId>:<key>
 */
import type { BrowserApi } from './browser-api';

export const RESOURCE_PREFIX = 'sbc:';

/** "sbc:reading-time:badge" for the feature's own id "badge". */
export function toResourceName(featureId: string, localName: string): string {
  return `${RESOURCE_PREFIX}${featureId}:${localName}`;
}

/** The owning feature of a resource name, or null when the add-on did not name it for a feature. */
export function findResourceOwner(name: string): string | null {
  if (!name.startsWith(RESOURCE_PREFIX)) return null;
  const rest = name.slice(RESOURCE_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : null;
}

export function toStorageKey(featureId: string, key: string): string {
  return `feature:${featureId}:${key}`;
}

export function toStoragePrefix(featureId: string): string {
  return `feature:${featureId}:`;
}

/**
 * Removes the feature's content scripts and alarms found by name. Menus have
 * no listing API: the host removes all menus on every wake instead.
 * Returns what was removed, for the log.
 *
 * @example
 * await sweepFeatureResources(browser, 'reading-time'); // ['content script sbc:reading-time:badge']
 */
export async function sweepFeatureResources(browser: BrowserApi, featureId: string): Promise<string[]> {
  return sweepResources(browser, (owner) => owner === featureId);
}

/** Removes every feature resource whose owner `shouldSweep` picks (e.g. orphans of features no longer active). */
export async function sweepResources(browser: BrowserApi, shouldSweep: (owner: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  const scripts = await browser.scripting.getRegisteredContentScripts();
  const scriptIds = scripts.map((s) => s.id).filter((id) => isSweepable(id, shouldSweep));
  if (scriptIds.length > 0) {
    await browser.scripting.unregisterContentScripts({ ids: scriptIds });
    removed.push(...scriptIds.map((id) => `content script ${id}`));
  }
  for (const alarm of await browser.alarms.getAll()) {
    if (isSweepable(alarm.name, shouldSweep)) {
      await browser.alarms.clear(alarm.name);
      removed.push(`alarm ${alarm.name}`);
    }
  }
  return removed;
}

function isSweepable(name: string, shouldSweep: (owner: string) => boolean): boolean {
  const owner = findResourceOwner(name);
  return owner !== null && shouldSweep(owner);
}

/** Deletes every `feature:<id>:*` key: the feature's data, on uninstall only. */
export async function wipeFeatureStorage(storage: BrowserApi['storage']['local'], featureId: string): Promise<string[]> {
  const prefix = toStoragePrefix(featureId);
  const keys = Object.keys(await storage.get(null)).filter((key) => key.startsWith(prefix));
  if (keys.length > 0) await storage.remove(keys);
  return keys;
}
