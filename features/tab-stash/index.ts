import { defineFeature, type FeatureContext, type PopupAction, type WindowTarget } from '../../extension/runtime/feature-api';
import { readStashes, updateStashes } from './stash-store';
import { addStash, countTabs, describeStash, makeStash, removeStash, StashError, wordStashError, type StashWords } from './stashes';

/**
 * Tab stash: "Stash this window's tabs" keeps the web pages open in a window
 * on the user's beta account (the storage service); "Restore" opens a stash
 * in any Firefox signed in to the same account and removes it from there.
 * From the toolbar popup (every stash listed) or a tab's context menu (the
 * newest stash).
 *
 * Privacy: only what the user stashes leaves the browser: each page's
 * address and title, and whether it was pinned.
 */
const STASH_ACTION = 'stash';
const RESTORE_PREFIX = 'restore:';
/** How many stashes the popup lists, newest first. */
const LISTED_STASHES = 10;

const wordsOf = (ctx: FeatureContext): StashWords => (key, substitutions) => ctx.i18n.getMessage(key, substitutions);

/** Runs `action`; a StashError it throws becomes an Error whose message is its sentence in the user's language. */
async function inWords<T>(ctx: FeatureContext, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof StashError) throw new Error(wordStashError(error, wordsOf(ctx)));
    throw error;
  }
}

async function stashWindow(ctx: FeatureContext, target: WindowTarget): Promise<string> {
  const stash = makeStash(await ctx.tabs.list(target), Date.now(), crypto.randomUUID());
  await updateStashes(ctx, addStash(stash));
  await ctx.usage.count('stashed');
  return ctx.i18n.getMessage('stashed', [countTabs(stash, wordsOf(ctx))]);
}

async function restoreStash(ctx: FeatureContext, id: string | undefined, target: WindowTarget): Promise<string> {
  const { stashes } = await readStashes(ctx);
  const stash = id === undefined ? stashes[0] : stashes.find((candidate) => candidate.id === id);
  if (!stash) throw new StashError(id === undefined ? 'errorNoStash' : 'errorStashGone');
  await ctx.tabs.open(stash.tabs, target);
  const count = countTabs(stash, wordsOf(ctx));
  try {
    await updateStashes(ctx, removeStash(stash.id));
  } catch (error) {
    throw new StashError('errorRestoredButKept', [count, error instanceof StashError ? error : (error as Error).message]);
  }
  await ctx.usage.count('restored');
  return ctx.i18n.getMessage('restored', [count]);
}

export default defineFeature({
  async activate(ctx) {
    ctx.popup.offer({
      list(): Promise<PopupAction[]> {
        return inWords(ctx, async () => {
          const { stashes } = await readStashes(ctx);
          const restores = stashes.slice(0, LISTED_STASHES).map((stash) => ({ id: `${RESTORE_PREFIX}${stash.id}`, label: describeStash(stash, wordsOf(ctx)) }));
          return [{ id: STASH_ACTION, label: ctx.i18n.getMessage('stashAction') }, ...restores];
        });
      },
      run(actionId, target) {
        // The popup shows a failure's message: worded here, in the user's language.
        return inWords(ctx, () => {
          if (actionId === STASH_ACTION) return stashWindow(ctx, target);
          if (actionId.startsWith(RESTORE_PREFIX)) return restoreStash(ctx, actionId.slice(RESTORE_PREFIX.length), target);
          throw new StashError('errorNoAction', [actionId]);
        });
      },
    });

    const report = (doing: Promise<string>) =>
      doing.then(
        (done) => ctx.log.info(done),
        (error: unknown) => ctx.log.warn(wordStashError(error, wordsOf(ctx))),
      );
    await ctx.menus.create({
      id: 'stash',
      title: ctx.i18n.getMessage('stashAction'),
      contexts: ['tab', 'page'],
      onClick: (_info, tab) => report(stashWindow(ctx, { windowId: tab?.windowId })),
    });
    await ctx.menus.create({
      id: 'restore-newest',
      title: ctx.i18n.getMessage('restoreNewestMenu'),
      contexts: ['tab', 'page'],
      onClick: (_info, tab) => report(restoreStash(ctx, undefined, { windowId: tab?.windowId })),
    });
  },
});
