/**
 * Firefox's data-collection categories (browser_specific_settings.gecko.
 * data_collection_permissions, Firefox 140 and later), as a feature may
 * declare them in feature.json's "dataCollection". The build checks the names
 * and adds them to the add-on's optional data collection; the add-on installs
 * such a feature only once the user has granted every one of them.
 */
export const DATA_COLLECTION_CATEGORIES = [
  'authenticationInfo',
  'bookmarksInfo',
  'browsingActivity',
  'financialAndPaymentInfo',
  'healthInfo',
  'locationInfo',
  'personalCommunications',
  'personallyIdentifyingInfo',
  'searchTerms',
  'technicalAndInteraction',
  'websiteActivity',
  'websiteContent',
] as const;

export type DataCollectionCategory = (typeof DATA_COLLECTION_CATEGORIES)[number];

/** How the add-on's pages and the planner's sentences name each category, after Firefox's own wording. */
export const DATA_COLLECTION_LABELS: Readonly<Record<DataCollectionCategory, string>> = {
  authenticationInfo: 'authentication information',
  bookmarksInfo: 'bookmarks',
  browsingActivity: 'browsing activity',
  financialAndPaymentInfo: 'financial and payment information',
  healthInfo: 'health information',
  locationInfo: 'location',
  personalCommunications: 'personal communications',
  personallyIdentifyingInfo: 'personally identifying information',
  searchTerms: 'search terms',
  technicalAndInteraction: 'technical and interaction data',
  websiteActivity: 'website activity',
  websiteContent: 'website content',
};

/**
 * The categories as words a person reads, joined with commas and "and".
 *
 * @example describeDataCollection(['browsingActivity', 'websiteContent']); // "browsing activity and website content"
 */
export function describeDataCollection(categories: readonly string[]): string {
  const words = categories.map((name) => DATA_COLLECTION_LABELS[name as DataCollectionCategory] ?? name);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
