/**
 * Typed requests from the add-on's pages to the background.
 *
 * @example
 * const request = createHostClient((message) => browser.runtime.sendMessage(message));
 * const status = await request({ type: 'sbc:status' });
 */
import type { AccountFailureWords } from '../account/account-error';
import { HostError } from '../errors';
import { t } from '../i18n';
import type { HostRequest, HostResponse } from '../messages';

export type SendMessage = (message: HostRequest) => Promise<unknown>;
export type HostClient = <R extends HostRequest>(request: R) => Promise<HostResponse<R>>;

/**
 * The background refused a request or did not answer it. The code is the
 * background's (`forbidden`, `invalid_credentials`…) or `no-answer`; the
 * subject is the request type; describeFailure (dom.ts) words it for the user.
 */
export class HostRequestError extends HostError {
  constructor(
    readonly requestType: HostRequest['type'],
    code: string,
    message: string,
    cause?: unknown,
    /** How the pages word the failure (ui/error-view.ts), when the background sent it. */
    readonly words?: AccountFailureWords,
  ) {
    super(code, message, { subject: requestType, cause });
  }
}

export function createHostClient(send: SendMessage): HostClient {
  return async <R extends HostRequest>(request: R): Promise<HostResponse<R>> => {
    let answer: unknown;
    try {
      answer = await send(request);
    } catch (error) {
      throw new HostRequestError(request.type, 'no-answer', t('errorNoAnswerBecause', [request.type, describeError(error)]), error);
    }
    if (answer === undefined || answer === null) {
      throw new HostRequestError(request.type, 'no-answer', t('errorNoAnswer', request.type));
    }
    if (typeof answer === 'object' && 'error' in answer) {
      const { error } = answer as { error: unknown };
      const words = typeof error === 'object' && error !== null ? (error as { words?: AccountFailureWords }).words : undefined;
      throw new HostRequestError(request.type, readErrorCode(error), describeError(error), undefined, words);
    }
    return answer as HostResponse<R>;
  };
}

/** The background sends {error: string} or {error: {code, message}}. */
function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return t('errorUnknown');
}

function readErrorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code !== '' ? code : 'failed';
}
