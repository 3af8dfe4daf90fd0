/**
 * Typed requests from the add-on's pages to the background.
 *
 * @example
 * const request = createHostClient((message) => browser.runtime.sendMessage(message));
 * const status = await request({ type: 'sbc:status' });
 */
import type { HostRequest, HostResponse } from '../messages';

export type SendMessage = (message: HostRequest) => Promise<unknown>;
export type HostClient = <R extends HostRequest>(request: R) => Promise<HostResponse<R>>;

/** The background refused a request or did not answer it; the message is for the user. */
export class HostRequestError extends Error {
  constructor(
    readonly requestType: HostRequest['type'],
    message: string,
  ) {
    super(message);
    this.name = 'HostRequestError';
  }
}

export function createHostClient(send: SendMessage): HostClient {
  return async <R extends HostRequest>(request: R): Promise<HostResponse<R>> => {
    let answer: unknown;
    try {
      answer = await send(request);
    } catch (error) {
      throw new HostRequestError(request.type, `The add-on did not answer ${request.type}: ${describeError(error)}`);
    }
    if (answer === undefined || answer === null) {
      throw new HostRequestError(request.type, `The add-on did not answer ${request.type}.`);
    }
    if (typeof answer === 'object' && 'error' in answer) {
      throw new HostRequestError(request.type, describeError((answer as { error: unknown }).error));
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
  return 'unknown error';
}
