/**
 * One POST to the beta server and what to do with the queued item after it:
 * sent (delete it), retry later (keep it), or rejected for good (drop it,
 * because resending the same bytes would never succeed).
 *
 * @example
 * const outcome = await postJson(server, '/v1/usage', batch);
 * if (outcome.kind !== 'retry') await deleteFromQueue();
 */
import type { BetaAnswer, BetaServerClient } from '../channel/beta-server-client';

export type PostOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; message: string }
  | { kind: 'rejected'; status: number; message: string };

export async function postJson(server: BetaServerClient, path: string, body: unknown, { token }: { token?: string } = {}): Promise<PostOutcome> {
  let answer: BetaAnswer;
  try {
    // Only the status matters: the answer's body is not read.
    answer = await server.request({ method: 'POST', path, json: body, token, readBody: () => false });
  } catch (error) {
    return { kind: 'retry', message: (error as Error).message };
  }
  const { status, url } = answer;
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
