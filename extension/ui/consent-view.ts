/**
 * What the QA panel and the popup say about a feature's declared data
 * collection, and the words of the button that grants or withdraws it. Pure,
 * so every sentence is unit-tested.
 *
 * @example
 * const view = describeFeatureConsent(feature, status.dataConsentSource);
 * if (view?.canGrant) showButton(view.grantLabel);
 */
import type { DataCollectionCategory } from '../../protocol/data-collection';
import { t } from '../i18n';
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

/** Message keys of Firefox's data-collection categories, after Firefox's own wording. */
const CATEGORY_KEYS: Readonly<Record<DataCollectionCategory, string>> = {
  authenticationInfo: 'dataAuthenticationInfo',
  bookmarksInfo: 'dataBookmarksInfo',
  browsingActivity: 'dataBrowsingActivity',
  financialAndPaymentInfo: 'dataFinancialAndPaymentInfo',
  healthInfo: 'dataHealthInfo',
  locationInfo: 'dataLocationInfo',
  personalCommunications: 'dataPersonalCommunications',
  personallyIdentifyingInfo: 'dataPersonallyIdentifyingInfo',
  searchTerms: 'dataSearchTerms',
  technicalAndInteraction: 'dataTechnicalAndInteraction',
  websiteActivity: 'dataWebsiteActivity',
  websiteContent: 'dataWebsiteContent',
};

/** The categories as words in the user's language: "browsing activity and website content". */
export function describeCategories(categories: readonly string[]): string {
  const words = categories.map((name) => (name in CATEGORY_KEYS ? t(CATEGORY_KEYS[name as DataCollectionCategory]) : name));
  if (words.length <= 1) return words.join('');
  return t('listWithLast', [words.slice(0, -1).join(t('listSeparator')), words[words.length - 1]!]);
}

/** Null for a feature that declares no data collection. */
export function describeFeatureConsent(
  feature: Pick<FeatureStatus, 'dataCollection' | 'missingConsent'>,
  source: HostStatus['dataConsentSource'],
): ConsentView | null {
  if (feature.dataCollection.length === 0) return null;
  const sends = t('consentSends', describeCategories(feature.dataCollection));
  const keeper = source === 'firefox' ? t('consentFirefoxAsks') : t('consentAddonAsks');
  const missing = feature.missingConsent;
  const text = missing.length > 0 ? t('consentMissing', [sends, describeCategories(missing), keeper]) : t('consentGranted', sends);
  return {
    text,
    canGrant: missing.length > 0,
    grantLabel: t('consentAllow', describeCategories(missing.length > 0 ? missing : feature.dataCollection)),
    canWithdraw: missing.length === 0,
    withdrawLabel: t('consentWithdraw'),
  };
}
