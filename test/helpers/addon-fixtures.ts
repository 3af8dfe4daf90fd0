/**
 * What the add-on's client code (channel, telemetry, background) meets in unit
 * tests: its origin and clock, a fresh fake IndexedDB per test, and a fetch
 * that answers from a script.
 */
// idb recognises IndexedDB objects by the global classes; the fake supplies them.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { BetaServerClient, type BetaServerClientOptions, type FetchLike } from '../../extension/channel/beta-server-client';
import { openHostDb, type HostDb } from '../../extension/db';
import type { ManifestTrust } from '../../extension/channel/key-document-client';
import type { PinnedKey } from '../../protocol/envelope';

export const ORIGIN = 'https://beta.example.test';
export const NOW = new Date('2026-11-25T12:00:00Z');

export function openFreshDb(): Promise<HostDb> {
  return openHostDb(new IDBFactory());
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/**
 * A fetch that answers from a script, one answer per call (the last one
 * repeats), and records what was asked.
 */
export function scriptedFetch(...answers: Array<() => Response | Promise<Response>>) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    requests.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
    return answer();
  };
  return { fetch, requests };
}

/** A client of the test beta origin, answering through `fetch`, with the tests' clock. */
export function makeBetaServer(fetch: FetchLike, options: Partial<BetaServerClientOptions> = {}): BetaServerClient {
  return new BetaServerClient({ origin: ORIGIN, fetch, now: () => NOW.getTime(), ...options });
}

export function manifestResponse(envelopeText: string, etag = '"v1"'): Response {
  return new Response(envelopeText, { status: 200, headers: { 'Content-Type': 'application/json', ETag: etag } });
}

/** Trust in a fixed list of keys, as builds before key documents pinned them; another list is another trust. */
export function trustKeys(keys: readonly PinnedKey[]): ManifestTrust {
  return { id: JSON.stringify(keys.map((key) => [key.keyId, key.jwk.x, key.jwk.y])), signers: async () => ({ keys }) };
}
