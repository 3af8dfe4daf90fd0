/**
 * The plain sentence a beta user reads about one change in "What's new" and
 * in the system notification. The planner's reason code chose the kind; the
 * words come from the messages file.
 *
 * @example
 * describeChange({ featureId: 'reading-time', name: 'Reading time', kind: 'added', at }); // "Reading time was added"
 */
import { featureText, t } from '../i18n';
import { FEATURE_NAME_KEY } from '../../protocol/feature-messages';

/** What happened to a feature, as its user would put it. */
export type ChangeKind =
  | 'added'
  | 'removed'
  | 'killed'
  | 'withdrawn'
  | 'not-targeted'
  | 'needs-update'
  | 'needs-account'
  | 'needs-terms'
  | 'failed';

export interface ChangeEntry {
  featureId: string;
  /** The feature's name when the change was seen. */
  name: string;
  kind: ChangeKind;
  at: string;
}

const SENTENCE_KEYS: Record<ChangeKind, string> = {
  added: 'changeAdded',
  removed: 'changeRemoved',
  killed: 'changeKilled',
  withdrawn: 'changeWithdrawn',
  'not-targeted': 'changeNotTargeted',
  'needs-update': 'changeNeedsUpdate',
  'needs-account': 'changeNeedsAccount',
  'needs-terms': 'changeNeedsTerms',
  failed: 'changeFailed',
};

export function describeChange(entry: Pick<ChangeEntry, 'name' | 'kind'> & { featureId?: string }): string {
  const name = entry.featureId === undefined ? entry.name : featureText(entry.featureId, FEATURE_NAME_KEY, entry.name);
  return t(SENTENCE_KEYS[entry.kind] ?? 'changeRemoved', name);
}
