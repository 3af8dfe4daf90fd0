/**
 * Firefox's built-in data-collection consent, asked from the add-on's pages:
 * Firefox shows its request only in direct answer to a click, so call
 * changeUsageConsent synchronously from the click or change handler.
 */
import browser from 'webextension-polyfill';
import { USAGE_DATA_COLLECTION } from '../telemetry/data-consent';

type DataCollectionPermissions = {
  getAll(): Promise<{ data_collection?: string[] }>;
  request(permissions: { data_collection: string[] }): Promise<boolean>;
  remove(permissions: { data_collection: string[] }): Promise<boolean>;
};

/**
 * Grants or withdraws the consent for usage counters where this Firefox has
 * it (140 and later); resolves to whether counting may go on. On a Firefox
 * without it (ESR 128) the add-on's own switch alone decides: true.
 *
 * @example
 * toggle.addEventListener('change', () => { const allowed = changeUsageConsent(toggle.checked); … });
 */
export async function changeUsageConsent(enabled: boolean): Promise<boolean> {
  const permissions = browser.permissions as unknown as DataCollectionPermissions;
  const wanted = { data_collection: [USAGE_DATA_COLLECTION] };
  if (enabled) {
    // A Firefox without data-collection consent may refuse the argument outright.
    let request: Promise<boolean | null>;
    try {
      request = permissions.request(wanted).catch(() => null);
    } catch {
      request = Promise.resolve(null);
    }
    const supported = Array.isArray((await permissions.getAll()).data_collection);
    return supported ? (await request) === true : true;
  }
  try {
    await permissions.remove(wanted);
  } catch {
    // Nothing to withdraw on a Firefox without data-collection consent.
  }
  return true;
}
