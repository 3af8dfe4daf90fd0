/**
 * Errors of the beta-account client. The beta server answers failures as
 * `{error: {code, message}}`; the client turns them into an AccountError whose
 * message a beta user can read in the QA panel or the popup, and whose
 * subject is the URL asked for, or the feature that asked.
 *
 * @example
 * try { await client.signIn(email, password); }
 * catch (error) { if (error instanceof AccountError && error.code === 'rate-limited') wait(error.retryAfterMs); }
 */
import { HostError } from '../errors';
import { BetaServerError, type BetaAnswer } from '../channel/beta-server-client';

export interface AccountErrorOptions {
  /** The URL asked for, or the feature id that asked. */
  subject?: string;
  /** HTTP status of the answer; 0 (the default) when the server was not reached or not asked. */
  status?: number;
  /** Milliseconds to wait before trying again, from Retry-After on a 429. */
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class AccountError extends HostError {
  /** HTTP status of the answer; 0 when the server was not reached or not asked. */
  readonly status: number;
  /** Milliseconds to wait before trying again, from Retry-After on a 429. */
  readonly retryAfterMs: number | null;

  /**
   * @param code Stable code: the server's `error.code`, or one of the client's own
   *   ("not-signed-in", "network", "forbidden-path", "bad-response", "rate-limited").
   */
  constructor(code: string, message: string, { status = 0, retryAfterMs = null, ...options }: AccountErrorOptions = {}) {
    super(code, message, options);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** What the client was doing, in words that fit "Could not <action>". */
export type AccountAction =
  | 'load the beta terms'
  | 'create the beta account'
  | 'sign in'
  | 'sign out'
  | 'load the beta account'
  | 'accept the beta terms'
  | 'delete the beta account'
  | string;

interface ServerErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/**
 * Turns a failed answer of the beta server into an AccountError. The
 * server's own message is kept when the status has no better wording.
 */
export function readAccountError(answer: BetaAnswer, action: AccountAction): AccountError {
  const body = answer.json<ServerErrorBody>();
  const serverCode = typeof body?.error?.code === 'string' ? body.error.code : null;
  const serverMessage = typeof body?.error?.message === 'string' ? body.error.message : null;
  const status = answer.status;
  const options = { status, subject: answer.url.href };

  if (status === 429) {
    const retryAfterMs = answer.retryAfterMs ?? null;
    return new AccountError('rate-limited', `Too many attempts to ${action}. ${describeWait(retryAfterMs)}`, { ...options, retryAfterMs });
  }
  const code = serverCode ?? `http-${status}`;
  if (status === 401 && action === 'sign in') return new AccountError(code, 'Wrong email or password.', options);
  if (status === 401) return new AccountError(code, 'Your beta session has ended. Sign in again.', options);
  if (status === 409) return new AccountError(code, 'A beta account with this email already exists. Sign in instead.', options);
  if (mentionsTerms(serverCode)) {
    return new AccountError(code, 'The beta Terms of Service or Privacy Notice have changed. Read and accept the current version.', options);
  }
  if (status >= 500) return new AccountError(code, `The beta server had a problem (HTTP ${status}) and could not ${action}. Try again later.`, options);
  const detail = serverMessage ? `: ${serverMessage}` : ` (HTTP ${status})`;
  return new AccountError(code, `Could not ${action}${detail}`, options);
}

/** The error for an answer that lacks what the client needs from it. */
export function createBadResponseError(answer: BetaAnswer, message: string): AccountError {
  return new AccountError('bad-response', message, { status: answer.status, subject: answer.url.href });
}

/**
 * The error for a request that got no usable answer. An answer too large to
 * read is a bad response; anything else (unreachable, too slow, a redirect)
 * means the beta server cannot be reached as it should be.
 */
export function createRequestError(origin: string, action: AccountAction, error: unknown): AccountError {
  const subject = error instanceof BetaServerError ? error.subject : origin;
  if (error instanceof BetaServerError && error.code === 'too-large') {
    return new AccountError('bad-response', `Could not ${action}: the beta server at ${origin} ${error.reason}.`, { subject, cause: error });
  }
  const why = describeCause(error);
  return new AccountError('network', `Could not ${action}: the beta server at ${origin} cannot be reached (${why}).`, { subject, cause: error });
}

function describeCause(error: unknown): string {
  if (!(error instanceof BetaServerError)) return error instanceof Error ? error.message : String(error);
  // For an unreachable server the fetch's own words ("offline") say more than the URL again.
  if (error.code === 'network' && error.cause instanceof Error) return error.cause.message;
  return error.reason;
}

function describeWait(ms: number | null): string {
  if (ms === null) return 'Try again later.';
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

function mentionsTerms(code: string | null): boolean {
  return code !== null && /terms/i.test(code);
}
