/**
 * The real page-notes feature in the real FeatureHost on a fake browser, with
 * a small in-memory notes service standing in for the beta server's.
 */
import assert from 'node:assert/strict';
import pageNotes from '../../features/page-notes/index';
import type { PageNote } from '../../features/page-notes/notes';
import { createFakeBrowser } from '../helpers/fake-browser';
import { makeFeature } from '../helpers/test-features';
import { createTestHost } from '../helpers/test-host';

const PANEL = 'features/page-notes/content/panel.js';

/** The notes service's contract: GET ?url= lists, PUT {url, text} saves, per account. */
function makeNotesService() {
  const notes = new Map<string, PageNote>();
  const calls: string[] = [];
  return {
    notes,
    calls,
    async fetch(featureId: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
      const method = init.method ?? 'GET';
      calls.push(`${featureId} ${method} ${path}`);
      const url = new URL(path, 'https://beta.example');
      if (method === 'GET' && url.pathname === '/v1/services/notes/urls') {
        return Response.json({ urls: [...notes.keys()] });
      }
      if (method === 'GET') {
        const wanted = url.searchParams.get('url');
        const found = [...notes.values()].filter((note) => note.url === wanted);
        return Response.json({ notes: found });
      }
      if (method === 'PUT') {
        const { url: pageUrl, text } = init.body as { url: string; text: string };
        const note = { url: pageUrl, text, updatedAt: '2026-11-25T12:00:00Z' };
        notes.set(pageUrl, note);
        return Response.json({ note }, { status: 201 });
      }
      return new Response(null, { status: 405 });
    },
  };
}

async function setUp() {
  const browser = createFakeBrowser();
  const feature = makeFeature('page-notes', pageNotes, { files: { [PANEL]: '/* panel */' }, requiresAccount: true });
  const service = makeNotesService();
  const { host, usage } = createTestHost(browser, [feature], { activateTimeoutMs: 2000, services: service });
  await host.restore();
  await host.install({ ...feature.entry, requiresAccount: true });
  return { browser, host, service, usage };
}

describe('page-notes in the host', () => {
  it('offers "Save selection as a page note" on selections and registers its panel on web pages', async () => {
    const { browser, host } = await setUp();
    const menu = browser.state.menus.get('sbc:page-notes:save-selection');
    assert.equal(menu?.title, 'Save selection as a page note');
    assert.deepEqual(menu?.contexts, ['selection']);
    assert.deepEqual(browser.state.contentScripts.get('sbc:page-notes:panel')?.js, [PANEL]);
    await host.uninstall('page-notes');
  });

  it('saves a selection to the beta account, appending to the page’s note, one note per page whatever the anchor', async () => {
    const { host, service, usage } = await setUp();
    const click = (pageUrl: string, selectionText: string) =>
      host.dispatchMenuClick({ menuItemId: 'sbc:page-notes:save-selection', pageUrl, selectionText } as never, { id: 3 });

    assert.equal(await click('https://example.org/story#part-1', 'First thought.'), true);
    await click('https://example.org/story#part-2', 'Second thought.');

    assert.deepEqual([...service.notes.keys()], ['https://example.org/story']);
    assert.equal(service.notes.get('https://example.org/story')!.text, 'First thought.\n\nSecond thought.');
    assert.ok(service.calls.every((call) => call.startsWith('page-notes ')), 'every call goes out as the feature, through its context');
    assert.equal(usage.counts.filter((c) => c.event === 'note-saved').length, 2);
    await host.uninstall('page-notes');
  });

  it('hands its content script the note for the page it runs in, or null when there is none', async () => {
    const { host, service } = await setUp();
    service.notes.set('https://example.org/a', { url: 'https://example.org/a', text: 'Kept.', updatedAt: '2026-11-25T12:00:00Z' });
    const ask = (pageUrl: string, claimed?: string) =>
      host.dispatchMessage({ type: 'sbc:feature', featureId: 'page-notes', payload: { kind: 'get-note', url: claimed } }, { url: pageUrl });

    assert.deepEqual(await ask('https://example.org/a#top'), service.notes.get('https://example.org/a'));
    assert.equal(await ask('https://example.org/b'), null);
    assert.equal(await ask('https://example.org/b', 'https://example.org/a'), null, 'the page is the sender’s, not what the message claims');
    await host.uninstall('page-notes');
  });

  it('never sends the server the address of a page that has no note, and asks for the list of noted pages rarely', async () => {
    const { host, service } = await setUp();
    service.notes.set('https://example.org/a', { url: 'https://example.org/a', text: 'Kept.', updatedAt: '2026-11-25T12:00:00Z' });
    for (const page of ['https://example.org/b', 'https://private.example/inbox', 'https://example.org/c?q=1']) {
      assert.equal(await host.dispatchMessage({ type: 'sbc:feature', featureId: 'page-notes', payload: { kind: 'get-note' } }, { url: page }), null);
    }
    assert.deepEqual(service.calls, ['page-notes GET /v1/services/notes/urls']);
    await host.uninstall('page-notes');
  });
});
