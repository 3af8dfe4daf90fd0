/**
 * A beta-account failure in the user's language. The background sends its
 * kind, the action and the parameters (account/account-error.ts); the
 * sentence is made here, from the messages file.
 *
 * @example
 * describeAccountFailure({ kind: 'rate-limited', action: 'sign-in', retryAfterMs: 120_000 });
 * // "Too many attempts to sign in. Try again in 2 minutes."
 */
import type { AccountAction, AccountFailureKind, AccountFailureWords } from '../account/account-error';
import { t } from '../i18n';

/** Message keys of the actions, in words that fit "Could not …". */
const ACTION_KEYS: Record<AccountAction, string> = {
  'load-terms': 'actionLoadTerms',
  'sign-up': 'actionSignUp',
  'sign-in': 'actionSignIn',
  'sign-out': 'actionSignOut',
  'load-account': 'actionLoadAccount',
  'accept-terms': 'actionAcceptTerms',
  'delete-account': 'actionDeleteAccount',
  'call-service': 'actionCallService',
};

/** Message keys of the failures; each takes the action as $1, then its own parameters. */
const FAILURE_KEYS: Record<AccountFailureKind, string> = {
  'rate-limited': 'failureRateLimited',
  'wrong-credentials': 'failureWrongCredentials',
  'session-ended': 'failureSessionEnded',
  'account-exists': 'failureAccountExists',
  'terms-changed': 'failureTermsChanged',
  'server-problem': 'failureServerProblem',
  refused: 'failureRefused',
  'bad-response': 'failureBadResponse',
  'too-large': 'failureTooLarge',
  unreachable: 'failureUnreachable',
  'not-signed-in': 'failureNotSignedIn',
};

export function describeAccountFailure(words: AccountFailureWords): string {
  const action = ACTION_KEYS[words.action] ? t(ACTION_KEYS[words.action]) : words.action;
  const status = words.status ?? '';
  if (words.kind === 'rate-limited') return t('failureRateLimited', [action, describeWait(words.retryAfterMs ?? null)]);
  if (words.kind === 'refused' && !words.detail) return t('failureRefusedStatus', [action, status]);
  const key = FAILURE_KEYS[words.kind];
  return key ? t(key, [action, words.kind === 'server-problem' ? status : (words.detail ?? ''), words.where ?? '']) : words.kind;
}

function describeWait(ms: number | null): string {
  if (ms === null) return t('waitLater');
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return t(seconds === 1 ? 'waitOneSecond' : 'waitSeconds', seconds);
  return t('waitMinutes', Math.ceil(seconds / 60));
}
