/**
 * Every error the beta server sends, coded in one place and sent as
 * `{error: {code, message}}`. Codes are stable: clients branch on them;
 * messages are for people and name the field or id at fault.
 */
import type { FastifyError } from 'fastify';
import type { z } from 'zod';
import { ChannelError } from '../protocol/errors';
import { formatZodIssues } from '../protocol/zod-issues';
import { StoreInputError } from './store/refuse-nul';

interface ErrorKind {
  status: number;
  /** Said when the thrower has nothing more precise to say. */
  message: string;
}

/** Every code the server answers with, its HTTP status and its default message. */
const ERROR_KINDS = {
  // The request as HTTP: path, body, content type.
  invalid_request: { status: 400, message: 'the request is not valid' },
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_content_length: { status: 400, message: 'the Content-Length header does not match the body' },
  bad_url: { status: 400, message: 'the request path is not a valid URL' },
  bad_request: { status: 400, message: 'the request is malformed' },
  invalid_text: { status: 400, message: 'the text holds a character the database cannot keep' },
  not_found: { status: 404, message: 'there is no such route' },
  method_not_allowed: { status: 405, message: 'this method is not allowed here' },
  body_too_large: { status: 413, message: 'the body is larger than this route accepts' },
  request_timeout: { status: 408, message: 'the request headers or body did not arrive in time' },
  path_too_long: { status: 414, message: 'a part of the request path is too long' },
  unsupported_media_type: { status: 415, message: 'the body must be JSON (Content-Type: application/json)' },
  headers_too_large: { status: 431, message: 'the request headers are too large' },
  // Accounts, sessions and terms.
  unauthorized: { status: 401, message: 'a valid beta session token is required' },
  bad_credentials: { status: 401, message: 'the email or password is wrong' },
  admin_token_required: { status: 401, message: 'this route needs the admin token' },
  terms_not_accepted: { status: 403, message: 'accept the current beta Terms of Service first (POST /v1/account/terms)' },
  terms_version_mismatch: { status: 400, message: 'acceptedTerms is not the current version of the Terms of Service' },
  weak_password: { status: 400, message: 'the password is too weak' },
  password_not_unicode: { status: 400, message: 'the password is not Unicode text' },
  password_queue_full: { status: 503, message: 'the server is checking too many passwords at once; retry later' },
  email_taken: { status: 409, message: 'an account for this email already exists' },
  rate_limited: { status: 429, message: 'too many attempts; retry later' },
  terms_not_found: { status: 404, message: 'there is no such version of the Terms of Service' },
  privacy_not_found: { status: 404, message: 'there is no such version of the Privacy Notice' },
  // The signed manifest; the refusals mirror the verifier's reasons.
  no_manifest: { status: 404, message: 'no manifest has been published yet' },
  no_halt: { status: 404, message: 'no feature has been halted' },
  malformed_envelope: { status: 400, message: 'the body must be the signed manifest envelope' },
  malformed_payload: { status: 422, message: 'the manifest payload does not match the schema' },
  unknown_key: { status: 422, message: 'the manifest is signed by no key this server trusts' },
  revoked_key: { status: 422, message: 'the manifest is signed by a revoked key' },
  bad_signature: { status: 422, message: 'the manifest signature does not verify' },
  below_threshold: { status: 422, message: 'the manifest has fewer valid signatures than required' },
  no_manifest_key: { status: 422, message: 'the key document lists no manifest key' },
  halt_wrong_manifest: { status: 422, message: 'the halt document is for another manifest' },
  halt_unknown_feature: { status: 422, message: 'the halt document names a feature the manifest does not list' },
  halt_raises: { status: 422, message: 'the halt document would raise a rollout' },
  halt_unkills: { status: 422, message: 'the halt document would bring back a killed feature' },
  wrong_env: { status: 422, message: 'the manifest is for another environment' },
  expired: { status: 422, message: 'the manifest has expired' },
  lifetime_too_long: { status: 422, message: 'the manifest would stay valid for longer than allowed' },
  issued_in_future: { status: 422, message: 'the manifest is issued in the future' },
  implausible_serial: { status: 422, message: 'the manifest serial jumps further than plausible' },
  serial_reused: { status: 422, message: 'the manifest serial was already used for other bytes' },
  unreviewed: { status: 422, message: 'a feature in the manifest lacks its sign-offs' },
  rollback: { status: 409, message: 'the manifest serial goes back' },
  stale_serial: { status: 409, message: 'the manifest serial is not higher than the current one' },
  public_keys_unreadable: { status: 503, message: 'the server cannot read its public keys' },
  no_public_keys: { status: 503, message: 'the server trusts no manifest signing key' },
  // The key document: which keys may sign manifests, signed by the root keys.
  no_key_document: { status: 404, message: 'no key document has been published yet' },
  root_keys_unreadable: { status: 503, message: 'the server cannot read its root keys' },
  no_root_keys: { status: 503, message: 'the server trusts no root key' },
  key_document_untrusted: { status: 503, message: 'the stored key document no longer verifies' },
  // Beta services; page notes.
  service_not_deployed: { status: 404, message: 'the service is not deployed' },
  url_too_long: { status: 413, message: 'the page URL is too long' },
  note_too_large: { status: 413, message: 'the note text is too long' },
  note_not_found: { status: 404, message: 'there is no note for this page' },
  too_many_notes: { status: 409, message: 'the account holds as many notes as it may' },
  // The storage service.
  record_not_found: { status: 404, message: 'there is no such record' },
  modified_since: { status: 412, message: 'the collection changed since the time the client gave' },
  quota_exceeded: { status: 403, message: 'the account is over its storage quota' },
  payload_too_large: { status: 413, message: 'the record payload is too large' },
  too_many_batches: { status: 409, message: 'the account has as many open batches as it may' },
  batch_not_found: { status: 404, message: 'there is no such open batch' },
  // Usage counters, and storage batches.
  batch_too_large: { status: 413, message: 'the batch holds too many counts' },
  too_many_features: { status: 400, message: 'the uninstall report names more features than an add-on runs' },
  // Exit criteria.
  unknown_feature: { status: 404, message: 'the current manifest has no such feature' },
  // The admin dashboard.
  invalid_day_range: { status: 400, message: 'the day range is not valid: from must not be after to, and it spans at most 731 days' },
  dashboard_unavailable: { status: 503, message: 'the dashboard page cannot be built; the error is logged' },
  // A fault of the server; its details stay in the log.
  internal: { status: 500, message: 'the beta server failed; the error is logged' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_KINDS;

/**
 * A refusal the client caused or can act on; its status comes from the code.
 * It belongs to the channel's error family, like the add-on's HostError and
 * the build's BuildError.
 *
 * @example
 *   throw new ApiError('email_taken', `an account for ${email} already exists`);
 */
export class ApiError extends ChannelError {
  declare readonly code: ErrorCode;
  /** Named as fastify names it, so fastify and the error handler agree on it. */
  readonly statusCode: number;

  constructor(
    code: ErrorCode,
    message: string = ERROR_KINDS[code].message,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
    this.statusCode = ERROR_KINDS[code].status;
  }
}

/** The body every error response carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * Options for a zod check whose failure answers with its own code (and so its
 * own status) instead of `invalid_request`. The message may use the value.
 *
 * @example
 *   z.string().refine((url) => url.length <= 2048, failWith('url_too_long', (url) => `must be at most 2048 characters (got ${url.length})`))
 */
export function failWith(code: ErrorCode, message: string | ((input: any) => string)) {
  return {
    params: { errorCode: code },
    error: typeof message === 'string' ? message : (issue: { input?: unknown }) => message(issue.input),
  };
}

/** The code a failed check carries, when it was made with failWith. */
function readIssueCode(issue: z.core.$ZodIssue): ErrorCode | undefined {
  const code = issue.code === 'custom' ? issue.params?.errorCode : undefined;
  return typeof code === 'string' && code in ERROR_KINDS ? (code as ErrorCode) : undefined;
}

/** How fastify names the parts of a request, and how our messages name them. */
const INPUT_PLACES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/**
 * Turns a failed schema check of one part of a request into one error. Shape
 * and type problems come first, as one `invalid_request` naming every
 * offending field (`body.counts[1].day: …`); only a request of the right shape
 * is refused with a check's own code, such as `url_too_long`.
 */
export function describeValidationFailure(error: z.ZodError, part: string, input: unknown): ApiError {
  const root = INPUT_PLACES[part] ?? part;
  const plain = error.issues.filter((issue) => readIssueCode(issue) === undefined);
  if (plain.length > 0) return new ApiError('invalid_request', formatZodIssues(plain, { root, input }));
  const [first] = error.issues;
  if (!first) return new ApiError('invalid_request');
  return new ApiError(readIssueCode(first)!, formatZodIssues([first], { root, input }));
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'bad_url',
  FST_ERR_MAX_PARAM_LENGTH: 'path_too_long',
};

function toBody(error: ApiError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}

/**
 * Maps anything thrown while serving a request to a status and body. Client
 * mistakes become 4xx with a code; only a fault of the server is a 500, and
 * its details stay in the log.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const known = toApiError(error);
  return { status: known.statusCode, body: toBody(known), headers: known.headers };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // A value that passed the schema but that the database cannot keep (U+0000).
  if (error instanceof StoreInputError) return new ApiError('invalid_text', error.message);
  const fastifyError = error as Partial<FastifyError>;
  const code = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (code) return new ApiError(code, fastifyError.message || undefined);
  if (error instanceof SyntaxError) return new ApiError('invalid_json', `the body is not valid JSON: ${error.message}`);
  // Any other refusal of the request by fastify itself, such as a body stream that broke off.
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError('bad_request', fastifyError.message || undefined);
  return new ApiError('internal');
}
