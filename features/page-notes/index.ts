import { defineFeature, type FeatureContext } from '../../extension/runtime/feature-api';
import { appendToNote, normalizePageUrl, type PageNote, type PageNotesMessage } from './notes';

/**
 * Page notes, kept on the user's beta account by the beta server's notes
 * service: "Save selection as a page note" in the context menu, and a small
 * panel with the note when the page is opened again.
 */
async function fetchNote(ctx: FeatureContext, url: string): Promise<PageNote | undefined> {
  const response = await ctx.services.fetch(`/v1/services/notes/?url=${encodeURIComponent(url)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`notes service answered ${response.status}`);
  const body = (await response.json()) as { notes: PageNote[] };
  return body.notes.find((note) => note.url === url);
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
      title: 'Save selection as a page note',
      contexts: ['selection'],
      async onClick(info) {
        if (!info.pageUrl || !info.selectionText) return;
        const url = normalizePageUrl(info.pageUrl);
        const existing = await fetchNote(ctx, url);
        const response = await ctx.services.fetch('/v1/services/notes/', {
          method: 'PUT',
          body: { url, text: appendToNote(existing?.text, info.selectionText) },
        });
        if (!response.ok) {
          ctx.log.warn('saving the note failed with', response.status);
          return;
        }
        await ctx.usage.count('note-saved');
      },
    });

    ctx.messages.onMessage(async (message) => {
      const request = message as PageNotesMessage;
      if (request.kind !== 'get-note') return undefined;
      const note = await fetchNote(ctx, normalizePageUrl(request.url));
      if (note) await ctx.usage.count('note-shown');
      return note ?? null;
    });
  },
});
