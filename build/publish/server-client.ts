/**
 * The two beta-server calls the publish tool makes: read the serial that is
 * live now, and upload the new envelope. `fetch` comes in as a parameter so
 * tests can pass a fake; the default is Node's global fetch. Neither call
 * follows redirects: a redirect is refused as a failed request.
 */
import { decodeBase64url } from '../../protocol/envelope';
import { BuildError } from '../errors';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A server answer the publish tool cannot accept, or no answer at all
 * (`status` 0). `serverCode` is the server's own error code when it sent one.
 */
export class ServerError extends BuildError {
  constructor(
    code: 'server-unreachable' | 'server-refused' | 'server-bad-answer',
    readonly url: string,
    readonly status: number,
    readonly serverCode: string | undefined,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { subject: url, cause });
  }
}

/**
 * Reads the serial from a signed envelope's text without checking the
 * signature: it only decides the next serial, and the server checks the rest.
 *
 * @example readEnvelopeSerial(readFileSync('dist/manifest.signed.json', 'utf8')) // 1795564800
 */
export function readEnvelopeSerial(envelopeText: string): number {
  const envelope = JSON.parse(envelopeText) as { payload?: unknown };
  if (typeof envelope?.payload !== 'string') throw new Error('no "payload" field');
  const payload = JSON.parse(new TextDecoder().decode(decodeBase64url(envelope.payload))) as { serial?: unknown };
  if (typeof payload?.serial !== 'number' || !Number.isInteger(payload.serial)) throw new Error('the payload has no integer "serial"');
  return payload.serial;
}

/**
 * The serial of the manifest the server serves now, or undefined when it has none (404).
 *
 * @example await fetchPublishedSerial('http://127.0.0.1:8787') // 1795564800 or undefined
 */
export async function fetchPublishedSerial(server: string, fetchImpl: FetchLike = fetch): Promise<number | undefined> {
  const text = await fetchPublished(server, '/v1/manifest', fetchImpl);
  if (text === undefined) return undefined;
  try {
    return readEnvelopeSerial(text);
  } catch (error) {
    const url = `${server}/v1/manifest`;
    throw new ServerError('server-bad-answer', url, 200, undefined, `GET ${url} answered with something that is not a signed manifest: ${(error as Error).message}`);
  }
}

export interface UploadAnswer {
  status: number;
  /** The server's answer, parsed when it is JSON. */
  body: unknown;
}

/**
 * PUTs the envelope to `<server>/v1/admin/manifest` with the admin token.
 * Throws ServerError carrying the server's `{error: {code, message}}` when refused.
 *
 * @example await uploadManifest('http://127.0.0.1:8787', process.env.ADMIN_TOKEN!, envelopeText)
 */
export async function uploadManifest(server: string, adminToken: string, envelopeText: string, fetchImpl: FetchLike = fetch): Promise<UploadAnswer> {
  return uploadEnvelope(`${server}/v1/admin/manifest`, adminToken, envelopeText, fetchImpl);
}

/**
 * The text the server serves at `<server><path>` now, or undefined when it has none (404).
 *
 * @example await fetchPublished('http://127.0.0.1:8787', '/v1/keys')
 */
export async function fetchPublished(server: string, path: string, fetchImpl: FetchLike = fetch): Promise<string | undefined> {
  const url = `${server}${path}`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'error' });
  } catch (error) {
    throw new ServerError('server-unreachable', url, 0, undefined, `GET ${url} failed: ${describeCause(error)}`, error);
  }
  if (response.status === 404) return undefined;
  const text = await response.text();
  if (!response.ok) throw errorFromAnswer('GET', url, response.status, text);
  return text;
}

/** PUTs a signed envelope to an admin URL with the admin token, never following a redirect. */
export async function uploadEnvelope(url: string, adminToken: string, envelopeText: string, fetchImpl: FetchLike = fetch): Promise<UploadAnswer> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: envelopeText,
      // The admin token must reach only the server named on the command line, never a redirect's target.
      redirect: 'error',
    });
  } catch (error) {
    throw new ServerError('server-unreachable', url, 0, undefined, `PUT ${url} failed: ${describeCause(error)}`, error);
  }
  const text = await response.text();
  if (!response.ok) throw errorFromAnswer('PUT', url, response.status, text);
  return { status: response.status, body: parseMaybeJson(text) };
}

function errorFromAnswer(method: string, url: string, status: number, text: string): ServerError {
  const body = parseMaybeJson(text) as { error?: { code?: unknown; message?: unknown } } | string;
  const error = typeof body === 'object' && body ? body.error : undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const detail = code ? `${code}: ${String(error?.message ?? '')}` : String(text).slice(0, 500) || '(empty answer)';
  return new ServerError('server-refused', url, status, code, `${method} ${url} was refused with HTTP ${status}: ${detail}`);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Node's fetch hides the real reason (ECONNREFUSED…) in error.cause.
function describeCause(error: unknown): string {
  const cause = (error as { cause?: { message?: string } })?.cause;
  return cause?.message ?? (error as Error)?.message ?? String(error);
}
