import assert from 'node:assert/strict';
import { AccountClient, AccountError } from '../../../extension/account/account-client';
import { HostError } from '../../../extension/errors';
import { describeFailure } from '../../../extension/ui/dom';
import { betaServer, createFakeFetch, createMemoryStorage, json, LATER, NOW, ORIGIN, serverError, storedSession } from './fake-beta-server';

type Routes = Parameters<typeof createFakeFetch>[0];

function setUp(routes: Routes, initial: Record<string, unknown> = {}) {
  const server = createFakeFetch(routes);
  const storage = createMemoryStorage(initial);
  const changes: Array<string | null> = [];
  const client = new AccountClient({ server: betaServer(server.fetch), storage, now: () => NOW, log: () => {} });
  client.onChange((session) => void changes.push(session ? session.email : null));
  return { client, storage, calls: server.calls, changes };
}

/** `message` is what the user reads: the pages word the error from its code and parameters. */
type Expected = { code?: string; status?: number; retryAfterMs?: number; message?: string | RegExp };

async function rejectsWith(promise: Promise<unknown>, expected: Expected): Promise<AccountError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AccountError, `expected an AccountError, got ${String(error)}`);
    if ('message' in expected) assert.ok(error.words, 'the error carries what the pages need to word it');
    const read = (key: string) => (key === 'message' ? describeFailure(error) : error[key as keyof AccountError]);
    for (const [key, value] of Object.entries(expected)) {
      if (value instanceof RegExp) assert.match(String(read(key)), value);
      else assert.equal(read(key), value, key);
    }
    return error;
  }
  assert.fail('expected the call to fail');
}

const account = { email: 'qa@example.org', createdAt: '2025-01-02T00:00:00Z', acceptedTerms: '2025-01', termsOutdated: false };
const signInRoute = () => json(201, { token: 'tok-1', expiresAt: LATER });

describe('AccountClient', () => {
  describe('getTerms', () => {
    it('resolves relative links against the beta origin', async () => {
      const { client } = setUp({
        'GET /v1/terms': () => json(200, { terms: { version: '2025-01', url: '/legal/terms' }, privacy: { version: '2025-01', url: 'https://legal.example.org/privacy' } }),
      });
      const terms = await client.getTerms();
      assert.equal(terms.terms.url, `${ORIGIN}/legal/terms`);
      assert.equal(terms.privacy.url, 'https://legal.example.org/privacy');
      assert.equal(terms.terms.version, '2025-01');
    });

    it('names the missing fields when the answer has no terms', async () => {
      const { client } = setUp({ 'GET /v1/terms': () => json(200, { terms: {} }) });
      await rejectsWith(client.getTerms(), { code: 'bad-response', message: /terms\.version/ });
    });

    it('says the server cannot be reached when fetch fails', async () => {
      const client = new AccountClient({ server: betaServer(async () => { throw new TypeError('NetworkError'); }), storage: createMemoryStorage() });
      await rejectsWith(client.getTerms(), { code: 'network', status: 0, message: /127\.0\.0\.1:8787 cannot be reached/ });
    });
  });

  describe('signUp', () => {
    it('creates the account with the accepted terms, then signs in', async () => {
      const { client, calls, storage, changes } = setUp({
        'POST /v1/accounts': () => json(201, { email: 'qa@example.org' }),
        'POST /v1/sessions': signInRoute,
        'GET /v1/account': () => json(200, account),
      });
      const session = await client.signUp('qa@example.org', 'pw-long-enough', '2025-01');
      assert.deepEqual(calls[0]!.body, { email: 'qa@example.org', password: 'pw-long-enough', acceptedTerms: '2025-01' });
      assert.deepEqual(calls[1]!.body, { email: 'qa@example.org', password: 'pw-long-enough' });
      assert.equal(session.acceptedTerms, '2025-01');
      assert.equal((storage.data['host:account'] as { token: string }).token, 'tok-1');
      assert.equal(changes[0], 'qa@example.org');
    });

    it('asks to accept the current terms on a 400 about terms', async () => {
      const { client, storage } = setUp({ 'POST /v1/accounts': () => serverError(400, 'terms_not_current', 'acceptedTerms is not current') });
      await rejectsWith(client.signUp('qa@example.org', 'pw', '2024-01'), { status: 400, code: 'terms_not_current', message: /accept the current version/ });
      assert.equal(storage.data['host:account'], undefined);
    });

    it('says the email is taken on a 409', async () => {
      const { client } = setUp({ 'POST /v1/accounts': () => serverError(409, 'email_taken', 'exists') });
      await rejectsWith(client.signUp('qa@example.org', 'pw', '2025-01'), { status: 409, message: /already exists/ });
    });

    it('keeps the server message for other refusals', async () => {
      const { client } = setUp({ 'POST /v1/accounts': () => serverError(400, 'invalid_body', 'password must be at least 12 characters') });
      await rejectsWith(client.signUp('qa@example.org', 'pw', '2025-01'), { code: 'invalid_body', message: /create the beta account: password must be at least 12/ });
    });
  });

  describe('signIn', () => {
    it('says wrong email or password on a 401 and stays signed out', async () => {
      const { client, changes } = setUp({ 'POST /v1/sessions': () => serverError(401, 'invalid_credentials', 'bad') });
      await rejectsWith(client.signIn('qa@example.org', 'nope'), { status: 401, message: 'Wrong email or password.' });
      assert.equal(await client.getSession(), null);
      assert.deepEqual(changes, []);
    });

    it('reports how long to wait on a 429', async () => {
      const { client } = setUp({ 'POST /v1/sessions': () => serverError(429, 'rate_limited', 'slow down', { 'Retry-After': '30' }) });
      await rejectsWith(client.signIn('qa@example.org', 'pw'), { code: 'rate-limited', retryAfterMs: 30_000, message: /Try again in 30 seconds/ });
    });

    it('keeps the session when the account lookup after sign-in fails', async () => {
      const { client } = setUp({ 'POST /v1/sessions': signInRoute, 'GET /v1/account': () => serverError(503, 'unavailable', 'down') });
      const session = await client.signIn('qa@example.org', 'pw');
      assert.equal(session.token, 'tok-1');
      assert.equal((await client.getSession())?.email, 'qa@example.org');
    });

    it('marks outdated terms reported by the account', async () => {
      const { client } = setUp({ 'POST /v1/sessions': signInRoute, 'GET /v1/account': () => json(200, { ...account, termsOutdated: true }) });
      assert.equal((await client.signIn('qa@example.org', 'pw')).termsOutdated, true);
    });
  });

  describe('getSession', () => {
    it('gives the stored session without the network', async () => {
      const { client, calls } = setUp({}, storedSession());
      assert.equal((await client.getSession())?.email, 'qa@example.org');
      assert.equal(calls.length, 0);
    });

    it('forgets an expired session without the network and tells listeners', async () => {
      const { client, calls, storage, changes } = setUp({}, storedSession({ expiresAt: '2025-03-01T11:59:59Z' }));
      assert.equal(await client.getSession(), null);
      assert.equal(calls.length, 0);
      assert.equal(storage.data['host:account'], undefined);
      assert.deepEqual(changes, [null]);
    });

    it('treats a damaged stored value as signed out', async () => {
      const { client } = setUp({}, { 'host:account': { email: 'qa@example.org' } });
      assert.equal(await client.getSession(), null);
    });
  });

  describe('refreshAccount', () => {
    it('signs out when the server no longer knows the token', async () => {
      const { client, storage, changes, calls } = setUp({ 'GET /v1/account': () => serverError(401, 'unauthorized', 'gone') }, storedSession());
      assert.equal(await client.refreshAccount(), null);
      assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
      assert.equal(storage.data['host:account'], undefined);
      assert.deepEqual(changes, [null]);
    });

    it('updates the terms state from the server', async () => {
      const { client, changes } = setUp({ 'GET /v1/account': () => json(200, { ...account, acceptedTerms: '2024-06', termsOutdated: true }) }, storedSession());
      const session = await client.refreshAccount();
      assert.equal(session?.termsOutdated, true);
      assert.equal(session?.acceptedTerms, '2024-06');
      assert.equal((await client.getSession())?.termsOutdated, true);
      assert.deepEqual(changes, ['qa@example.org']);
    });
  });

  describe('acceptTerms', () => {
    it('sends the version and clears the outdated flag', async () => {
      const { client, calls } = setUp({ 'POST /v1/account/terms': () => json(200, { ok: true }) }, storedSession({ termsOutdated: true }));
      const session = await client.acceptTerms('2025-02');
      assert.deepEqual(calls[0]!.body, { acceptedTerms: '2025-02' });
      assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
      assert.equal(session?.termsOutdated, false);
      assert.equal(session?.acceptedTerms, '2025-02');
    });

    it('refuses without a session and asks nothing of the server', async () => {
      const { client, calls } = setUp({});
      await rejectsWith(client.acceptTerms('2025-02'), { code: 'not-signed-in' });
      assert.equal(calls.length, 0);
    });
  });

  describe('signOut and deleteAccount', () => {
    it('revokes the session on the server and forgets it', async () => {
      const { client, calls, changes } = setUp({ 'DELETE /v1/sessions/current': () => new Response(null, { status: 204 }) }, storedSession());
      await client.signOut();
      assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
      assert.equal(await client.getSession(), null);
      assert.deepEqual(changes, [null]);
    });

    it('signs out here even when the server cannot be reached', async () => {
      const storage = createMemoryStorage(storedSession());
      const client = new AccountClient({ server: betaServer(async () => { throw new TypeError('offline'); }), storage, now: () => NOW, log: () => {} });
      await client.signOut();
      assert.equal(await client.getSession(), null);
    });

    it('deletes the account and signs out', async () => {
      const { client, calls } = setUp({ 'DELETE /v1/account': () => new Response(null, { status: 204 }) }, storedSession());
      await client.deleteAccount();
      assert.equal(calls[0]!.method, 'DELETE');
      assert.equal(await client.getSession(), null);
    });

    it('keeps the session when deletion fails on the server', async () => {
      const { client } = setUp({ 'DELETE /v1/account': () => serverError(500, 'internal', 'boom') }, storedSession());
      await rejectsWith(client.deleteAccount(), { status: 500, message: /had a problem \(HTTP 500\)/ });
      assert.equal((await client.getSession())?.email, 'qa@example.org');
    });
  });

  it('stops calling a listener once disposed', async () => {
    const storage = createMemoryStorage(storedSession());
    const client = new AccountClient({ server: betaServer(async () => new Response(null, { status: 204 })), storage, now: () => NOW });
    let calls = 0;
    client.onChange(() => void calls++).dispose();
    await client.signOut();
    assert.equal(calls, 0);
  });
});

describe('AccountError', () => {
  it('is a HostError whose subject is the URL asked for, or the feature that asked', async () => {
    const { client } = setUp({ 'POST /v1/sessions': () => serverError(401, 'invalid_credentials', 'bad') });
    const refused = await rejectsWith(client.signIn('qa@example.org', 'nope'), { code: 'invalid_credentials' });
    assert.ok(refused instanceof HostError);
    assert.deepEqual([refused.name, refused.subject], ['AccountError', `${ORIGIN}/v1/sessions`]);
    const offline = new AccountClient({ server: betaServer(async () => { throw new TypeError('offline'); }), storage: createMemoryStorage() });
    const unreachable = await rejectsWith(offline.getTerms(), { code: 'network', message: /cannot be reached \(offline\)/ });
    assert.equal(unreachable.subject, `${ORIGIN}/v1/terms`);
    const forbidden = await rejectsWith(client.servicesFetch('shared-notes', '/v1/account'), { code: 'forbidden-path' });
    assert.equal(forbidden.subject, 'shared-notes');
  });
});

describe('AccountClient and redirects', () => {
  it('never lets a password or token follow a redirect to another origin', async () => {
    const seen: RequestInit[] = [];
    const fetch = async (_input: string, init: RequestInit = {}) => {
      seen.push(init);
      // What a browser does with redirect: 'error' when the server redirects.
      if (init.redirect === 'error') throw new TypeError('NetworkError: redirect was not allowed');
      return Response.json({ token: 'x'.repeat(43), expiresAt: '2099-01-01T00:00:00Z' }, { status: 201 });
    };
    const client = new AccountClient({ server: betaServer(fetch), storage: createMemoryStorage({}), now: () => NOW, log: () => {} });
    await assert.rejects(client.signIn('a@example.org', 'long enough password'), AccountError);
    assert.deepEqual(seen.map((init) => init.redirect), ['error']);
    assert.equal(await client.getSession(), null);
  });
});
