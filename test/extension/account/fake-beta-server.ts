/** A fake fetch that answers like the beta server, plus an in-memory storage.local. */
import type { AccountStorage } from '../../../extension/account/account-session';
import { BetaServerClient, type FetchLike } from '../../../extension/channel/beta-server-client';

export const ORIGIN = 'http://127.0.0.1:8787';

export interface RecordedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function serverError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message } }, headers);
}

/** Routes are "METHOD /path"; an unrouted call answers 404 so a wrong path fails the test. */
export function createFakeFetch(routes: Record<string, Handler>) {
  const calls: RecordedCall[] = [];
  async function fetch(input: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input);
    const call: RecordedCall = {
      method: init.method ?? 'GET',
      url: input,
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const handler = routes[`${call.method} ${url.pathname}`];
    if (!handler) return serverError(404, 'not_found', `No route ${call.method} ${url.pathname}`);
    return handler(call);
  }
  return { fetch, calls };
}

export function createMemoryStorage(initial: Record<string, unknown> = {}): AccountStorage & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = structuredClone(initial);
  return {
    data,
    async get(key: string) {
      return key in data ? { [key]: structuredClone(data[key]) } : {};
    },
    async set(items: Record<string, unknown>) {
      Object.assign(data, structuredClone(items));
    },
    async remove(key: string) {
      delete data[key];
    },
  };
}

export const NOW = Date.parse('2025-03-01T12:00:00Z');

/** The account client's door to the beta server, answering through `fetch`, with the tests' clock. */
export function betaServer(fetch: FetchLike): BetaServerClient {
  return new BetaServerClient({ origin: ORIGIN, fetch, now: () => NOW });
}
export const LATER = '2025-03-31T12:00:00.000Z';

export function storedSession(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'host:account': {
      email: 'qa@example.org',
      token: 'tok-1',
      expiresAt: LATER,
      acceptedTerms: '2025-01',
      termsOutdated: false,
      ...overrides,
    },
  };
}
