/**
 * The part of the beta storage service tab-stash uses, in memory, for unit
 * tests: reading the collection with X-Last-Modified, and a PUT conditional
 * on X-If-Unmodified-Since that answers 412 once the collection changed. One
 * fake serves several browsers, as the real service serves every Firefox
 * signed in to the account (each through its own `client(name)`);
 * `beforeNextWrite` lets another browser write between one browser's read
 * and its write.
 */
import { STASH_COLLECTION_PATH, STASH_RECORD_ID } from '../../../features/tab-stash/stashes';
import type { ServicesInit } from '../../../extension/runtime/feature-api';

function answer(status: number, body: unknown, modified: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-last-modified': String(modified) } });
}

function readHeader(headers: Record<string, string> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

export function createFakeStorageService() {
  let modified = 0;
  let clock = 1_764_000_000_000;
  let payload: string | undefined;
  const calls: string[] = [];
  const pending: Array<{ by: string; write: () => Promise<unknown> }> = [];
  let failure: { status: number; code: string; message: string } | null = null;

  const fetch = async (by: string, path: string, init: ServicesInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    calls.push(`${method} ${path}`);
    if (failure) return answer(failure.status, { error: { code: failure.code, message: failure.message } }, modified);
    if (method === 'GET' && path === `${STASH_COLLECTION_PATH}?ids=${STASH_RECORD_ID}&full=1`) {
      return answer(200, payload === undefined ? [] : [{ id: STASH_RECORD_ID, payload, modified }], modified);
    }
    if (method === 'PUT' && path === `${STASH_COLLECTION_PATH}/${STASH_RECORD_ID}`) {
      const next = pending.findIndex((entry) => entry.by === by);
      if (next >= 0) await pending.splice(next, 1)[0]!.write();
      const since = readHeader(init.headers, 'x-if-unmodified-since');
      if (since !== undefined && modified > Number(since)) {
        return answer(412, { error: { code: 'modified_since', message: `the collection changed at ${modified}` } }, modified);
      }
      modified = Math.max(++clock, modified + 1);
      payload = (init.body as { payload: string }).payload;
      return answer(200, { modified }, modified);
    }
    return answer(404, { error: { code: 'not_found', message: `no route ${method} ${path}` } }, modified);
  };

  return {
    /** The services client of one browser. */
    client(name: string) {
      return { fetch: (_featureId: string, path: string, init?: ServicesInit) => fetch(name, path, init) };
    },
    calls,
    get payload() {
      return payload;
    },
    /** Puts a record there, as an older or newer version of the feature might have. */
    setPayload(value: string) {
      payload = value;
      modified = Math.max(++clock, modified + 1);
    },
    /** Runs `write` (another browser's whole action) just before the next PUT of browser `by` is judged. */
    beforeNextWrite(by: string, write: () => Promise<unknown>) {
      pending.push({ by, write });
    },
    /** Every answer from now on is this error. */
    failWith(status: number, code: string, message: string) {
      failure = { status, code, message };
    },
  };
}
