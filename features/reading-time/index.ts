import { defineFeature } from '../../extension/runtime/feature-api';
import { DEFAULT_WORDS_PER_MINUTE, type ReadingTimeMessage, type ReadingTimeSettings } from './reading-time';

/**
 * Reading time: a content script measures article pages and shows a badge;
 * the background part hands it the reading speed and counts badges shown.
 */
export default defineFeature({
  async install(ctx) {
    await ctx.storage.set('wordsPerMinute', DEFAULT_WORDS_PER_MINUTE);
  },

  async activate(ctx) {
    await ctx.contentScripts.register({
      id: 'badge',
      matches: ['http://*/*', 'https://*/*'],
      js: ['content/badge.js'],
      runAt: 'document_idle',
    });

    ctx.messages.onMessage(async (message): Promise<ReadingTimeSettings | undefined> => {
      const request = message as ReadingTimeMessage;
      if (request.kind === 'get-settings') {
        const wordsPerMinute = (await ctx.storage.get<number>('wordsPerMinute')) ?? DEFAULT_WORDS_PER_MINUTE;
        return { wordsPerMinute };
      }
      if (request.kind === 'badge-shown') {
        await ctx.usage.count('badge-shown');
      }
      return undefined;
    });
  },
});
