/**
 * What the QA panel and the popup say about a feature's declared data
 * collection, and the words of the button that grants or withdraws it. Pure,
 * so every sentence is unit-tested.
 *
 * @example
 * const view = describeFeatureConsent(feature, status.dataConsentSource);
 * if (view?.canGrant) showButton(view.grantLabel);
 */
import { describeDataCollection } from '../../protocol/data-collection';
import type { FeatureStatus, HostStatus } from '../messages';

export interface ConsentView {
  /** What the feature sends and what is still missing, as a sentence. */
  text: string;
  /** Some category is not granted: offer the grant. */
  canGrant: boolean;
  grantLabel: string;
  /** Everything is granted: offer to withdraw it. */
  canWithdraw: boolean;
  withdrawLabel: string;
}

/** Null for a feature that declares no data collection. */
export function describeFeatureConsent(
  feature: Pick<FeatureStatus, 'dataCollection' | 'missingConsent'>,
  source: HostStatus['dataConsentSource'],
): ConsentView | null {
  if (feature.dataCollection.length === 0) return null;
  const sends = `Sends ${describeDataCollection(feature.dataCollection)} to the beta server.`;
  const keeper = source === 'firefox' ? 'Firefox asks you' : 'This Firefox has no data-collection consent of its own, so the add-on asks you';
  const missing = feature.missingConsent;
  const text =
    missing.length > 0
      ? `${sends} Not installed until you allow ${describeDataCollection(missing)} (${keeper}).`
      : `${sends} You allowed it; withdrawing it uninstalls the feature.`;
  return {
    text,
    canGrant: missing.length > 0,
    grantLabel: `Allow ${describeDataCollection(missing.length > 0 ? missing : feature.dataCollection)}`,
    canWithdraw: missing.length === 0,
    withdrawLabel: 'Withdraw consent',
  };
}
