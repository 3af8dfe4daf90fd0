import { defineFeature, type FeatureContext } from '../../extension/runtime/feature-api';
import { appendToNote, isFresh, normalizePageUrl, type NotedUrls, type PageNote, type PageNotesMessage } from './notes';

/**
 * Page notes, kept on the user's beta account by the beta server's notes
 * service: "Save selection as a page note" in the context menu, and a small
 * panel with the note when the page is opened again.
 *
 * Privacy: the pages a user visits are not sent to the server. The feature
 * keeps the list of addresses that have a note and matches pages locally;
 * only a page that has a note is asked for by address.
 */
const NOTED_URLS_KEY = 'notedUrls';

async function fetchNote(ctx: FeatureContext, url: string): Promise<PageNote | undefined> {
  const response = await ctx.services.fetch(`/v1/services/notes/?url=${encodeURIComponent(url)}`);
  if (!response.ok) throw new Error(`notes service answered ${response.status}`);
  const body = (await response.json()) as { notes: PageNote[] };
  return body.notes.find((note) => note.url === url);
}

async function readNotedUrls(ctx: FeatureContext, now = Date.now()): Promise<Set<string>> {
  const cached = await ctx.storage.get<NotedUrls>(NOTED_URLS_KEY);
  if (isFresh(cached, now)) return new Set(cached.urls);
  const response = await ctx.services.fetch('/v1/services/notes/urls');
  if (!response.ok) throw new Error(`notes service answered ${response.status}`);
  const { urls } = (await response.json()) as { urls: string[] };
  await ctx.storage.set(NOTED_URLS_KEY, { urls, fetchedAt: now } satisfies NotedUrls);
  return new Set(urls);
}

export default defineFeature({
  async activate(ctx) {
    await ctx.contentScripts.register({
      id: 'panel',
      matches: ['http://*/*', 'https://*/*'],
      js: ['content/panel.js'],
      runAt: 'document_idle',
    });

    await ctx.menus.create({
      id: 'save-selection',
      title: ctx.i18n.getMessage('saveMenu'),
      contexts: ['selection'],
      async onClick(info) {
        if (!info.pageUrl || !info.selectionText) return;
        const url = normalizePageUrl(info.pageUrl);
        const noted = await readNotedUrls(ctx);
        const existing = noted.has(url) ? await fetchNote(ctx, url) : undefined;
        const response = await ctx.services.fetch('/v1/services/notes/', {
          method: 'PUT',
          body: { url, text: appendToNote(existing?.text, info.selectionText) },
        });
        if (!response.ok) {
          ctx.log.warn('saving the note failed with', response.status);
          return;
        }
        noted.add(url);
        await ctx.storage.set(NOTED_URLS_KEY, { urls: [...noted], fetchedAt: Date.now() } satisfies NotedUrls);
        await ctx.usage.count('note-saved');
      },
    });

    ctx.messages.onMessage(async (message, sender) => {
      if ((message as PageNotesMessage).kind !== 'get-note') return undefined;
      // The page is the one the content script runs in, as the browser says, not as the message claims.
      const pageUrl = sender.url ?? sender.tab?.url;
      if (!pageUrl) return null;
      const url = normalizePageUrl(pageUrl);
      if (!(await readNotedUrls(ctx)).has(url)) return null;
      const note = await fetchNote(ctx, url);
      if (note) await ctx.usage.count('note-shown');
      return note ?? null;
    });
  },
});
