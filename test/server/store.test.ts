// The store on its own, on SQLite and on the real PostgreSQL: what several
// server processes do at once must come out right, and usage past its
// retention must go while everything newer stays.
import { strict as assert } from 'node:assert';
import { listNotes, upsertNote } from '../../server/services/notes/notes-queries';
import { findFirstKeptDay, runHousekeeping } from '../../server/store/retention';
import type { BetaStore } from '../../server/store/store';
import { createSignedInAccount, describeEachStore, START, startTestServer, TERMS, type TestServer } from './helpers';

const DAY = 24 * 3600 * 1000;
const count = (day: string, featureId: string, event: string, n = 1) => ({ day, featureId, event, count: n });

describeEachStore('beta store', (storeKind) => {
  let server: TestServer;
  let store: BetaStore;
  beforeEach(async () => {
    server = await startTestServer({ store: storeKind });
    store = server.store;
  });
  afterEach(async () => server.close());

  const createAccount = (email: string) => store.createAccount({ email, passwordHash: 'scrypt$stored', createdAt: START, acceptedTerms: TERMS });

  it('counts every attempt against a rate limit exactly once when many arrive at the same time', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => store.consumeRateLimit('login:email:a@example.org', 10, 60_000, START)));
    assert.equal(results.filter((r) => r.allowed).length, 10);
    assert.ok(results.filter((r) => !r.allowed).every((r) => r.retryAfterMs === 60_000));
    // A new window starts once the old one is over.
    assert.equal((await store.consumeRateLimit('login:email:a@example.org', 10, 60_000, START + 60_000)).allowed, true);
  });

  it('adds concurrent usage batches without losing a count, and counts a batch sent several times at once once', async () => {
    const batches = Array.from({ length: 20 }, (_, i) => ({
      batchId: `b-${i}`,
      installId: `install-${i % 5}`,
      // Opposite orders in alternate batches: rows are locked in key order whatever order they arrive in.
      counts: (i % 2 ? (a: unknown[]) => a.reverse() : (a: unknown[]) => a)([
        count('2026-11-25', 'page-notes', 'opened', 2),
        count('2026-11-25', 'page-notes', 'saved'),
        count('2026-11-25', 'page-notes', 'opened', 1),
        count('2026-11-24', 'tab-groups', 'grouped', 3),
      ]) as ReturnType<typeof count>[],
    }));
    const resent = { batchId: 'b-resent', installId: 'install-9', counts: [count('2026-11-25', 'page-notes', 'opened', 100)] };
    const outcomes = await Promise.all([
      ...batches.map((batch) => store.recordUsageBatch(batch, START)),
      ...Array.from({ length: 5 }, () => store.recordUsageBatch(resent, START)),
    ]);
    assert.equal(outcomes.filter((o) => o === 'recorded').length, 21);
    const [pageNotes, tabGroups] = await store.readReport('2026-11-25');
    assert.deepEqual(pageNotes!.events, { opened: 20 * 3 + 100, saved: 20 });
    assert.equal(pageNotes!.installs, 6);
    assert.deepEqual(tabGroups!.events, { grouped: 60 });
  });

  it('keeps the highest serial when publishers race, and refuses an older one', async () => {
    const manifest = (serial: number) => ({ serial, bytes: Buffer.from(`{"serial":${serial}}`), etag: `"e${serial}"`, publishedAt: START });
    const outcomes = await Promise.all([5, 3, 8, 8, 1, 7].map((serial) => store.publishManifest(manifest(serial))));
    assert.ok(outcomes.filter(Boolean).length >= 1 && outcomes.filter(Boolean).length <= 5, 'the second 8 is refused');
    const current = await store.getCurrentManifest();
    assert.equal(current!.serial, 8);
    assert.equal(current!.bytes.toString(), '{"serial":8}');
    assert.equal(await store.publishManifest(manifest(6)), false);
    assert.equal((await store.getCurrentManifest())!.serial, 8);
  });

  it('gives one account per email and keeps the note limit when requests race', async () => {
    const accounts = await Promise.all(['Ada@example.org', 'ada@example.org', 'ADA@example.org '].map(createAccount));
    assert.equal(accounts.filter(Boolean).length, 1);
    const { id } = accounts.find(Boolean)!;
    const sameNote = await Promise.all(Array.from({ length: 8 }, (_, i) => upsertNote(store.db, store.dialect, { accountId: id, url: 'https://example.org/', text: `v${i}`, now: START + i, maxNotes: 5 })));
    assert.deepEqual(sameNote.filter((o) => o === 'created'), ['created']);
    const others = await Promise.all(Array.from({ length: 12 }, (_, i) => upsertNote(store.db, store.dialect, { accountId: id, url: `https://example.org/${i}`, text: 'x', now: START, maxNotes: 5 })));
    assert.equal(others.filter((o) => o === 'created').length, 4);
    assert.equal((await listNotes(store.db, id)).length, 5);
  });

  it('erases an account with its sessions, notes and feedback, and nothing of other accounts', async () => {
    const gone = (await createAccount('gone@example.org'))!;
    const kept = (await createAccount('kept@example.org'))!;
    for (const account of [gone, kept]) {
      await store.createSession(`hash-${account.id}`, { accountId: account.id, createdAt: START, expiresAt: START + DAY });
      assert.equal(await upsertNote(store.db, store.dialect, { accountId: account.id, url: 'https://example.org/', text: 'mine', now: START, maxNotes: 10 }), 'created');
      await store.addFeedback({ featureId: 'page-notes', rating: 4, comment: '', installId: `i-${account.id}`, feedbackId: null, accountId: account.id, createdAt: START });
    }
    assert.equal(await store.deleteAccount(gone.id), true);
    assert.equal(await store.findAccountById(gone.id), undefined);
    assert.equal(await store.findSession(`hash-${gone.id}`), undefined);
    assert.deepEqual(await listNotes(store.db, gone.id), []);
    assert.equal((await store.findSession(`hash-${kept.id}`))!.accountId, kept.id);
    assert.equal((await listNotes(store.db, kept.id)).length, 1);
    assert.equal((await store.readReport('2026-11-25'))[0]!.feedbackCount, 1);
    assert.equal(await store.deleteAccount(gone.id), false);
  });

  it('answers 400 for text the database cannot keep, and stores nothing of it', async () => {
    const token = await createSignedInAccount(server);
    const note = await server.call('PUT', '/v1/services/notes/', { token, body: { url: 'https://example.org/', text: 'a\u0000b' } });
    assert.equal(note.status, 400, note.text);
    assert.equal(note.body.error.code, 'invalid_text');
    const feedback = await server.call('POST', '/v1/feedback', { body: { featureId: 'page-notes', rating: 3, comment: '\u0000', installId: 'i' } });
    assert.equal(feedback.status, 400, feedback.text);
    const signIn = await server.call('POST', '/v1/sessions', { body: { email: 'a\u0000@example.org', password: 'whatever1' } });
    assert.equal(signIn.status, 400, signIn.text);
    assert.deepEqual((await server.call('GET', '/v1/services/notes/', { token })).body.notes, []);
    // Year 0 is a day clients may send; both stores keep it as given.
    const early = await server.call('POST', '/v1/usage', { body: { batchId: 'b', installId: 'i', counts: [count('0000-01-01', 'page-notes', 'opened')] } });
    assert.equal(early.status, 200, early.text);
    assert.deepEqual((await store.readReport('2026-11-25')).map((f) => [f.featureId, f.installs, f.events]), [['page-notes', 1, { opened: 1 }]]);
  });

  it('deletes usage past its retention and keeps the rest, sessions and feedback included', async () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const firstKept = findFirstKeptDay(now, 30);
    assert.equal(firstKept, '2026-10-27');
    await store.recordUsageBatch({ batchId: 'old', installId: 'install-old', counts: [count('2026-10-26', 'page-notes', 'opened', 7)] }, Date.parse('2026-10-26T23:59:59Z'));
    await store.recordUsageBatch({ batchId: 'edge', installId: 'install-edge', counts: [count('2026-10-27', 'page-notes', 'opened', 2)] }, Date.parse('2026-10-27T00:00:00Z'));
    await store.recordUsageBatch({ batchId: 'new', installId: 'install-new', counts: [count('2026-11-25', 'page-notes', 'saved', 1)] }, now);
    await store.addFeedback({ featureId: 'page-notes', rating: 5, comment: '', installId: 'install-old', feedbackId: null, accountId: null, createdAt: Date.parse('2025-01-01T00:00:00Z') });
    const account = (await createAccount('ada@example.org'))!;
    await store.createSession('live', { accountId: account.id, createdAt: now, expiresAt: now + DAY });
    await store.createSession('expired', { accountId: account.id, createdAt: now - 2 * DAY, expiresAt: now - DAY });

    assert.deepEqual(await runHousekeeping(store, { usageRetentionDays: 30 }, now), { usageRowsDeleted: 3 });
    const [report] = await store.readReport('2026-11-25');
    assert.deepEqual(report!.events, { opened: 2, saved: 1 });
    assert.equal(report!.active28d, 1, 'only install-new is active within 28 days');
    // install-old is still an install through its feedback; its usage is gone.
    assert.equal(report!.installs, 3);
    assert.equal(report!.feedbackCount, 1);
    assert.equal(await store.findSession('expired'), undefined);
    assert.equal((await store.findSession('live'))!.accountId, account.id);
    // The batch ids go too: a batch this old sent again counts as new, the others are still duplicates.
    assert.equal(await store.recordUsageBatch({ batchId: 'edge', installId: 'install-edge', counts: [] }, now), 'duplicate');
    assert.equal(await store.recordUsageBatch({ batchId: 'old', installId: 'install-old', counts: [] }, now), 'recorded');
    assert.deepEqual(await runHousekeeping(store, { usageRetentionDays: 30 }, now), { usageRowsDeleted: 0 });
  });

  it('deletes usage past the configured retention on the running server, through its report', async () => {
    server.clock.now = Date.parse('2026-11-25T12:00:00Z');
    const send = (batchId: string, day: string) =>
      server.call('POST', '/v1/usage', { body: { batchId, installId: 'install-a', counts: [count(day, 'page-notes', 'opened')] } });
    assert.equal((await send('1', '2025-10-21')).status, 200);
    assert.equal((await send('2', '2025-10-22')).status, 200);
    await runHousekeeping(store, server.config, server.clock.now);
    const report = await server.call('GET', '/v1/admin/report', { token: 'test-admin-token-0123456789' });
    assert.equal(server.config.usageRetentionDays, 400);
    assert.deepEqual(report.body.features[0].events, { opened: 1 }, 'day 400 back is kept, day 401 back is gone');
  });
});
