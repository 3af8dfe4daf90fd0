/**
 * One POST to the beta server and what to do with the queued item after it:
 * sent (delete it), retry later (keep it), or rejected for good (drop it,
 * because resending the same bytes would never succeed).
 *
 * @example
 * const outcome = await postJson(fetch, new URL('/v1/usage', origin), batch, { timeoutMs: 30_000 });
 * if (outcome.kind !== 'retry') await deleteFromQueue();
 */
import { fetchWithDeadline, type FetchLike } from '../channel/http';

export type PostOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; message: string }
  | { kind: 'rejected'; status: number; message: string };

export async function postJson(
  fetchImpl: FetchLike,
  url: URL,
  body: unknown,
  { timeoutMs, token }: { timeoutMs: number; token?: string },
): Promise<PostOutcome> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let status: number;
  try {
    const { response, done } = await fetchWithDeadline(
      fetchImpl,
      url,
      { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'omit', redirect: 'error' },
      timeoutMs,
    );
    status = response.status;
    await response.body?.cancel().catch(() => undefined);
    done();
  } catch (error) {
    return { kind: 'retry', message: (error as Error).message };
  }
  if (status >= 200 && status < 300) return { kind: 'sent' };
  // Only answers that judge the request's own content are final; anything
  // else (a 404 from a misrouted proxy, a 403 from a firewall, 5xx, 429) may
  // pass, so the item stays queued.
  if (REFUSED_FOR_GOOD.has(status)) return { kind: 'rejected', status, message: `${url} refused the request with HTTP ${status}` };
  return { kind: 'retry', message: `${url} answered HTTP ${status}` };
}

/** 400 invalid, 413 too large, 415 wrong type, 422 unprocessable: resending the same bytes never helps. */
const REFUSED_FOR_GOOD = new Set([400, 413, 415, 422]);

export interface SendResult {
  /** Items the server took. */
  sent: number;
  /** Items still queued for the next send. */
  queued: number;
  /** Items the server refused for good. */
  dropped: number;
}

/**
 * Sends queued items oldest first. An item the server took or refused for
 * good is forgotten; at the first "retry" the rest stay queued, since they
 * would fail the same way.
 */
export async function sendQueued<T>(
  items: readonly T[],
  send: (item: T) => Promise<PostOutcome>,
  forget: (item: T) => Promise<unknown>,
  onDropped: (item: T, message: string) => void,
): Promise<SendResult> {
  const result: SendResult = { sent: 0, queued: 0, dropped: 0 };
  for (const [index, item] of items.entries()) {
    const outcome = await send(item);
    if (outcome.kind === 'retry') {
      result.queued = items.length - index;
      break;
    }
    if (outcome.kind === 'rejected') {
      onDropped(item, outcome.message);
      result.dropped++;
    } else {
      result.sent++;
    }
    await forget(item);
  }
  return result;
}
