/**
 * Firefox's built-in consent for data collection (Firefox 140 and later):
 * the add-on declares usage counters as optional "technicalAndInteraction"
 * data, so they are sent only once the user has granted that permission, in
 * the QA panel or in about:addons. Older Firefox versions (ESR 128) have no
 * such permission; there the add-on's own switch alone decides.
 */
export const USAGE_DATA_COLLECTION = 'technicalAndInteraction';

export interface DataCollectionPermissions {
  getAll(): Promise<{ data_collection?: string[] }>;
}

/**
 * True or false when this Firefox has built-in data-collection consent, null
 * when it has none (the add-on's own switch decides).
 *
 * @example
 * const granted = await readUsageConsent(browser.permissions); // null on ESR 128
 */
export async function readUsageConsent(permissions: DataCollectionPermissions | undefined): Promise<boolean | null> {
  if (!permissions) return null;
  const all = await permissions.getAll();
  if (!Array.isArray(all.data_collection)) return null;
  return all.data_collection.includes(USAGE_DATA_COLLECTION);
}

/** True when a permissions.onRemoved/onAdded change is about the usage counters' consent. */
export function concernsUsageConsent(change: { data_collection?: string[] }): boolean {
  return Array.isArray(change.data_collection) && change.data_collection.includes(USAGE_DATA_COLLECTION);
}
