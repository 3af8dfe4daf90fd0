/**
 * Pure view models for the toolbar popup: which beta features a user sees,
 * whether they can switch one off, and the feedback they may send.
 *
 * @example
 * for (const item of describePopupFeatures(status)) renderItem(item);
 * const checked = validateFeedback(ratingInput, commentInput);
 * if (checked.ok) send({ type: 'sbc:feedback', featureId, ...checked.feedback });
 */
import { FEATURE_DESCRIPTION_KEY, FEATURE_NAME_KEY } from '../../protocol/feature-messages';
import { featureText, t } from '../i18n';
import type { FeatureStatus, HostStatus } from '../messages';
import { describeFeatureConsent } from './consent-view';

export const FEEDBACK_COMMENT_MAX = 1000;

export interface PopupFeatureItem {
  id: string;
  name: string;
  description: string;
  /** The switch position: on unless the user turned the feature off. */
  on: boolean;
  canToggle: boolean;
  canGiveFeedback: boolean;
  /** A short line under the name, or null. */
  note: string | null;
  /** The label of the button that allows what the feature sends, or null when nothing is missing. */
  grant: string | null;
}

const RUNNING = new Set<FeatureStatus['state']>(['installed', 'installing', 'uninstalling', 'failed']);

/**
 * The features a beta user has, has turned off, or could have with a beta
 * account. Features this browser is simply not in the rollout for stay out of
 * the popup: they are QA's business, shown in the options page.
 */
export function describePopupFeatures(status: HostStatus): PopupFeatureItem[] {
  const items: PopupFeatureItem[] = [];
  for (const feature of status.features) {
    const name = featureText(feature.id, FEATURE_NAME_KEY, feature.name);
    const base = { id: feature.id, name, description: featureText(feature.id, FEATURE_DESCRIPTION_KEY, feature.description), grant: null };
    const consent = describeFeatureConsent(feature, status.dataConsentSource);
    if (feature.optedOut) {
      items.push({ ...base, on: false, canToggle: true, canGiveFeedback: true, note: t('popupNoteOptedOut') });
    } else if (RUNNING.has(feature.state)) {
      const note = feature.state === 'failed' ? t('popupNoteFailed') : null;
      items.push({ ...base, on: true, canToggle: true, canGiveFeedback: feature.state === 'installed', note });
    } else if (feature.reasonCode === 'needs-account' && status.account === null) {
      items.push({ ...base, on: false, canToggle: false, canGiveFeedback: false, note: t('popupNoteNeedsAccount') });
    } else if (feature.reasonCode === 'needs-consent' && consent?.canGrant) {
      items.push({ ...base, on: false, canToggle: false, canGiveFeedback: false, note: consent.text, grant: consent.grantLabel });
    }
  }
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

/** The account line at the bottom of the popup. */
export function describePopupAccount(status: HostStatus): string {
  if (!status.account) return t('popupNotSignedIn');
  return t(status.account.termsOutdated ? 'popupSignedInTermsChanged' : 'popupSignedIn', status.account.email);
}

export type FeedbackCheck = { ok: true; feedback: { rating: number; comment: string } } | { ok: false; message: string };

/** A rating from 1 to 5 is required; the comment is optional and bounded. */
export function validateFeedback(rating: string | number | null, comment: string): FeedbackCheck {
  const value = typeof rating === 'number' ? rating : rating === null || rating === '' ? NaN : Number(rating);
  if (!Number.isInteger(value) || value < 1 || value > 5) return { ok: false, message: t('feedbackChooseRating') };
  const trimmed = comment.trim();
  if (trimmed.length > FEEDBACK_COMMENT_MAX) {
    return { ok: false, message: t('feedbackTooLong', [FEEDBACK_COMMENT_MAX, trimmed.length]) };
  }
  return { ok: true, feedback: { rating: value, comment: trimmed } };
}
