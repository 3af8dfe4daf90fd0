// The admin dashboard's routes over the real server, on SQLite and
// PostgreSQL: feedback listed newest first with its filters and CSV export,
// the daily series, the per-feature overview, the page and its headers, and
// comments that leave with their account.
import { strict as assert } from 'node:assert';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { makeEntry, sha256 } from '../helpers/manifests';
import { createSigningKey, signPayload } from '../helpers/signing';
import { ADMIN_TOKEN, createPayload, createSignedInAccount, describeEachStore, START, startTestServer, type TestServer } from './helpers';

const DAY_MS = 86_400_000;

describeEachStore('beta server: admin dashboard and feedback listing', (store) => {
  let server: TestServer;
  const admin = (path: string, token = ADMIN_TOKEN) => server.call('GET', path, { token });
  const feedbackOf = (id: string, query = '') => admin(`/v1/admin/features/${id}/feedback${query}`);
  /** Sends feedback the way the add-on does, `daysAgo` before the server's start. */
  async function sendFeedback(daysAgo: number, body: Record<string, unknown>, token?: string): Promise<void> {
    server.clock.now = START - daysAgo * DAY_MS;
    const sent = await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', installId: `install-${daysAgo}`, ...body }, ...(token ? { token } : {}) });
    assert.equal(sent.status, 201, sent.text);
    server.clock.now = START;
  }

  beforeEach(async () => {
    server = await startTestServer({ store });
    const channel = await createSigningKey('channel-2026');
    server.keys.push(channel.pinned);
    const features = [makeEntry('page-notes', '1.2.0', sha256('notes'), { rollout: 2500 }), makeEntry('reading-time', '1.0.0', sha256('time'))];
    const published = await server.call('PUT', '/v1/admin/manifest', { raw: await signPayload(createPayload({ serial: 1, features }), [channel]), token: ADMIN_TOKEN });
    assert.equal(published.status, 201, published.text);
  });
  afterEach(async () => server.close());

  it('lists comments newest first with rating, version and day, and nothing that names who wrote them', async () => {
    await sendFeedback(3, { rating: 2, comment: 'Too slow on long pages', featureVersion: '1.1.0' });
    await sendFeedback(1, { rating: 5, comment: 'Love it', featureVersion: '1.2.0' });
    // An add-on from before the version was sent.
    await sendFeedback(2, { rating: 4, comment: 'Handy' });
    const list = await feedbackOf('page-notes');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.comments, [
      { rating: 5, comment: 'Love it', version: '1.2.0', day: '2026-11-24' },
      { rating: 4, comment: 'Handy', version: null, day: '2026-11-23' },
      { rating: 2, comment: 'Too slow on long pages', version: '1.1.0', day: '2026-11-22' },
    ]);
    assert.equal(list.body.total, 3);
    assert.deepEqual(list.body.versions, ['1.2.0', '1.1.0']);
    assert.ok(!/install-/.test(list.text), 'no install id in the listing');
    assert.deepEqual((await feedbackOf('reading-time')).body.comments, []);
  });

  it('filters by rating, version, day range and text (any case, % and _ as themselves), and pages', async () => {
    await sendFeedback(10, { rating: 1, comment: 'Crashes at 100% zoom', featureVersion: '1.0.0' });
    await sendFeedback(8, { rating: 2, comment: 'slow_loading everywhere', featureVersion: '1.1.0' });
    await sendFeedback(6, { rating: 4, comment: 'Works, but SLOW', featureVersion: '1.1.0' });
    await sendFeedback(4, { rating: 5, comment: 'Great', featureVersion: '1.2.0' });
    await sendFeedback(2, { rating: 3, comment: '', featureVersion: '1.2.0' });
    const comments = async (query: string) => {
      const response = await feedbackOf('page-notes', query);
      assert.equal(response.status, 200, response.text);
      return response.body.comments.map((c: { comment: string }) => c.comment);
    };
    assert.deepEqual(await comments('?rating=1,2'), ['slow_loading everywhere', 'Crashes at 100% zoom']);
    assert.deepEqual(await comments('?rating=5'), ['Great']);
    assert.deepEqual(await comments('?version=1.1.0'), ['Works, but SLOW', 'slow_loading everywhere']);
    assert.deepEqual(await comments('?from=2026-11-17&to=2026-11-19'), ['Works, but SLOW', 'slow_loading everywhere']);
    assert.deepEqual(await comments('?q=slow'), ['Works, but SLOW', 'slow_loading everywhere']);
    assert.deepEqual(await comments('?q=100%25'), ['Crashes at 100% zoom']);
    assert.deepEqual(await comments('?q=or_s'), [], '_ is no wildcard');
    assert.deepEqual(await comments('?q=w_l'), ['slow_loading everywhere']);
    assert.deepEqual(await comments('?q=%25'), ['Crashes at 100% zoom'], '% is no wildcard');
    assert.deepEqual(await comments('?q=slow&rating=4,5&version=1.1.0'), ['Works, but SLOW']);
    const page = await feedbackOf('page-notes', '?limit=2&offset=2');
    assert.deepEqual([page.body.total, page.body.comments.map((c: { rating: number }) => c.rating)], [5, [4, 2]]);
  });

  it('exports CSV with a header, RFC 4180 quoting and no cell a spreadsheet would run as a formula', async () => {
    await sendFeedback(3, { rating: 1, comment: '=HYPERLINK("http://evil.example","click")', featureVersion: '1.2.0' });
    await sendFeedback(2, { rating: 2, comment: 'line one\nline two, with "quotes"', featureVersion: '1.2.0' });
    await sendFeedback(1, { rating: 3, comment: '@SUM(A1)' });
    await sendFeedback(0, { rating: 4, comment: '-2+3' });
    await sendFeedback(0.5, { rating: 5, comment: '+cmd|calc' });
    const csv = await feedbackOf('page-notes', '?format=csv');
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type')!, /^text\/csv; charset=utf-8/);
    assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="page-notes-feedback.csv"');
    assert.equal(
      csv.text,
      [
        'day,rating,version,comment',
        "2026-11-25,4,,'-2+3",
        "2026-11-25,5,,'+cmd|calc",
        "2026-11-24,3,,'@SUM(A1)",
        '2026-11-23,2,1.2.0,"line one\nline two, with ""quotes"""',
        `2026-11-22,1,1.2.0,"'=HYPERLINK(""http://evil.example"",""click"")"`,
        '',
      ].join('\r\n'),
    );
    const filtered = await feedbackOf('page-notes', '?format=csv&rating=1');
    assert.equal(filtered.text.split('\r\n').length, 3, filtered.text);
  });

  it('exports every comment of a long history, in order, a page at a time', async () => {
    const rows = Array.from({ length: 2300 }, (_, i) => ({
      feature_id: 'page-notes', rating: (i % 5) + 1, comment: `comment ${i}`, install_id: `i-${i}`, feedback_id: null, account_id: null,
      created_at: START - (2300 - i) * 60_000, feature_version: '1.2.0',
    }));
    for (let i = 0; i < rows.length; i += 500) await server.store.db.insertInto('feedback').values(rows.slice(i, i + 500)).execute();
    const csv = await feedbackOf('page-notes', '?format=csv');
    const lines = csv.text.trimEnd().split('\r\n');
    assert.equal(lines.length, 2301);
    assert.equal(lines[1], '2026-11-25,5,1.2.0,comment 2299');
    assert.equal(lines[2300], '2026-11-23,1,1.2.0,comment 0');
    assert.equal(new Set(lines).size, 2301, 'no comment twice across pages');
  });

  it('refuses bad filters with a 400 that names the field, and strangers with a 401', async () => {
    const refusals: Array<[string, string, RegExp]> = [
      ['?rating=6', 'invalid_request', /query\.rating/],
      ['?rating=1,,2', 'invalid_request', /query\.rating/],
      ['?version=latest', 'invalid_request', /query\.version/],
      ['?from=2026-02-30', 'invalid_request', /query\.from/],
      ['?from=2026-11-20&to=2026-11-01', 'invalid_day_range', /query\.from/],
      [`?q=${'x'.repeat(201)}`, 'invalid_request', /query\.q/],
      ['?limit=0', 'invalid_request', /query\.limit/],
      ['?limit=201', 'invalid_request', /query\.limit/],
      ['?offset=-1', 'invalid_request', /query\.offset/],
      ['?format=xlsx', 'invalid_request', /query\.format/],
      ['?account=1', 'invalid_request', /account/],
      ['?q=a%00b', 'invalid_text', /U\+0000/],
    ];
    for (const [query, code, message] of refusals) {
      const response = await feedbackOf('page-notes', query);
      assert.deepEqual([response.status, response.body?.error?.code], [400, code], `${query}: ${response.text}`);
      assert.match(response.body.error.message, message, query);
    }
    assert.equal((await feedbackOf('Bad_Id')).status, 400);
    for (const path of ['/v1/admin/features', '/v1/admin/features/page-notes/daily', '/v1/admin/features/page-notes/feedback', '/v1/admin/features/page-notes/feedback?format=csv']) {
      const response = await admin(path, 'not-the-token');
      assert.deepEqual([response.status, response.body.error.code], [401, 'admin_token_required'], path);
    }
  });

  it('gives each day of the range with active installs, events, failures and opt-outs, zero where quiet', async () => {
    const send = async (installId: string, counts: Array<[string, string, number]>) => {
      const response = await server.call('POST', '/v1/usage', { body: { batchId: `b-${installId}`, installId, counts: counts.map(([day, event, count]) => ({ day, featureId: 'page-notes', event, count })) } });
      assert.equal(response.status, 200, response.text);
    };
    await send('a', [['2026-11-20', 'note-saved', 3], ['2026-11-22', 'note-saved', 1]]);
    await send('b', [['2026-11-20', 'note-opened', 2], ['2026-11-20', HOST_EVENTS.installFailed, 1]]);
    await send('c', [['2026-11-22', HOST_EVENTS.optOut, 1]]);
    const daily = await admin('/v1/admin/features/page-notes/daily?from=2026-11-19&to=2026-11-22');
    assert.equal(daily.status, 200, daily.text);
    assert.deepEqual(daily.body, {
      featureId: 'page-notes',
      from: '2026-11-19',
      to: '2026-11-22',
      days: [
        { day: '2026-11-19', activeInstalls: 0, events: 0, failures: 0, optOuts: 0 },
        { day: '2026-11-20', activeInstalls: 2, events: 5, failures: 1, optOuts: 0 },
        { day: '2026-11-21', activeInstalls: 0, events: 0, failures: 0, optOuts: 0 },
        { day: '2026-11-22', activeInstalls: 2, events: 1, failures: 0, optOuts: 1 },
      ],
    });
    const year = await admin('/v1/admin/features/page-notes/daily');
    assert.deepEqual([year.body.from, year.body.to, year.body.days.length], ['2025-11-26', '2026-11-25', 365]);
    const tooLong = await admin('/v1/admin/features/page-notes/daily?from=2024-01-01&to=2026-01-01');
    assert.deepEqual([tooLong.status, tooLong.body.error.code], [400, 'invalid_day_range']);
    const reversed = await admin('/v1/admin/features/page-notes/daily?from=2026-11-22&to=2026-11-19');
    assert.deepEqual([reversed.status, reversed.body.error.code], [400, 'invalid_day_range']);
  });

  it('sums up every feature of the manifest: rollout, installs, failure and opt-out rates, rating distribution', async () => {
    const batch = (installId: string, event: string) =>
      server.call('POST', '/v1/usage', { body: { batchId: `b-${installId}-${event}`, installId, counts: [{ day: '2026-11-20', featureId: 'page-notes', event, count: 1 }] } });
    for (const id of ['a', 'b', 'c', 'd']) assert.equal((await batch(id, 'note-saved')).status, 200);
    // Active on a second day: still one install.
    const later = await server.call('POST', '/v1/usage', { body: { batchId: 'b-a-later', installId: 'a', counts: [{ day: '2026-11-21', featureId: 'page-notes', event: 'note-saved', count: 1 }] } });
    assert.equal(later.status, 200, later.text);
    await batch('a', HOST_EVENTS.installFailed);
    await batch('b', HOST_EVENTS.optOut);
    await batch('c', HOST_EVENTS.optOut);
    for (const rating of [5, 5, 4, 1]) await sendFeedback(1, { rating, featureVersion: '1.2.0' });
    const overview = await admin('/v1/admin/features');
    assert.equal(overview.status, 200, overview.text);
    const [notes, reading] = overview.body.features;
    assert.deepEqual(
      [notes.featureId, notes.version, notes.rolloutPercent, notes.killed, notes.installs, notes.failureRate.value, notes.optOutRate.value, notes.optOutRate.reports],
      ['page-notes', '1.2.0', 25, false, 4, 0.25, 0.5, 2],
    );
    assert.ok(notes.failureRate.interval[0] < 0.25 && notes.failureRate.interval[1] > 0.25);
    assert.deepEqual(notes.ratings, { count: 4, mean: 3.75, distribution: [1, 0, 0, 1, 2] });
    assert.deepEqual([reading.featureId, reading.installs, reading.failureRate.value, reading.ratings.mean], ['reading-time', 0, null, null]);
  });

  it('deletes an account’s comments with the account, and keeps everyone else’s', async () => {
    const token = await createSignedInAccount(server);
    await sendFeedback(2, { rating: 1, comment: 'mine, signed in', featureVersion: '1.2.0' }, token);
    await sendFeedback(1, { rating: 4, comment: 'someone else', featureVersion: '1.2.0' });
    assert.equal((await feedbackOf('page-notes')).body.total, 2);
    const deleted = await server.call('DELETE', '/v1/account', { token });
    assert.ok(deleted.status < 300, deleted.text);
    const after = await feedbackOf('page-notes');
    assert.deepEqual(after.body.comments.map((c: { comment: string }) => c.comment), ['someone else']);
    assert.ok(!(await feedbackOf('page-notes', '?format=csv')).text.includes('mine, signed in'));
    assert.equal((await admin('/v1/admin/features')).body.features[0].ratings.count, 1);
  });

  it('serves the page, its script with uPlot and its styles, with a CSP that forbids inline script and framing', async function () {
    this.timeout(30_000);
    const page = await server.call('GET', '/admin/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, body] of scripts) assert.ok(/\bsrc="\/admin\//.test(attributes!) && body!.trim() === '', 'scripts come from files of this origin');
    assert.ok(!/\son[a-z]+=/i.test(page.text), 'no inline event handler');
    assert.ok(!/https?:\/\//.test(page.text), 'nothing from another origin');
    assert.equal((await server.call('GET', '/admin')).status, 200);
    const script = await server.call('GET', '/admin/dashboard.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type')!, /^text\/javascript/);
    assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(script.text.includes('u-legend'), 'uPlot is bundled into the script');
    assert.ok(!/\.innerHTML\s*=|insertAdjacentHTML|document\.write/.test(script.text), 'no HTML is written from strings');
    for (const path of ['/admin/dashboard.css', '/admin/uPlot.min.css']) {
      const css = await server.call('GET', path);
      assert.deepEqual([css.status, css.headers.get('content-type')], [200, 'text/css; charset=utf-8'], path);
    }
    assert.equal((await server.call('GET', '/admin/missing.js')).status, 404);
  });
});
