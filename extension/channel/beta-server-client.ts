/**
 * The add-on's one door to the beta server. The manifest fetch, the account
 * client, ctx.services.fetch and the telemetry queues all go through a
 * BetaServerClient, so every call gets the same guarantees:
 * - it reaches only the beta origin the client was built for (DESIGN.md decision 7);
 * - one deadline covers the headers and the whole body;
 * - no more than a capped number of body bytes is read;
 * - a redirect is refused, never followed, so a password, token or manifest
 *   cannot be steered to another place;
 * - Retry-After is read once, in milliseconds.
 *
 * @example
 * const server = new BetaServerClient({ origin: buildConfig.origin });
 * const answer = await server.request({ method: 'POST', path: '/v1/sessions', json: { email, password } });
 * if (answer.ok) keep(answer.json());
 * else wait(answer.retryAfterMs);
 */
import { HostError } from '../errors';

/** Any fetch: the browser's, undici's, or a test's. The client always passes an absolute URL string. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type BetaServerErrorCode =
  /** The server could not be reached, or cut its answer short. */
  | 'network'
  /** The deadline passed before the whole answer arrived. */
  | 'deadline'
  /** The answer is larger than the caller accepts. */
  | 'too-large'
  /** The server answered with a redirect. */
  | 'redirected'
  /** The caller asked for a URL off the beta origin. */
  | 'off-origin';

/** Why a request to the beta server got no usable answer. The subject is the URL asked for. */
export class BetaServerError extends HostError {
  declare readonly code: BetaServerErrorCode;

  constructor(
    code: BetaServerErrorCode,
    url: URL,
    /** What went wrong, as it reads after the URL: "did not answer within 30000 ms". */
    readonly reason: string,
    cause?: unknown,
    /** The byte cap a too-large answer passed. */
    readonly limit?: number,
  ) {
    super(code, `${url.href} ${reason}`, { subject: url.href, cause });
  }
}

/** Most a server may ask us to wait: a kill switch must still arrive within a day. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The default body cap; a manifest of 500 features is far below it. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Parses Retry-After, in seconds ("120") or as an HTTP-date, into
 * milliseconds from `nowMs`, capped at MAX_RETRY_AFTER_MS. Undefined when
 * absent or unreadable.
 *
 * @example parseRetryAfter('120', Date.now()) // 120000
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - nowMs);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

export interface BetaServerClientOptions {
  /** The beta origin the add-on was built for; anything but its origin part is ignored. */
  origin: string;
  fetch?: FetchLike;
  /** Deadline for a whole exchange, body included. */
  timeoutMs?: number;
  /** Most body bytes read when a request does not say. */
  maxBytes?: number;
  now?: () => number;
}

export interface BetaRequest {
  method?: string;
  /** Resolved against the beta origin; a path that leaves it is refused before any request. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as a bearer token. */
  token?: string;
  maxBytes?: number;
  /** Whether the body of an answer with this status is read; an unread body is discarded. Default: always. */
  readBody?: (status: number) => boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** An answer of the beta server, read in full within the deadline and the cap. */
export class BetaAnswer {
  constructor(
    readonly url: URL,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    /** The body; empty when it was not read. */
    readonly body: Uint8Array<ArrayBuffer>,
    /** How long the server asked us to wait before trying again. */
    readonly retryAfterMs: number | undefined,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as UTF-8; invalid bytes become U+FFFD, so garbage fails later as malformed content. */
  text(): string {
    return new TextDecoder('utf-8').decode(this.body);
  }

  /** The body parsed as JSON, or null when there is none or it is not JSON. */
  json<T>(): T | null {
    try {
      return JSON.parse(this.text()) as T;
    } catch {
      return null;
    }
  }

  /** A fresh Response with the same status, headers and body, for callers that hand one on (ctx.services.fetch). */
  toResponse(): Response {
    const body = NULL_BODY_STATUSES.has(this.status) ? null : this.body;
    return new Response(body, { status: this.status, statusText: this.statusText, headers: this.headers });
  }
}

export class BetaServerClient {
  /** The one origin this client talks to, e.g. "https://beta.example.org". */
  readonly origin: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: BetaServerClientOptions) {
    this.origin = new URL(options.origin).origin;
    // A bare reference to window.fetch throws "Illegal invocation" once detached.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.now = options.now ?? Date.now;
  }

  /**
   * The absolute URL of a path on the beta origin. Checked after resolving,
   * so that "//elsewhere" or a full URL to another origin cannot slip past.
   */
  resolve(path: string): URL {
    const url = new URL(path, this.origin);
    if (url.origin !== this.origin) throw new BetaServerError('off-origin', url, `is not on the beta origin ${this.origin}`);
    return url;
  }

  /**
   * Sends one request and reads the answer. Resolves with any HTTP status;
   * rejects with a BetaServerError when no usable answer came: unreachable,
   * past the deadline, too large, a redirect, or off the origin.
   */
  async request(request: BetaRequest): Promise<BetaAnswer> {
    const url = this.resolve(request.path);
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.json !== undefined) headers['Content-Type'] = 'application/json';
    if (request.token) headers.Authorization = `Bearer ${request.token}`;
    const controller = new AbortController();
    const { signal } = controller;
    // no-store: callers revalidate with ETags themselves and token answers must not be cached;
    // omit: the beta server knows a user only by the bearer token, never by cookies.
    const init: RequestInit = { method: request.method ?? 'GET', headers, cache: 'no-store', credentials: 'omit', redirect: 'error', signal };
    if (request.json !== undefined) init.body = JSON.stringify(request.json);

    const timer = setTimeout(() => controller.abort(new BetaServerError('deadline', url, `did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      let response: Response;
      try {
        response = await raceAbort(this.fetch(url.href, init), signal);
      } catch (error) {
        throw signal.aborted ? signal.reason : toBetaServerError(error, url, 'could not be reached');
      }
      if (response.type === 'opaqueredirect' || response.redirected || REDIRECT_STATUSES.has(response.status)) {
        discard(response);
        throw new BetaServerError('redirected', url, 'answered with a redirect, which the add-on never follows');
      }
      const read = request.readBody?.(response.status) ?? true;
      const body = read ? await readCapped(response, request.maxBytes ?? this.maxBytes, signal, url) : discard(response);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      return new BetaAnswer(url, response.status, response.statusText, response.headers, body, retryAfterMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

const EMPTY = new Uint8Array(0);

/** Not awaited: a stalled server must not hold the caller past its deadline. */
function discard(response: Response): Uint8Array<ArrayBuffer> {
  response.body?.cancel().catch(() => undefined);
  return EMPTY;
}

/** Reads the body, refusing more than `maxBytes` without reading the rest, so that a garbage answer cannot fill memory. */
async function readCapped(response: Response, maxBytes: number, signal: AbortSignal, url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new BetaServerError('too-large', url, `answered with more than ${maxBytes} bytes`, undefined, maxBytes);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(response);
    throw tooLarge();
  }
  if (!response.body) return EMPTY;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await raceAbort(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    if (signal.aborted) throw signal.reason;
    throw toBetaServerError(error, url, 'cut its answer short');
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Some fetch implementations ignore the signal; the race makes the deadline hold anyway. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function toBetaServerError(error: unknown, url: URL, what: string): BetaServerError {
  if (error instanceof BetaServerError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new BetaServerError('network', url, `${what}: ${detail}`, error);
}
