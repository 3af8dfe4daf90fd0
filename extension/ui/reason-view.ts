/**
 * Why a feature is or is not installed, in the user's language. The host
 * sends the planner's reason code and the parameters its words need
 * (protocol/planner.ts); the sentence is made here, from the messages file.
 *
 * @example
 * describeReason({ reasonCode: 'rollout', detail: {}, bucket: 7125, rollout: 5000 }, 'firefox');
 * // "Rollout 50%: this browser's bucket 7125 is at or above 5000"
 */
import type { FileDifference } from '../../protocol/manifest-schema';
import type { ReasonDetail, TargetingMismatch } from '../../protocol/planner';
import { formatRollout } from '../../protocol/rollout';
import { t } from '../i18n';
import type { FeatureStatus, HostStatus } from '../messages';
import { describeCategories } from './consent-view';

type ReasonInput = Pick<FeatureStatus, 'reasonCode' | 'detail' | 'bucket' | 'rollout'> & { error?: string };

/** Message keys of the reasons that need no parameter of their own. */
const PLAIN_REASONS: Record<string, string> = {
  'no-manifest': 'reasonNoManifest',
  'not-in-manifest': 'reasonNotInManifest',
  'not-in-build': 'reasonNotInBuild',
  'qa-off': 'reasonQaOff',
  'qa-on': 'reasonQaOn',
  'opted-out': 'reasonOptedOut',
  'needs-account': 'reasonNeedsAccount',
  terms: 'reasonTerms',
};

/** The reason for QA, as one sentence; unknown codes show as themselves rather than as nothing. */
export function describeReason(feature: ReasonInput, source: HostStatus['dataConsentSource']): string {
  const { detail } = feature;
  let text = describeCore(feature, source);
  if (detail.forcedOn) {
    if (feature.reasonCode === 'killed' || feature.reasonCode === 'halted') text = t('reasonKilledForcedOn', text);
    else if (feature.reasonCode === 'needs-consent') text = t('reasonForcedOnConsent', text);
    else text = t('reasonForcedOnGate', text);
  }
  return detail.unreviewed ? t('reasonUnreviewed', [text, describeSignOffs(detail)]) : text;
}

function describeCore(feature: ReasonInput, source: HostStatus['dataConsentSource']): string {
  const { reasonCode, detail, bucket, rollout } = feature;
  const plain = PLAIN_REASONS[reasonCode];
  if (plain) return t(plain);
  switch (reasonCode) {
    case 'failed':
      return t('reasonFailed', feature.error ?? t('featureFailedUnknown'));
    case 'killed':
      return t('reasonKilled');
    case 'halted':
      return t('reasonHalted');
    case 'sign-offs':
      return t('reasonSignOffs', describeSignOffs(detail));
    case 'targeting':
      return t('reasonTargeting', detail.targeting ? describeTargeting(detail.targeting) : '');
    case 'rollout':
    case 'eligible': {
      const percent = detail.held ? t('reasonRolloutHeld', formatRollout(rollout ?? 0)) : formatRollout(rollout ?? 0);
      return t(reasonCode === 'rollout' ? 'reasonRolloutOut' : 'reasonRolloutIn', [percent, bucket ?? '', rollout ?? '']);
    }
    case 'needs-consent':
      return t('reasonNeedsConsent', [describeCategories(detail.missing ?? []), t(source === 'add-on' ? 'reasonConsentAddonAsks' : 'reasonConsentFirefoxAsks')]);
    case 'needs-service':
      return t('reasonNeedsService', (detail.missing ?? []).map((id) => t('quoted', id)).join(t('listSeparator')));
    default:
      return reasonCode;
  }
}

function describeRange(range: { min?: string; max?: string }): string {
  if (range.min && range.max) return t('rangeBetween', [range.min, range.max]);
  return range.min ? t('rangeFrom', range.min) : t('rangeUpTo', range.max ?? '');
}

function describeTargeting(mismatch: TargetingMismatch): string {
  switch (mismatch.rule) {
    case 'hostVersion':
      return t('targetingHostVersion', [mismatch.actual, describeRange(mismatch)]);
    case 'firefoxVersion':
      return t('targetingFirefoxVersion', [mismatch.actual, describeRange(mismatch)]);
    case 'os':
      return t('targetingOs', [mismatch.actual, mismatch.allowed.join(t('listSeparator'))]);
    case 'locale':
      return t('targetingLocale', [mismatch.actual, mismatch.allowed.join(t('listSeparator'))]);
  }
}

/** Message keys of the sign-off roles and problems. */
const ROLE_KEYS: Record<string, string> = { security: 'roleSecurity', privacy: 'rolePrivacy', technical: 'roleTechnical' };
const FILE_KEYS: Record<FileDifference['kind'], string> = {
  differs: 'signOffFileDiffers',
  missing: 'signOffFileMissing',
  'also-signed': 'signOffFileAlsoSigned',
  extra: 'signOffFileExtra',
};

function describeSignOffs(detail: ReasonDetail): string {
  return (detail.signOffs ?? [])
    .map((problem) => {
      const role = ROLE_KEYS[problem.role] ? t(ROLE_KEYS[problem.role]!) : problem.role;
      const who = [problem.featureId, role];
      switch (problem.reason) {
        case 'missing':
          return t('signOffMissing', who);
        case 'stale-version':
          return t('signOffStaleVersion', [...who, problem.given ?? '', problem.expected ?? '']);
        case 'stale-sha256':
          return t('signOffStaleSha256', [...who, problem.given ?? '', problem.expected ?? '']);
        case 'self-review':
          return t('signOffSelfReview', [...who, problem.given ?? '']);
        case 'stale-files': {
          const files = problem.files ?? [];
          const count = t(files.length === 1 ? 'signOffDifferenceOne' : 'signOffDifferenceMany', files.length);
          const list = files.map((file) => t(FILE_KEYS[file.kind], [file.path, 'signedOff' in file ? file.signedOff : '', 'now' in file ? file.now : '']));
          return t('signOffStaleFiles', [...who, count, list.join(t('signOffSeparator'))]);
        }
      }
    })
    .join(t('signOffSeparator'));
}
