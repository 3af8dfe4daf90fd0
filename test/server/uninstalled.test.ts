// The page Firefox opens once the host add-on is uninstalled (its
// runtime.setUninstallURL): over the real server, on SQLite and PostgreSQL.
import { strict as assert } from 'node:assert';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { ADMIN_TOKEN, describeEachStore, startTestServer, type TestServer } from './helpers';

const DAY_MS = 86_400_000;

describeEachStore('beta server: uninstalls of the host while features were active', (store) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => server.close());

  const uninstalled = (query: string) => server.call('GET', `/v1/uninstalled?${query}`);
  /** host.uninstalled-while-active per feature, as the adoption report gives it. */
  const uninstallCounts = async (asOf = '') => {
    const response = await server.call('GET', `/v1/admin/report${asOf}`, { token: ADMIN_TOKEN });
    assert.equal(response.status, 200, response.text);
    const features = response.body.features as Array<{ featureId: string; events: Record<string, number> }>;
    return Object.fromEntries(features.map((f) => [f.featureId, f.events[HOST_EVENTS.uninstalledWhileActive] ?? 0]));
  };

  it('answers a small page that loads nothing and counts each named feature once', async () => {
    const page = await uninstalled('i=install-a&f=page-notes,tab-stash');
    assert.equal(page.status, 200, page.text);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(page.headers.get('content-security-policy'), "default-src 'none'");
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.text, /<h1>The Services Beta Channel is removed<\/h1>/);
    assert.doesNotMatch(page.text, /<script|<img|<link|install-a/);
    assert.deepEqual(await uninstallCounts(), { 'page-notes': 1, 'tab-stash': 1 });
  });

  it('counts an install once per day: a reload or a feature named twice adds nothing, another install or another day does', async () => {
    assert.equal((await uninstalled('i=install-a&f=page-notes,page-notes')).status, 200);
    assert.equal((await uninstalled('i=install-a&f=page-notes')).status, 200);
    assert.deepEqual(await uninstallCounts(), { 'page-notes': 1 });
    assert.equal((await uninstalled('i=install-b&f=page-notes')).status, 200);
    assert.deepEqual(await uninstallCounts(), { 'page-notes': 2 });
    server.clock.now += DAY_MS;
    assert.equal((await uninstalled('i=install-a&f=page-notes')).status, 200);
    assert.deepEqual(await uninstallCounts(), { 'page-notes': 3 });
  });

  it('refuses a malformed report with a coded JSON error, naming the field, and records none of it', async () => {
    const refusals: Array<[query: string, code: string, message: RegExp]> = [
      ['f=page-notes', 'invalid_request', /query\.i/],
      ['i=install-a', 'invalid_request', /query\.f/],
      ['i=install-a&f=', 'invalid_request', /query\.f\[0\]/],
      ['i=install-a&f=page-notes,https://example.org/', 'invalid_request', /query\.f\[1\]/],
      ['i=install%20a&f=page-notes', 'invalid_request', /query\.i/],
      ['i=install-a&f=page-notes&url=https://example.org/', 'invalid_request', /url/],
      [`i=install-a&f=${Array.from({ length: 101 }, (_, n) => `feature-${n}`).join(',')}`, 'too_many_features', /at most 100 features \(got 101\)/],
    ];
    for (const [query, code, message] of refusals) {
      const response = await uninstalled(query);
      assert.equal(response.status, 400, `${query}: ${response.text}`);
      assert.equal(response.body.error.code, code, query);
      assert.match(response.body.error.message, message, query);
    }
    assert.deepEqual(await uninstallCounts(), {});
  });
});
