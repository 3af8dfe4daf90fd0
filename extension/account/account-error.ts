/**
 * Errors of the beta-account client. The beta server answers failures as
 * `{error: {code, message}}`; the client turns them into an AccountError whose
 * message a beta user can read in the QA panel or the popup.
 *
 * @example
 * try { await client.signIn(email, password); }
 * catch (error) { if (error instanceof AccountError && error.code === 'rate-limited') wait(error.retryAfterSeconds); }
 */
export class AccountError extends Error {
  constructor(
    /** Stable code: the server's `error.code`, or one of the client's own ("not-signed-in", "network", "forbidden-path", "bad-response", "rate-limited"). */
    readonly code: string,
    message: string,
    /** HTTP status of the answer; 0 when the server was not reached or not asked. */
    readonly status: number = 0,
    /** Seconds to wait before trying again, from Retry-After on a 429. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'AccountError';
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
 * Reads a failed answer of the beta server and turns it into an AccountError.
 * The server's own message is kept when the status has no better wording.
 */
export async function readAccountError(response: Response, action: AccountAction, now: () => number = Date.now): Promise<AccountError> {
  const body = await readJson<ServerErrorBody>(response);
  const serverCode = typeof body?.error?.code === 'string' ? body.error.code : null;
  const serverMessage = typeof body?.error?.message === 'string' ? body.error.message : null;
  const status = response.status;

  if (status === 429) {
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'), now());
    return new AccountError('rate-limited', `Too many attempts to ${action}. ${describeWait(retryAfter)}`, status, retryAfter);
  }
  const code = serverCode ?? `http-${status}`;
  if (status === 401 && action === 'sign in') return new AccountError(code, 'Wrong email or password.', status);
  if (status === 401) return new AccountError(code, 'Your beta session has ended. Sign in again.', status);
  if (status === 409) return new AccountError(code, 'A beta account with this email already exists. Sign in instead.', status);
  if (mentionsTerms(serverCode)) {
    return new AccountError(code, 'The beta Terms of Service or Privacy Notice have changed. Read and accept the current version.', status);
  }
  if (status >= 500) return new AccountError(code, `The beta server had a problem (HTTP ${status}) and could not ${action}. Try again later.`, status);
  const detail = serverMessage ? `: ${serverMessage}` : ` (HTTP ${status})`;
  return new AccountError(code, `Could not ${action}${detail}`, status);
}

/** The error for a request that never got an answer. */
export function createNetworkError(origin: string, action: AccountAction, cause: unknown): AccountError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new AccountError('network', `Could not ${action}: the beta server at ${origin} cannot be reached (${why}).`);
}

/** Retry-After holds seconds or an HTTP date; anything else means "unknown". */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

function describeWait(seconds: number | null): string {
  if (seconds === null) return 'Try again later.';
  if (seconds < 90) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

function mentionsTerms(code: string | null): boolean {
  return code !== null && /terms/i.test(code);
}

/** Parses a JSON body, or gives null when there is none or it is not JSON. */
export async function readJson<T>(response: Response): Promise<T | null> {
  try {
    return (await response.json()) as T;
  } catch {
    return null;
  }
}
