import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { HostDb } from '../../../extension/db';
import { HostError } from '../../../extension/errors';
import { FeedbackError, FeedbackQueue } from '../../../extension/telemetry/feedback-queue';
import { makeBetaServer, NOW, ORIGIN, openFreshDb, scriptedFetch } from '../../helpers/addon-fixtures';

describe('FeedbackQueue', () => {
  let db: HostDb;
  beforeEach(async () => {
    db = await openFreshDb();
  });
  afterEach(() => db.close());

  const makeQueue = (fetch: ReturnType<typeof scriptedFetch>['fetch'], log = { warn: sinon.spy() }) =>
    new FeedbackQueue({ db, server: makeBetaServer(fetch), installId: async () => 'unit-1', now: () => NOW, log });
  const noNetwork = () => Promise.reject(new Error('no network expected'));

  it('refuses a rating outside 1–5, a fractional rating, an overlong comment and a bad feature id, naming the field', async () => {
    const queue = makeQueue(scriptedFetch(noNetwork).fetch);
    const refusals: Array<[Parameters<FeedbackQueue['enqueue']>[0], string]> = [
      [{ featureId: 'tab-groups', rating: 0, comment: '' }, 'rating'],
      [{ featureId: 'tab-groups', rating: 6, comment: '' }, 'rating'],
      [{ featureId: 'tab-groups', rating: 3.5, comment: '' }, 'rating'],
      [{ featureId: 'tab-groups', rating: 4, comment: 'x'.repeat(2001) }, 'comment'],
      [{ featureId: '../etc', rating: 4, comment: '' }, 'featureId'],
    ];
    for (const [input, field] of refusals) {
      await assert.rejects(queue.enqueue(input), (error: Error) => error instanceof FeedbackError && error.field === field && error.message.includes(field));
    }
    assert.equal(await queue.size(), 0);
    await queue.enqueue({ featureId: 'tab-groups', rating: 5, comment: 'x'.repeat(2000) });
    assert.equal(await queue.size(), 1);
  });

  it('refuses with a HostError coded invalid-feedback whose subject is the feature', async () => {
    const queue = makeQueue(scriptedFetch(noNetwork).fetch);
    await assert.rejects(queue.enqueue({ featureId: 'tab-groups', rating: 9 }), (error: unknown) => {
      assert.ok(error instanceof HostError);
      assert.deepEqual([error.name, error.code, error.subject], ['FeedbackError', 'invalid-feedback', 'tab-groups']);
      return true;
    });
  });

  it('sends queued feedback with the install id and the token, then forgets it', async () => {
    const queue = makeQueue(scriptedFetch(noNetwork).fetch);
    await queue.enqueue({ featureId: 'tab-groups', rating: 4, comment: 'Handy' });
    const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 201 }));
    assert.deepEqual(await makeQueue(fetch).flush({ token: 'tok' }), { sent: 1, queued: 0, dropped: 0 });
    assert.equal(requests[0]!.url, `${ORIGIN}/v1/feedback`);
    assert.equal(requests[0]!.headers.get('authorization'), 'Bearer tok');
    const { feedbackId, ...sent } = JSON.parse(requests[0]!.body!);
    assert.deepEqual(sent, { installId: 'unit-1', featureId: 'tab-groups', rating: 4, comment: 'Handy' });
    assert.match(feedbackId, /^[0-9a-f-]{36}$/);
    assert.equal(await queue.size(), 0);
  });

  it('sends the version of the feature installed when the user wrote it, and none for a feature it cannot name', async () => {
    const versions: Record<string, string> = { 'tab-groups': '1.4.0' };
    const versionOf = async (id: string) => versions[id];
    const writing = new FeedbackQueue({ db, server: makeBetaServer(scriptedFetch(noNetwork).fetch), installId: async () => 'unit-1', now: () => NOW, versionOf });
    await writing.enqueue({ featureId: 'tab-groups', rating: 3, comment: 'Slow' });
    await writing.enqueue({ featureId: 'page-notes', rating: 5 });
    // Updated before the send: the feedback was about 1.4.0.
    versions['tab-groups'] = '1.5.0';
    const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 201 }));
    await new FeedbackQueue({ db, server: makeBetaServer(fetch), installId: async () => 'unit-1', now: () => NOW, versionOf }).flush();
    const sent = requests.map((request) => JSON.parse(request.body!));
    assert.deepEqual(sent.map((body) => [body.featureId, body.featureVersion]), [['tab-groups', '1.4.0'], ['page-notes', undefined]]);
    assert.ok(!('featureVersion' in sent[1]), 'no empty version on the wire');
  });

  it('sends no Authorization header without a token', async () => {
    await makeQueue(scriptedFetch(noNetwork).fetch).enqueue({ featureId: 'tab-groups', rating: 2 });
    const { fetch, requests } = scriptedFetch(() => new Response(null, { status: 200 }));
    await makeQueue(fetch).flush();
    assert.equal(requests[0]!.headers.get('authorization'), null);
  });

  it('keeps feedback through network failures, 5xx, 429 and an expired token, and sends it later', async () => {
    const queue = makeQueue(scriptedFetch(noNetwork).fetch);
    await queue.enqueue({ featureId: 'tab-groups', rating: 1, comment: 'Broke my tabs' });
    await queue.enqueue({ featureId: 'tab-groups', rating: 3 });
    const { fetch, requests } = scriptedFetch(
      () => Promise.reject(new TypeError('offline')),
      () => new Response('oops', { status: 500 }),
      () => new Response('later', { status: 429 }),
      () => new Response('token expired', { status: 401 }),
      () => new Response(null, { status: 204 }),
    );
    const sender = makeQueue(fetch);
    for (let i = 0; i < 4; i++) assert.deepEqual(await sender.flush({ token: 'old' }), { sent: 0, queued: 2, dropped: 0 });
    assert.equal(await queue.size(), 2);
    assert.deepEqual(await sender.flush({ token: 'new' }), { sent: 2, queued: 0, dropped: 0 });
    assert.deepEqual(requests.slice(-2).map((r) => JSON.parse(r.body!).comment), ['Broke my tabs', '']);
    // Every try of the same feedback carries the same id, so the server stores a resend once.
    const idsOfFirst = requests.filter((r) => r.body && JSON.parse(r.body).comment === 'Broke my tabs').map((r) => JSON.parse(r.body!).feedbackId);
    assert.equal(idsOfFirst.length, 5);
    assert.equal(new Set(idsOfFirst).size, 1);
    assert.match(idsOfFirst[0], /^[0-9a-f-]{36}$/);
  });

  it('drops feedback the server refuses for good (400) and logs it', async () => {
    await makeQueue(scriptedFetch(noNetwork).fetch).enqueue({ featureId: 'tab-groups', rating: 2 });
    const log = { warn: sinon.spy() };
    const { fetch } = scriptedFetch(() => new Response('invalid', { status: 400 }));
    assert.deepEqual(await makeQueue(fetch, log).flush(), { sent: 0, queued: 0, dropped: 1 });
    sinon.assert.calledOnce(log.warn);
  });
});
