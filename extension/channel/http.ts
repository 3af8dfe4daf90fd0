/**
 * Small helpers for talking to the beta server: a deadline that covers the
 * whole exchange (headers and body), a cap on how much of a body is read, and
 * Retry-After parsing.
 *
 * @example
 * const { response, signal, done } = await fetchWithDeadline(fetch, url, { method: 'GET' }, 30_000);
 * try {
 *   const text = await readTextCapped(response, 1024 * 1024, { signal, url });
 * } finally {
 *   done();
 * }
 */

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** A network problem: the server could not be reached, timed out, or cut the answer short. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** The body was larger than the caller accepts. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export interface DeadlineResponse {
  response: Response;
  /** Aborts when the deadline passes; pass it to readTextCapped. */
  signal: AbortSignal;
  /** Stops the deadline; call once the body has been read. */
  done(): void;
}

/**
 * Fetches with an AbortController deadline. The deadline stays armed until
 * `done()` so that a server that sends headers and then stalls is cut off too.
 * Rejections become NetworkError naming the URL.
 */
export async function fetchWithDeadline(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
): Promise<DeadlineResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new NetworkError(`${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
  const done = () => clearTimeout(timer);
  try {
    const response = await raceAbort(fetchImpl(url, { ...init, signal: controller.signal }), controller.signal);
    return { response, signal: controller.signal, done };
  } catch (error) {
    done();
    throw toNetworkError(error, url);
  }
}

/**
 * Reads a body as UTF-8 text, refusing more than `maxBytes` without reading
 * the rest, so that a garbage answer cannot fill memory.
 */
export async function readTextCapped(
  response: Response,
  maxBytes: number,
  { signal, url }: { signal?: AbortSignal; url?: URL } = {},
): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await (signal ? raceAbort(reader.read(), signal) : reader.read());
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    await reader.cancel().catch(() => undefined);
    throw toNetworkError(error, url);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Not fatal: invalid UTF-8 then fails as a malformed envelope, which says more than a decoding error.
  return new TextDecoder('utf-8').decode(bytes);
}

/** Most a server may ask us to wait: a kill switch must still arrive within a day. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Parses Retry-After, in seconds ("120") or as an HTTP-date, into milliseconds
 * from `now`. Returns undefined when absent or unreadable.
 *
 * @example parseRetryAfter('120', new Date()) // 120000
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
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

function toNetworkError(error: unknown, url: URL | undefined): NetworkError {
  if (error instanceof NetworkError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new NetworkError(url ? `${url} could not be reached: ${detail}` : `the answer was cut short: ${detail}`);
}
