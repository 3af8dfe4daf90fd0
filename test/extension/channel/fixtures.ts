/**
 * Test fixtures for the manifest client: real P-256 key pairs, envelopes
 * signed with them, a fresh fake IndexedDB per test and a scripted fetch.
 */
// idb recognises IndexedDB objects by the global classes; the fake supplies them.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openHostDb, type HostDb } from '../../../extension/db';
import type { ManifestPayload } from '../../../protocol/manifest-schema';
import { signEnvelope, type PinnedKey } from '../../../protocol/envelope';

export const ORIGIN = 'https://beta.example.test';
export const NOW = new Date('2026-11-25T12:00:00Z');
export const SHA = 'a'.repeat(64);

export interface TestKey {
  pinned: PinnedKey;
  signer: { keyId: string; privateKey: CryptoKey };
}

export async function makeKey(keyId: string): Promise<TestKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    pinned: { keyId, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! } },
    signer: { keyId, privateKey: pair.privateKey },
  };
}

export function openFreshDb(): Promise<HostDb> {
  return openHostDb(new IDBFactory());
}

export function makePayload(overrides: Partial<Record<keyof ManifestPayload, unknown>> = {}): Record<string, unknown> {
  const signOff = { reviewer: 'Rae Viewer', date: '2026-11-20', reference: 'BUG-1', version: '1.0.0', sha256: SHA };
  return {
    schema: 1,
    env: 'beta',
    serial: 5,
    issuedAt: '2026-11-25T00:00:00Z',
    expiresAt: '2026-12-25T00:00:00Z',
    features: [
      {
        id: 'tab-groups',
        version: '1.0.0',
        sha256: SHA,
        rollout: 10000,
        signOffs: { security: signOff, privacy: signOff, technical: signOff },
      },
    ],
    ...overrides,
  };
}

/** Signs a payload object (or raw bytes) and returns the envelope as the server would serve it. */
export async function signPayload(payload: Record<string, unknown> | Uint8Array, ...keys: TestKey[]): Promise<string> {
  const bytes = payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload));
  return JSON.stringify(await signEnvelope(bytes, keys.map((key) => key.signer)));
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

export function manifestResponse(envelopeText: string, etag = '"v1"'): Response {
  return new Response(envelopeText, { status: 200, headers: { 'Content-Type': 'application/json', ETag: etag } });
}
