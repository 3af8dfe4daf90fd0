import { strict as assert } from 'node:assert';
import { ADMIN_TOKEN, describeEachStore, startSignedInServer, TERMS, type TestServer } from './helpers';

describeEachStore('beta server: bad input', (store) => {
  let server: TestServer;
  let token: string;
  before(async () => ({ server, token } = await startSignedInServer({ store })));
  after(async () => server.close());

  const expectError = async (response: Promise<{ status: number; body: any; text: string }>, status: number, code: string) => {
    const { status: actual, body, text } = await response;
    assert.equal(actual, status, text);
    assert.equal(body.error.code, code, text);
    assert.equal(typeof body.error.message, 'string');
  };

  it('refuses invalid JSON, wrong types and unknown fields with 400 naming the field', async () => {
    await expectError(server.call('POST', '/v1/accounts', { raw: '{"email": ' }), 400, 'invalid_json');
    await expectError(server.call('POST', '/v1/sessions', { raw: '' }), 400, 'invalid_request');
    await expectError(server.call('POST', '/v1/accounts', { body: ['not', 'an', 'object'] }), 400, 'invalid_request');
    const wrongType = await server.call('POST', '/v1/accounts', { body: { email: 'a@example.org', password: 12345678, acceptedTerms: TERMS } });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.error.message, /body\.password/);
    const unknown = await server.call('POST', '/v1/accounts', { body: { email: 'a@example.org', password: 'long enough', acceptedTerms: TERMS, admin: true } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /admin/);
    await expectError(server.call('POST', '/v1/sessions', { raw: '{"__proto__": {"polluted": true}, "email": "a@b.c", "password": "x"}' }), 400, 'invalid_request');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    await expectError(server.call('GET', '/v1/services/notes/?url=https://a.example/&url=https://b.example/', { token }), 400, 'invalid_request');
    await expectError(server.call('GET', '/v1/services/notes/?color=red', { token }), 400, 'invalid_request');
  });

  it('refuses bad path parameters, query values and wrong types with a 4xx naming the place, never a 500', async () => {
    const terms = await server.call('GET', '/terms/a%2Fb');
    assert.equal(terms.status, 400, terms.text);
    assert.match(terms.body.error.message, /path\.version/);
    await expectError(server.call('GET', '/privacy/..%2F..%2Fpackage.json'), 400, 'invalid_request');
    await expectError(server.call('GET', '/terms/%zz'), 400, 'bad_url');
    await expectError(server.call('GET', `/terms/${'a'.repeat(101)}`), 414, 'path_too_long');

    const day = await server.call('GET', '/v1/admin/report?asOf=2026-13-01', { token: ADMIN_TOKEN });
    assert.equal(day.status, 400, day.text);
    assert.match(day.body.error.message, /query\.asOf/);
    await expectError(server.call('GET', '/v1/admin/report?asOf=2026-11-01&asOf=2026-11-02', { token: ADMIN_TOKEN }), 400, 'invalid_request');
    await expectError(server.call('GET', '/v1/admin/report?from=2026-11-01', { token: ADMIN_TOKEN }), 400, 'invalid_request');
    await expectError(server.call('GET', '/v1/services/notes/?url=not-a-url', { token }), 400, 'invalid_request');
    await expectError(server.call('GET', '/v1/services/notes/?url[]=https://a.example/', { token }), 400, 'invalid_request');
    await expectError(server.call('GET', '/v1/services/notes/?constructor=x', { token }), 400, 'invalid_request');
    await expectError(server.call('DELETE', '/v1/services/notes/', { token }), 400, 'invalid_request');
    const longUrl = await server.call('GET', `/v1/services/notes/?url=https://a.example/${'a'.repeat(2048)}`, { token });
    assert.equal(longUrl.status, 413, longUrl.text);
    assert.equal(longUrl.body.error.code, 'url_too_long');
    assert.match(longUrl.body.error.message, /query\.url/);

    for (const [path, body, field] of [
      ['/v1/sessions', { email: 'a@example.org', password: 12345678 }, /body\.password/],
      ['/v1/account/terms', { acceptedTerms: 20261101 }, /body\.acceptedTerms/],
      ['/v1/feedback', { featureId: 'page-notes', rating: '5', installId: 'i' }, /body\.rating/],
      ['/v1/usage', { batchId: 'b', installId: 'i', counts: 'all of them' }, /body\.counts/],
      ['/v1/usage', { batchId: 'b', installId: 'i', counts: [{ day: 20261125, featureId: ['x'], event: {}, count: '1' }] }, /body\.counts\[0\]\.day/],
      ['/v1/usage', { batchId: ['b'], installId: null, counts: [] }, /body\.batchId/],
    ] as const) {
      const response = await server.call('POST', path, { token, body });
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.equal(response.body.error.code, 'invalid_request', path);
      assert.match(response.body.error.message, field, path);
    }
    for (const raw of ['null', '5', '"text"', '[]']) {
      await expectError(server.call('POST', '/v1/feedback', { raw }), 400, 'invalid_request');
    }
    const note = await server.call('PUT', '/v1/services/notes/', { token, body: { url: ['https://a.example/'], text: 5 } });
    assert.equal(note.status, 400, note.text);
    assert.match(note.body.error.message, /body\.url.*body\.text/);
  });

  it('asks for the session or admin token before it looks at the input', async () => {
    await expectError(server.call('GET', '/v1/services/notes/?color=red'), 401, 'unauthorized');
    await expectError(server.call('PUT', '/v1/services/notes/', { body: { url: 5 } }), 401, 'unauthorized');
    await expectError(server.call('POST', '/v1/account/terms', { body: {} }), 401, 'unauthorized');
    await expectError(server.call('GET', '/v1/admin/report?asOf=yesterday'), 401, 'admin_token_required');
  });

  it('refuses oversized bodies with 413, other content types with 415, wrong methods with 405 and unknown paths with 404', async () => {
    const big = JSON.stringify({ featureId: 'page-notes', rating: 3, installId: 'i', comment: 'x'.repeat(70 * 1024) });
    await expectError(server.call('POST', '/v1/feedback', { raw: big }), 413, 'body_too_large');
    await expectError(server.call('POST', '/v1/usage', { raw: 'x'.repeat(300 * 1024) }), 413, 'body_too_large');
    await expectError(
      server.call('POST', '/v1/feedback', { raw: 'rating=5', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
    await expectError(server.call('POST', '/v1/feedback', { raw: '{}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');

    const wrongMethod = await server.call('DELETE', '/v1/terms');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.error.code, 'method_not_allowed');
    assert.match(wrongMethod.headers.get('allow')!, /GET/);
    await expectError(server.call('POST', '/v1/manifest'), 405, 'method_not_allowed');
    await expectError(server.call('PATCH', '/v1/services/notes/', { token }), 405, 'method_not_allowed');
    await expectError(server.call('GET', '/v1/nothing-here'), 404, 'not_found');
  });

  it('answers CORS preflights for the add-on origin and keeps serving after all of the above', async () => {
    const preflight = await fetch(`${server.url}/v1/services/notes/`, {
      method: 'OPTIONS',
      headers: { origin: 'moz-extension://abc', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers')!, /Authorization/);
    assert.match(preflight.headers.get('access-control-allow-methods')!, /PUT/);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
    const refused = await server.call('GET', '/v1/account');
    assert.equal(refused.headers.get('access-control-allow-origin'), '*');
    assert.equal((await server.call('GET', '/v1/account', { token })).status, 200);
  });
});
