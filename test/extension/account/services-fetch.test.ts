import assert from 'node:assert/strict';
import { AccountClient, AccountError } from '../../../extension/account/account-client';
import { betaServer, createFakeFetch, createMemoryStorage, json, NOW, ORIGIN, serverError, storedSession } from './fake-beta-server';

type Routes = Parameters<typeof createFakeFetch>[0];

function setUp(routes: Routes, initial: Record<string, unknown> = storedSession()) {
  const server = createFakeFetch(routes);
  const storage = createMemoryStorage(initial);
  const changes: Array<boolean | null> = [];
  const client = new AccountClient({ server: betaServer(server.fetch), storage, now: () => NOW, log: () => {} });
  client.onChange((session) => void changes.push(session ? session.termsOutdated : null));
  return { client, calls: server.calls, changes };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AccountError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('AccountClient.servicesFetch', () => {
  it('calls the service with the bearer token and a JSON body', async () => {
    const { client, calls } = setUp({ 'POST /v1/services/notes': () => json(201, { id: 'n1' }) });
    const response = await client.servicesFetch('shared-notes', '/v1/services/notes?draft=1', { method: 'POST', body: { text: 'hi' } });
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { id: 'n1' });
    assert.equal(calls[0]!.url, `${ORIGIN}/v1/services/notes?draft=1`);
    assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
    assert.equal(calls[0]!.headers['Content-Type'], 'application/json');
    assert.deepEqual(calls[0]!.body, { text: 'hi' });
  });

  it('sends GET without a body by default', async () => {
    const { client, calls } = setUp({ 'GET /v1/services/notes': () => json(200, []) });
    await client.servicesFetch('shared-notes', '/v1/services/notes');
    assert.equal(calls[0]!.method, 'GET');
    assert.equal(calls[0]!.body, undefined);
    assert.equal(calls[0]!.headers['Content-Type'], undefined);
  });

  it('sends the conditional headers a feature gives, by their lower-case names', async () => {
    const { client, calls } = setUp({ 'PUT /v1/services/storage/storage/c/r': () => json(412, { error: { code: 'modified_since', message: 'changed' } }) });
    const response = await client.servicesFetch('tab-stash', '/v1/services/storage/storage/c/r', {
      method: 'PUT',
      body: { payload: '{}' },
      headers: { 'X-If-Unmodified-Since': '1764493200000', 'x-if-modified-since': '5' },
    });
    assert.equal(response.status, 412);
    assert.equal(calls[0]!.headers['x-if-unmodified-since'], '1764493200000');
    assert.equal(calls[0]!.headers['x-if-modified-since'], '5');
    assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
  });

  for (const [name, value] of [['Authorization', 'Bearer stolen'], ['Cookie', 'a=b'], ['X-If-Unmodified-Since', 'yesterday'], ['X-If-Unmodified-Since', '-1']] as const) {
    it(`refuses the header "${name}: ${value}" without contacting the server`, async () => {
      const { client, calls } = setUp({});
      await rejectsWithCode(client.servicesFetch('tab-stash', '/v1/services/storage/info/quota', { headers: { [name]: value } }), 'forbidden-header', /Feature "tab-stash" may not send the header/);
      assert.equal(calls.length, 0);
    });
  }

  for (const path of ['/v1/account', '/v1/services/../account', '/v1/services/%2e%2e/sessions', 'https://evil.example/v1/services/x', '//evil.example/v1/services/x', '/v1/servicesx/y']) {
    it(`refuses ${path} without contacting the server`, async () => {
      const { client, calls } = setUp({});
      await rejectsWithCode(client.servicesFetch('shared-notes', path), 'forbidden-path', /Feature "shared-notes" may only call the beta services under \/v1\/services\//);
      assert.equal(calls.length, 0);
    });
  }

  it('refuses without a session, naming the feature', async () => {
    const { client, calls } = setUp({}, {});
    await rejectsWithCode(client.servicesFetch('shared-notes', '/v1/services/notes'), 'not-signed-in', /"shared-notes" needs a beta account/);
    assert.equal(calls.length, 0);
  });

  it('signs out on a 401 and hands the answer to the feature', async () => {
    const { client, changes } = setUp({ 'GET /v1/services/notes': () => serverError(401, 'unauthorized', 'token revoked') });
    const response = await client.servicesFetch('shared-notes', '/v1/services/notes');
    assert.equal(response.status, 401);
    assert.equal(await client.getSession(), null);
    assert.deepEqual(changes, [null]);
  });

  it('marks the terms outdated on a 403 terms_not_accepted, body still readable', async () => {
    const { client, changes } = setUp({ 'GET /v1/services/notes': () => serverError(403, 'terms_not_accepted', 'accept the new terms') });
    const response = await client.servicesFetch('shared-notes', '/v1/services/notes');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'terms_not_accepted');
    assert.equal((await client.getSession())?.termsOutdated, true);
    assert.deepEqual(changes, [true]);
  });

  it('leaves the terms alone on another 403', async () => {
    const { client, changes } = setUp({ 'GET /v1/services/notes': () => serverError(403, 'forbidden', 'not yours') });
    await client.servicesFetch('shared-notes', '/v1/services/notes');
    assert.equal((await client.getSession())?.termsOutdated, false);
    assert.deepEqual(changes, []);
  });
});

describe('AccountClient.toServicesClient', () => {
  it('serves ctx.services.fetch with the same path rule and token', async () => {
    const { client, calls } = setUp({ 'GET /v1/services/notes': () => json(200, []) });
    const services = client.toServicesClient();
    assert.equal((await services.fetch('shared-notes', '/v1/services/notes')).status, 200);
    assert.equal(calls[0]!.headers.Authorization, 'Bearer tok-1');
    await rejectsWithCode(services.fetch('shared-notes', '/v1/account'), 'forbidden-path', /shared-notes/);
  });
});
