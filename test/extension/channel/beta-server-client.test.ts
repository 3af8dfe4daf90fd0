import assert from 'node:assert/strict';
import { BetaServerError, parseRetryAfter, type BetaServerErrorCode } from '../../../extension/channel/beta-server-client';
import { HostError } from '../../../extension/errors';
import { makeBetaServer, NOW, ORIGIN, scriptedFetch } from '../../helpers/addon-fixtures';

/** A stream that yields its first chunk and then never another, as a stalled server does. */
function stalledBody(first = '{"payl'): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode(first)) });
}

async function rejectsWithCode(promise: Promise<unknown>, code: BetaServerErrorCode, message: RegExp): Promise<BetaServerError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BetaServerError, `expected a BetaServerError, got ${String(error)}`);
    assert.ok(error instanceof HostError, 'a BetaServerError is a HostError');
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('BetaServerClient', () => {
  it('sends to its origin with no cookies, no cache and redirects refused, and reads the whole answer', async () => {
    const { fetch, requests } = scriptedFetch(() => Response.json({ ok: true }, { status: 201, headers: { ETag: '"e"' } }));
    let init: RequestInit | undefined;
    const spy = (input: string, given?: RequestInit) => ((init = given), fetch(input, given));
    const server = makeBetaServer(spy, { origin: `${ORIGIN}/some/path?q=1` });
    const answer = await server.request({ method: 'POST', path: '/v1/usage', json: { a: 1 }, token: 'tok' });
    assert.equal(server.origin, ORIGIN);
    assert.equal(requests[0]!.url, `${ORIGIN}/v1/usage`);
    assert.deepEqual([init?.redirect, init?.credentials, init?.cache], ['error', 'omit', 'no-store']);
    assert.equal(requests[0]!.headers.get('authorization'), 'Bearer tok');
    assert.equal(requests[0]!.headers.get('content-type'), 'application/json');
    assert.equal(requests[0]!.body, '{"a":1}');
    assert.deepEqual([answer.status, answer.ok, answer.headers.get('etag'), answer.json()], [201, true, '"e"', { ok: true }]);
  });

  for (const path of ['https://evil.example/v1/usage', '//evil.example/v1/usage', 'http://beta.example.test/v1/usage']) {
    it(`refuses ${path}, off the beta origin, without a request`, async () => {
      const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 204 }));
      const error = await rejectsWithCode(makeBetaServer(fetch).request({ path }), 'off-origin', /is not on the beta origin https:\/\/beta\.example\.test/);
      assert.match(error.subject ?? '', /^http/);
      assert.equal(requests.length, 0);
    });
  }

  describe('the deadline covers headers and body', () => {
    it('cuts off a server that never answers', async () => {
      const hanging = (_: string, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      const error = await rejectsWithCode(makeBetaServer(hanging, { timeoutMs: 20 }).request({ path: '/v1/terms' }), 'deadline', /within 20 ms/);
      assert.equal(error.subject, `${ORIGIN}/v1/terms`);
    });

    it('cuts off a fetch that ignores the signal', async () => {
      const deaf = () => new Promise<Response>(() => undefined);
      await rejectsWithCode(makeBetaServer(deaf, { timeoutMs: 20 }).request({ path: '/v1/terms' }), 'deadline', /did not answer within 20 ms/);
    });

    it('cuts off a server that sends headers and then stalls', async () => {
      const { fetch } = scriptedFetch(() => new Response(stalledBody(), { status: 200 }));
      await rejectsWithCode(makeBetaServer(fetch, { timeoutMs: 20 }).request({ path: '/v1/manifest' }), 'deadline', /within 20 ms/);
    });

    it('does not wait for a body it was told not to read', async () => {
      const { fetch } = scriptedFetch(() => new Response(stalledBody(), { status: 500 }));
      const answer = await makeBetaServer(fetch, { timeoutMs: 60_000 }).request({ path: '/v1/usage', readBody: () => false });
      assert.deepEqual([answer.status, answer.body.byteLength], [500, 0]);
    });
  });

  describe('the size cap', () => {
    it('refuses a declared Content-Length over the cap without reading the body', async () => {
      const { fetch } = scriptedFetch(() => new Response(stalledBody(), { status: 200, headers: { 'Content-Length': '2000' } }));
      await rejectsWithCode(makeBetaServer(fetch, { maxBytes: 1000 }).request({ path: '/v1/manifest' }), 'too-large', /more than 1000 bytes/);
    });

    it('stops reading a streamed body at the cap', async () => {
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({ pull: (controller) => void (pulled++, controller.enqueue(new Uint8Array(400))) });
      const { fetch } = scriptedFetch(() => new Response(endless, { status: 200 }));
      await rejectsWithCode(makeBetaServer(fetch).request({ path: '/v1/manifest', maxBytes: 1000 }), 'too-large', /more than 1000 bytes/);
      assert.ok(pulled <= 4, `read ${pulled} chunks of 400 bytes for a 1000-byte cap`);
    });

    it('takes a body of exactly the cap', async () => {
      const { fetch } = scriptedFetch(() => new Response('x'.repeat(1000), { status: 200 }));
      assert.equal((await makeBetaServer(fetch, { maxBytes: 1000 }).request({ path: '/v1/manifest' })).text().length, 1000);
    });
  });

  describe('redirects', () => {
    const answers: Array<[string, () => Response]> = [
      ['a 302 handed back as is', () => new Response(null, { status: 302, headers: { Location: 'https://evil.example/' } })],
      ['an opaque redirect', () => Object.defineProperty(new Response(null, { status: 200 }), 'type', { value: 'opaqueredirect' })],
      ['an answer reached by following one', () => Object.defineProperty(Response.json({ token: 't' }), 'redirected', { value: true })],
    ];
    for (const [what, answer] of answers) {
      it(`refuses ${what}`, async () => {
        const { fetch } = scriptedFetch(answer);
        await rejectsWithCode(makeBetaServer(fetch).request({ path: '/v1/sessions', method: 'POST' }), 'redirected', /never follows/);
      });
    }

    it('reports a fetch that refused to follow as a network error naming the URL', async () => {
      const { fetch } = scriptedFetch(() => Promise.reject(new TypeError('NetworkError when attempting to fetch resource.')));
      const error = await rejectsWithCode(makeBetaServer(fetch).request({ path: '/v1/sessions' }), 'network', /v1\/sessions could not be reached: NetworkError/);
      assert.ok(error.cause instanceof TypeError);
    });
  });

  describe('Retry-After', () => {
    it('gives the same milliseconds for seconds and for an HTTP-date', async () => {
      const { fetch } = scriptedFetch(
        () => new Response('busy', { status: 503, headers: { 'Retry-After': '90' } }),
        () => new Response('busy', { status: 429, headers: { 'Retry-After': new Date(NOW.getTime() + 90_000).toUTCString() } }),
        () => new Response('busy', { status: 503 }),
      );
      const server = makeBetaServer(fetch);
      const waits = [];
      for (let i = 0; i < 3; i++) waits.push((await server.request({ path: '/v1/manifest' })).retryAfterMs);
      assert.deepEqual(waits, [90_000, 90_000, undefined]);
    });

    it('reads seconds and HTTP-dates, caps absurd waits at a day and ignores what it cannot read', () => {
      const now = NOW.getTime();
      assert.equal(parseRetryAfter(' 120 ', now), 120_000);
      assert.equal(parseRetryAfter(new Date(now + 300_000).toUTCString(), now), 300_000);
      assert.equal(parseRetryAfter(new Date(now - 300_000).toUTCString(), now), 0);
      assert.equal(parseRetryAfter('99999999', now), 24 * 60 * 60 * 1000);
      assert.equal(parseRetryAfter('soon', now), undefined);
      assert.equal(parseRetryAfter(null, now), undefined);
    });
  });

  it('hands an answer on as a Response with the same status, headers and body', async () => {
    const { fetch } = scriptedFetch(
      () => Response.json({ error: { code: 'terms_not_accepted' } }, { status: 403, headers: { 'X-Note': 'n' } }),
      () => new Response(null, { status: 204 }),
    );
    const server = makeBetaServer(fetch);
    const response = (await server.request({ path: '/v1/services/notes' })).toResponse();
    assert.deepEqual([response.status, response.headers.get('x-note')], [403, 'n']);
    assert.deepEqual(await response.json(), { error: { code: 'terms_not_accepted' } });
    const empty = (await server.request({ path: '/v1/services/notes' })).toResponse();
    assert.deepEqual([empty.status, await empty.text()], [204, '']);
  });
});
