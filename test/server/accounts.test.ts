import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../server/store/open-store';
import { ADMIN_TOKEN, createSignedInAccount, describeEachStore, startTestServer, TERMS, type TestServer } from './helpers';

const DAY = 24 * 3600 * 1000;

describeEachStore('beta server: terms, accounts and sessions', (store) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ store, sessionTtlMs: 2 * DAY });
  });
  afterEach(async () => server.close());

  it('names the current terms and privacy notice and serves their text', async () => {
    const { status, body } = await server.call('GET', '/v1/terms');
    assert.equal(status, 200);
    // Without PUBLIC_URL the links are relative to the server, never taken from the Host header.
    assert.deepEqual(body, {
      terms: { version: TERMS, url: `/terms/${TERMS}` },
      privacy: { version: TERMS, url: `/privacy/${TERMS}` },
    });
    const spoofed = await fetch(`${server.url}/v1/terms`, { headers: { host: 'evil.example' } });
    assert.doesNotMatch(await spoofed.text(), /evil\.example/);
    const terms = await fetch(new URL(body.terms.url, server.url));
    assert.equal(terms.status, 200);
    assert.match(terms.headers.get('content-type')!, /text\/html/);
    assert.match(await terms.text(), /Terms of Service/);
    assert.match(await (await fetch(new URL(body.privacy.url, server.url))).text(), /Privacy Notice/);
    const missing = await server.call('GET', '/terms/1999-01-01');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'terms_not_found');
  });

  it('creates an account under the current terms and refuses older terms, weak passwords and taken emails', async () => {
    const created = await server.call('POST', '/v1/accounts', { body: { email: 'Ada@Example.org', password: 'long enough', acceptedTerms: TERMS } });
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'Ada@Example.org');
    assert.equal(created.body.acceptedTerms, TERMS);

    const oldTerms = await server.call('POST', '/v1/accounts', { body: { email: 'b@example.org', password: 'long enough', acceptedTerms: '2020-01-01' } });
    assert.equal(oldTerms.status, 400);
    assert.equal(oldTerms.body.error.code, 'terms_version_mismatch');

    const short = await server.call('POST', '/v1/accounts', { body: { email: 'b@example.org', password: 'short', acceptedTerms: TERMS } });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'weak_password');

    const huge = await server.call('POST', '/v1/accounts', { body: { email: 'b@example.org', password: 'é'.repeat(513), acceptedTerms: TERMS } });
    assert.equal(huge.status, 400);
    assert.match(huge.body.error.message, /1024 bytes/);

    const taken = await server.call('POST', '/v1/accounts', { body: { email: 'ada@EXAMPLE.org', password: 'another one', acceptedTerms: TERMS } });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'email_taken');
  });

  it('signs in and answers a wrong password and an unknown email alike', async () => {
    await server.call('POST', '/v1/accounts', { body: { email: 'ada@example.org', password: 'long enough', acceptedTerms: TERMS } });
    const session = await server.call('POST', '/v1/sessions', { body: { email: 'ADA@example.org', password: 'long enough' } });
    assert.equal(session.status, 201);
    assert.match(session.body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.body.expiresAt, new Date(server.clock.now + 2 * DAY).toISOString());

    const wrong = await server.call('POST', '/v1/sessions', { body: { email: 'ada@example.org', password: 'not the one' } });
    const unknown = await server.call('POST', '/v1/sessions', { body: { email: 'nobody@example.org', password: 'not the one' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.text, unknown.text);
  });

  it('reads the account with a valid token and refuses missing, malformed, unknown, expired and revoked ones', async () => {
    const token = await createSignedInAccount(server, 'ada@example.org');
    const account = await server.call('GET', '/v1/account', { token });
    assert.equal(account.status, 200);
    assert.equal(account.body.email, 'ada@example.org');
    assert.equal(account.body.acceptedTerms, TERMS);
    assert.equal(account.body.termsOutdated, false);
    assert.equal(account.body.createdAt, new Date(server.clock.now).toISOString());

    for (const headers of [{}, { authorization: 'Bearer' } as Record<string, string>, { authorization: 'Basic abc' }, { authorization: 'Bearer not-a-token' }]) {
      assert.equal((await server.call('GET', '/v1/account', { headers })).status, 401, JSON.stringify(headers));
    }
    const unknown = 'A'.repeat(43);
    assert.equal((await server.call('GET', '/v1/account', { token: unknown })).status, 401);

    server.clock.now += 2 * DAY;
    const expired = await server.call('GET', '/v1/account', { token });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'unauthorized');

    const fresh = (await server.call('POST', '/v1/sessions', { body: { email: 'ada@example.org', password: 'correct horse' } })).body.token;
    assert.equal((await server.call('DELETE', '/v1/sessions/current', { token: fresh })).status, 204);
    assert.equal((await server.call('GET', '/v1/account', { token: fresh })).status, 401);
    assert.equal((await server.call('DELETE', '/v1/sessions/current', { token: fresh })).status, 401);
  });

  it('erases the account with its sessions, notes and feedback, and its tokens stop at once', async () => {
    const token = await createSignedInAccount(server, 'ada@example.org');
    const second = (await server.call('POST', '/v1/sessions', { body: { email: 'ada@example.org', password: 'correct horse' } })).body.token;
    await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/', text: 'mine' } });
    await server.call('POST', '/v1/feedback', { token, body: { featureId: 'page-notes', rating: 4, installId: 'install-1' } });
    await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: 2, installId: 'install-2' } });
    const before = await server.call('GET', '/v1/admin/report', { token: ADMIN_TOKEN });
    assert.equal(before.body.features[0].feedbackCount, 2);

    assert.equal((await server.call('DELETE', '/v1/account', { token })).status, 204);
    assert.equal((await server.call('GET', '/v1/account', { token })).status, 401);
    assert.equal((await server.call('GET', '/v1/account', { token: second })).status, 401);
    assert.equal((await server.call('POST', '/v1/sessions', { body: { email: 'ada@example.org', password: 'correct horse' } })).status, 401);
    const after = await server.call('GET', '/v1/admin/report', { token: ADMIN_TOKEN });
    assert.equal(after.body.features[0].feedbackCount, 1);
    assert.equal(after.body.features[0].meanRating, 2);

    // The same email can sign up again and finds nothing of the old account.
    const again = await createSignedInAccount(server, 'ada@example.org');
    assert.deepEqual((await server.call('GET', '/v1/services/notes/', { token: again })).body.notes, []);
  });

  it('rate-limits sign-in per email and per address with Retry-After, counters shared through the store', async () => {
    await server.close();
    server = await startTestServer({
      store,
      rateLimits: {
        login: { perEmail: 2, perAddress: 4, windowMs: 60_000 },
        signup: { perEmail: 1, perAddress: 10, windowMs: 60_000 },
      },
    });
    const signIn = (email: string) => server.call('POST', '/v1/sessions', { body: { email, password: 'whatever1' } });
    assert.equal((await signIn('a@example.org')).status, 401);
    assert.equal((await signIn('a@example.org')).status, 401);
    const limited = await signIn('a@example.org');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '60');
    // Another email from the same address: allowed until the address limit.
    assert.equal((await signIn('b@example.org')).status, 401);
    assert.equal((await signIn('c@example.org')).status, 429);

    const signUp = () => server.call('POST', '/v1/accounts', { body: { email: 'd@example.org', password: 'long enough', acceptedTerms: TERMS } });
    assert.equal((await signUp()).status, 201);
    assert.equal((await signUp()).status, 429);

    server.clock.now += 61_000;
    assert.equal((await signIn('a@example.org')).status, 401);
  });

  it('asks an account that accepted older terms to accept the new ones before using services', async () => {
    const token = await createSignedInAccount(server, 'ada@example.org');
    const termsDir = mkdtempSync(join(tmpdir(), 'beta-terms-'));
    cpSync(server.config.termsDir, termsDir, { recursive: true });
    cpSync(join(termsDir, `terms-${TERMS}.html`), join(termsDir, 'terms-2027-01-01.html'));
    // A new server process with newer terms over the same database.
    await server.app.close();
    const { buildServer } = await import('../../server/app');
    const config = { ...server.config, termsVersion: '2027-01-01', termsDir };
    const reopened = await openStore(config);
    const app = await buildServer({ store: reopened, config, now: () => server.clock.now, serviceDeployment: 'all' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
    };
    try {
      assert.equal((await fetch(`${url}/terms/2027-01-01`)).status, 200);
      const account = await call('GET', '/v1/account');
      assert.equal(account.body.termsOutdated, true);
      assert.equal(account.body.acceptedTerms, TERMS);
      const refused = await call('GET', '/v1/services/notes/');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'terms_not_accepted');
      assert.equal((await call('POST', '/v1/account/terms', { acceptedTerms: TERMS })).status, 400);
      const accepted = await call('POST', '/v1/account/terms', { acceptedTerms: '2027-01-01' });
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.termsOutdated, false);
      assert.equal((await call('GET', '/v1/services/notes/')).status, 200);
    } finally {
      await app.close();
      rmSync(termsDir, { recursive: true, force: true });
    }
  });
});
