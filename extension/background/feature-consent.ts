/**
 * The user's consent to what features send (their declared data-collection
 * categories). Firefox 140 and later keep it as optional data-collection
 * permissions: granted with permissions.request from a click in the QA panel
 * or the popup, or in about:addons, and withdrawn there too. Firefox ESR
 * 128–139 has no such permission and ignores the manifest's declaration, so
 * there the add-on asks the same question itself and keeps the answer in
 * storage.local: a feature that sends data still waits for a yes.
 */
import type { BrowserApi } from '../runtime/browser-api';
import type { RegisteredFeature } from '../runtime/feature-registry';
import type { DataConsent } from '../../protocol/planner';

/** The categories the user allowed on a Firefox without data-collection permissions. */
export const ADDON_CONSENT_KEY = 'host:data-consent';

type StorageArea = Pick<BrowserApi['storage']['local'], 'get' | 'set'>;

export interface ConsentPermissions {
  getAll(): Promise<{ data_collection?: string[] }>;
}

/**
 * Firefox's record when it keeps one, else the add-on's own.
 *
 * @example
 * const consent = await readDataConsent(browser.permissions, browser.storage.local);
 * consent; // { source: 'firefox', granted: ['technicalAndInteraction'] } on Firefox 140+
 */
export async function readDataConsent(permissions: ConsentPermissions | undefined, storage: StorageArea): Promise<DataConsent> {
  const all = permissions ? await permissions.getAll() : {};
  if (Array.isArray(all.data_collection)) return { source: 'firefox', granted: all.data_collection };
  const stored = (await storage.get(ADDON_CONSENT_KEY))[ADDON_CONSENT_KEY];
  return { source: 'add-on', granted: Array.isArray(stored) ? stored.filter((name): name is string => typeof name === 'string') : [] };
}

/**
 * Records the user's answer for a feature's categories where Firefox keeps
 * none; where Firefox keeps it, the page has already asked Firefox and there
 * is nothing to write.
 */
export async function recordAddonConsent(
  consent: DataConsent,
  storage: StorageArea,
  categories: readonly string[],
  granted: boolean,
): Promise<void> {
  if (consent.source === 'firefox') return;
  const current = new Set(consent.granted);
  for (const category of categories) {
    if (granted) current.add(category);
    else current.delete(category);
  }
  await storage.set({ [ADDON_CONSENT_KEY]: [...current].sort() });
}

/** True when a permissions.onAdded/onRemoved change touches a category some feature of this build sends. */
export function concernsFeatureConsent(
  change: { data_collection?: string[] },
  registry: ReadonlyArray<Pick<RegisteredFeature, 'dataCollection'>>,
): boolean {
  if (!Array.isArray(change.data_collection)) return false;
  const declared = new Set(registry.flatMap((feature) => feature.dataCollection));
  return change.data_collection.some((category) => declared.has(category));
}
