/**
 * Every error the beta server sends, coded in one place and sent as
 * `{error: {code, message}}`. Codes are stable: clients branch on them;
 * messages are for people and name the field or id at fault.
 */
import type { FastifyError } from 'fastify';
import { ZodError } from 'zod';
import { formatZodIssues } from '../protocol/zod-issues';

/** A refusal the client caused or can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body every error response carries. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * Named constructors, so a route says `throw errors.unauthorized()` and the
 * status/code pair lives here only.
 *
 * @example
 *   throw errors.conflict('email_taken', 'an account with this email exists');
 */
export const errors = {
  invalidRequest: (message: string) => new ApiError(400, 'invalid_request', message),
  unauthorized: (message = 'a valid beta session token is required') => new ApiError(401, 'unauthorized', message),
  badCredentials: () => new ApiError(401, 'bad_credentials', 'the email or password is wrong'),
  adminOnly: () => new ApiError(401, 'admin_token_required', 'this route needs the admin token'),
  termsNotAccepted: (current: string) =>
    new ApiError(403, 'terms_not_accepted', `accept the beta Terms of Service version ${current} first (POST /v1/account/terms)`),
  notFound: (code: string, message: string) => new ApiError(404, code, message),
  conflict: (code: string, message: string) => new ApiError(409, code, message),
  tooManyRequests: (retryAfterSeconds: number, what: string) =>
    new ApiError(429, 'rate_limited', `too many ${what} attempts; retry in ${retryAfterSeconds} s`, {
      'retry-after': String(retryAfterSeconds),
    }),
  unavailable: (code: string, message: string) => new ApiError(503, code, message),
};

/**
 * Turns a zod error into one message that names every offending field under
 * `where` ("body", "query"); give the input so the message can quote it.
 */
export function describeZodError(error: ZodError, where: string, input?: unknown): string {
  return formatZodIssues(error, input === undefined ? { root: where } : { root: where, input });
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
};

/**
 * Maps anything thrown while serving a request to a status and body. Client
 * mistakes become 4xx with a code; only a fault of the server is a 500, and
 * its details stay in the log.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } }, headers: error.headers };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: { error: { code: 'invalid_request', message: describeZodError(error, 'body') } }, headers: {} };
  }
  const fastifyError = error as Partial<FastifyError> & { message?: string };
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) {
    return { status: known[0], body: { error: { code: known[1], message: fastifyError.message ?? known[1] } }, headers: {} };
  }
  if (error instanceof SyntaxError) {
    return { status: 400, body: { error: { code: 'invalid_json', message: `the body is not valid JSON: ${error.message}` } }, headers: {} };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (fastifyError.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    return { status, body: { error: { code, message: fastifyError.message ?? code } }, headers: {} };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'the beta server failed; the error is logged' } }, headers: {} };
}
