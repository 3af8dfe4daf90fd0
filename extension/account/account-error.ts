/**
 * Errors of the beta-account client. The beta server answers failures as
 * `{error: {code, message}}`; the client turns them into an AccountError
 * with a stable code, the subject (the URL asked for, or the feature that
 * asked) and `words`: the kind of failure and what its sentence needs. The
 * add-on's pages say it in the user's language (ui/error-view.ts); the
 * message is a short line for logs and feature developers.
 *
 * @example
 * try { await client.signIn(email, password); }
 * catch (error) { if (error instanceof AccountError && error.code === 'rate-limited') wait(error.retryAfterMs); }
 */
import { HostError } from '../errors';
import { BetaServerError, type BetaAnswer } from '../channel/beta-server-client';

/** What the client was doing: the pages word it ("sign in", "load the beta terms"). */
export type AccountAction = 'load-terms' | 'sign-up' | 'sign-in' | 'sign-out' | 'load-account' | 'accept-terms' | 'delete-account' | 'call-service';

export type AccountFailureKind =
  | 'rate-limited'
  | 'wrong-credentials'
  | 'session-ended'
  | 'account-exists'
  | 'terms-changed'
  | 'server-problem'
  | 'refused'
  | 'bad-response'
  | 'too-large'
  | 'unreachable'
  | 'not-signed-in';

/** A failure as the pages word it: its kind, the action, and the parameters of its sentence. */
export interface AccountFailureWords {
  kind: AccountFailureKind;
  action: AccountAction;
  /** HTTP status, when the server answered. */
  status?: number;
  retryAfterMs?: number | null;
  /** The server's own message (refused), the fields an answer lacked (bad-response), the byte cap (too-large), or why the server was not reached (unreachable). */
  detail?: string;
  /** The request that answered badly ("GET /v1/terms"), or the beta origin. */
  where?: string;
}

export interface AccountErrorOptions {
  /** How the pages word it; absent for errors only feature developers see. */
  words?: AccountFailureWords;
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
  readonly words: AccountFailureWords | undefined;

  /**
   * @param code Stable code: the server's `error.code`, or one of the client's own
   *   ("not-signed-in", "network", "forbidden-path", "bad-response", "rate-limited").
   */
  constructor(code: string, message: string, { status = 0, retryAfterMs = null, words, ...options }: AccountErrorOptions = {}) {
    super(code, message, options);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.words = words;
  }
}

interface ServerErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/** The error with the log line made from its words: "sign-in: refused (HTTP 400): password too short". */
function createAccountError(code: string, words: AccountFailureWords, options: AccountErrorOptions = {}, note = words.detail): AccountError {
  const status = words.status ? ` (HTTP ${words.status})` : '';
  return new AccountError(code, `${words.action}: ${words.kind}${status}${note ? `: ${note}` : ''}`, { ...options, words });
}

/** Turns a failed answer of the beta server into an AccountError; the server's own message is kept when the status has no better wording. */
export function readAccountError(answer: BetaAnswer, action: AccountAction): AccountError {
  const body = answer.json<ServerErrorBody>();
  const serverCode = typeof body?.error?.code === 'string' ? body.error.code : null;
  const serverMessage = typeof body?.error?.message === 'string' ? body.error.message : undefined;
  const status = answer.status;
  const options = { status, subject: answer.url.href };
  const fail = (kind: AccountFailureKind, code = serverCode ?? `http-${status}`, extra: Partial<AccountFailureWords> = {}) =>
    createAccountError(code, { kind, action, status, ...extra }, { ...options, retryAfterMs: extra.retryAfterMs ?? null });

  if (status === 429) return fail('rate-limited', 'rate-limited', { retryAfterMs: answer.retryAfterMs ?? null });
  if (status === 401) return fail(action === 'sign-in' ? 'wrong-credentials' : 'session-ended');
  if (status === 409) return fail('account-exists');
  if (serverCode !== null && /terms/i.test(serverCode)) return fail('terms-changed');
  if (status >= 500) return fail('server-problem');
  return fail('refused', undefined, serverMessage ? { detail: serverMessage } : {});
}

/** The error for an answer that lacks what the client needs from it: `missing` names the fields. */
export function createBadResponseError(answer: BetaAnswer, action: AccountAction, request: string, missing: string): AccountError {
  return createAccountError('bad-response', { kind: 'bad-response', action, where: request, detail: missing }, { status: answer.status, subject: answer.url.href });
}

/** The error when no account is signed in. */
export function createNotSignedInError(action: AccountAction, origin: string): AccountError {
  return createAccountError('not-signed-in', { kind: 'not-signed-in', action }, { subject: origin });
}

/**
 * The error for a request that got no usable answer. An answer too large to
 * read is a bad response; anything else (unreachable, too slow, a redirect)
 * means the beta server cannot be reached as it should be.
 */
export function createRequestError(origin: string, action: AccountAction, error: unknown): AccountError {
  const subject = error instanceof BetaServerError ? error.subject : origin;
  if (error instanceof BetaServerError && error.code === 'too-large') {
    return createAccountError('bad-response', { kind: 'too-large', action, where: origin, detail: String(error.limit) }, { subject, cause: error }, error.reason);
  }
  return createAccountError('network', { kind: 'unreachable', action, where: origin, detail: describeCause(error) }, { subject, cause: error });
}

function describeCause(error: unknown): string {
  if (!(error instanceof BetaServerError)) return error instanceof Error ? error.message : String(error);
  // For an unreachable server the fetch's own words ("offline") say more than the URL again.
  if (error.code === 'network' && error.cause instanceof Error) return error.cause.message;
  return error.reason;
}
