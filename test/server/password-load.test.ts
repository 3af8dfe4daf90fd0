// Sign-ins under load, over real HTTP on loopback: refusals that cost the
// store nothing, scrypt behind its own bounded queue, the terms page served
// while scrypt is busy, and passwords that are Unicode text.
import { strict as assert } from 'node:assert';
import type { BetaStore } from '../../server/store/store';
import { describeEachStore, startTestServer, TERMS, type TestServer } from './helpers';

function post(url: string, path: string, body: unknown) {
  return fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => ({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { error?: { code: string } },
  }));
}

/** Counts every call the server makes to its store, by wrapping the store's methods in place. */
function countStoreCalls(store: BetaStore): { count: number } {
  const counter = { count: 0 };
  const methods = store as unknown as Record<string, unknown>;
  for (const name of Object.keys(methods)) {
    const method = methods[name];
    if (typeof method !== 'function') continue;
    methods[name] = (...args: unknown[]) => {
      counter.count += 1;
      return method.apply(store, args);
    };
  }
  return counter;
}

describeEachStore('beta server: refused sign-ins', (storeKind) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers a known rate-limited sign-in without touching the store, until the window ends', async function () {
    this.timeout(60_000);
    const windowMs = 60_000;
    server = await startTestServer({
      store: storeKind,
      rateLimits: { login: { perEmail: 2, perAddress: 1000, windowMs }, signup: { perEmail: 10, perAddress: 10, windowMs } },
    });
    const calls = countStoreCalls(server.store);
    const attempt = () => post(server!.url, '/v1/sessions', { email: 'ada@example.org', password: 'wrong password' });
    assert.equal((await attempt()).status, 401);
    assert.equal((await attempt()).status, 401);
    assert.equal((await attempt()).status, 429, 'the store refuses the third attempt');
    const before = calls.count;
    assert.ok(before > 0, 'the store is counted');
    for (let i = 0; i < 20; i++) {
      const refused = await attempt();
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error?.code, 'rate_limited');
      assert.equal(refused.retryAfter, '60');
    }
    assert.equal(calls.count - before, 0, 'refusals of a known-limited key make no store calls');
    server.clock.now += windowMs;
    assert.equal((await attempt()).status, 401, 'the window ended: the store decides again');
  });
});

describe('beta server: sign-ins under load', function () {
  this.timeout(60_000);
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('refuses with 503 and Retry-After when too many passwords wait for scrypt', async () => {
    // Each scrypt takes long enough (32 MiB) that twelve sign-ins sent at once overlap.
    server = await startTestServer({ passwordParams: { N: 2 ** 15, r: 8, p: 1 }, passwordConcurrency: 1, passwordQueueLength: 2 });
    const replies = await Promise.all(Array.from({ length: 12 }, () => post(server!.url, '/v1/sessions', { email: 'nobody@example.org', password: 'wrong password' })));
    const busy = replies.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `some of 12 sign-ins found the queue full: ${replies.map((r) => r.status)}`);
    assert.ok(busy.every((r) => r.body.error?.code === 'password_queue_full' && Number(r.retryAfter) >= 1));
    assert.ok(replies.every((r) => r.status === 503 || r.status === 401));
  });

  it('serves the terms page while sign-ins wait for scrypt', async () => {
    server = await startTestServer({ passwordParams: { N: 2 ** 13, r: 8, p: 1 }, passwordConcurrency: 1, passwordQueueLength: 100 });
    const total = 24;
    let finished = 0;
    const logins = Array.from({ length: total }, () =>
      post(server!.url, '/v1/sessions', { email: 'nobody@example.org', password: 'wrong password' }).then((r) => {
        finished += 1;
        return r.status;
      }),
    );
    await Promise.race(logins);
    const terms = await fetch(`${server.url}/terms/${TERMS}`);
    assert.equal(terms.status, 200);
    const finishedBeforeTerms = finished;
    assert.deepEqual(new Set(await Promise.all(logins)), new Set([401]));
    assert.ok(finishedBeforeTerms < total / 2, `the terms page came after ${finishedBeforeTerms} of ${total} sign-ins`);
  });

  it('refuses lone surrogates in passwords and normalises them to NFC', async () => {
    server = await startTestServer();
    const signUp = await post(server.url, '/v1/accounts', { email: 'ada@example.org', password: '\ud800'.repeat(12), acceptedTerms: TERMS });
    assert.equal(signUp.status, 400);
    assert.equal(signUp.body.error?.code, 'password_not_unicode');
    const signIn = await post(server.url, '/v1/sessions', { email: 'ada@example.org', password: '\udfff'.repeat(12) });
    assert.equal(signIn.status, 400);
    assert.equal(signIn.body.error?.code, 'password_not_unicode');

    assert.equal((await post(server.url, '/v1/accounts', { email: 'eve@example.org', password: '\u00e9'.repeat(8), acceptedTerms: TERMS })).status, 201);
    assert.equal((await post(server.url, '/v1/sessions', { email: 'eve@example.org', password: 'e\u0301'.repeat(8) })).status, 201);
    assert.equal((await post(server.url, '/v1/accounts', { email: 'emoji@example.org', password: '\ud83d\ude00'.repeat(8), acceptedTerms: TERMS })).status, 201);
  });
});
