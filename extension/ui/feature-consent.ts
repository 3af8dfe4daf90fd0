/**
 * Grants or withdraws what a feature sends, from a click in the QA panel or
 * the popup. Firefox shows its data-collection request only in direct answer
 * to a user's click, so call changeFeatureConsent synchronously from the
 * click handler: permissions.request starts before anything is awaited.
 */
import type { FeatureStatus, HostStatus } from '../messages';
import type { HostClient } from './host-client';

export interface DataCollectionRequests {
  request(permissions: { data_collection: string[] }): Promise<boolean>;
  remove(permissions: { data_collection: string[] }): Promise<boolean>;
}

/**
 * Asks Firefox (140 and later) for the feature's categories, or withdraws
 * them; then tells the background, which records the answer itself on an
 * older Firefox and plans again. Resolves to the status after the replan.
 *
 * @example
 * button.addEventListener('click', () => void changeFeatureConsent(feature, true, status.dataConsentSource, browser.permissions, request).then(render));
 */
export function changeFeatureConsent(
  feature: Pick<FeatureStatus, 'id' | 'dataCollection'>,
  granted: boolean,
  source: HostStatus['dataConsentSource'],
  permissions: DataCollectionRequests,
  request: HostClient,
): Promise<HostStatus> {
  const wanted = { data_collection: [...feature.dataCollection] };
  const asked: Promise<unknown> =
    source === 'firefox' ? (granted ? permissions.request(wanted) : permissions.remove(wanted)) : Promise.resolve();
  return asked.then(() => request({ type: 'sbc:data-consent', featureId: feature.id, granted }));
}
