/**
 * Tab stash in the real FeatureHost, two browsers (fake ones) signed in to
 * one beta account whose storage service is faked in memory: stash in one,
 * restore in the other, lose nothing when both write at once, leave nothing
 * behind on uninstall.
 */
import assert from 'node:assert/strict';
import feature from '../../../features/tab-stash/index';
import { parseStashes } from '../../../features/tab-stash/stashes';
import { MAX_WRITE_ATTEMPTS } from '../../../features/tab-stash/stash-store';
import { listPopupActions, runPopupAction } from '../../../extension/runtime/popup-actions';
import { createFakeBrowser, type FakeBrowser, type FakeTab } from '../../helpers/fake-browser';
import { makeFeature } from '../../helpers/test-features';
import { createTestHost } from '../../helpers/test-host';
import { createFakeStorageService } from './fake-storage-service';

const ID = 'tab-stash';
type Storage = ReturnType<typeof createFakeStorageService>;

async function startBrowser(name: string, storage: Storage, tabs: Array<Partial<FakeTab> & { url: string }> = []) {
  const browser = createFakeBrowser();
  tabs.forEach((tab, index) => browser.state.tabs.push({ id: index + 1, windowId: 1, title: `Page ${index + 1}`, pinned: false, active: false, ...tab }));
  const testFeature = makeFeature(ID, feature, { requiresAccount: true, services: ['storage'] });
  const { host, usage, log } = createTestHost(browser, [testFeature], { activateTimeoutMs: 2000, services: storage.client(name) });
  await host.restore();
  await host.install({ ...testFeature.entry, requiresAccount: true });
  assert.deepEqual(host.getActiveIds(), [ID], `${ID} did not start`);
  const run = (actionId: string, windowId = 1) => runPopupAction(host, ID, actionId, { windowId });
  const labels = async () => {
    const [entry] = await listPopupActions(host, { windowId: 1 });
    assert.equal(entry?.error, undefined);
    return (entry!.actions as Array<{ id: string; label: string }>).map((action) => action.label);
  };
  const restoreIds = async () => {
    const [entry] = await listPopupActions(host, { windowId: 1 });
    return (entry!.actions as Array<{ id: string }>).map((action) => action.id).filter((id) => id.startsWith('restore:'));
  };
  return { browser, host, usage, log, run, labels, restoreIds, uninstall: () => host.uninstall(ID) };
}

type Tabs = Parameters<typeof startBrowser>[2];

/** A laptop and a desktop signed in to one beta account, each with its tabs. */
async function startTwoBrowsers(laptopTabs: Tabs = [], desktopTabs: Tabs = []) {
  const storage = createFakeStorageService();
  return { storage, laptop: await startBrowser('laptop', storage, laptopTabs), desktop: await startBrowser('desktop', storage, desktopTabs) };
}

const opened = (browser: FakeBrowser, from = 0) => browser.state.tabs.slice(from).map(({ url, pinned, windowId }) => ({ url, pinned, windowId }));

describe('tab-stash in the host', () => {
  it('stashes the web pages of the popup’s window in one browser and restores them in another, then the stash is gone', async () => {
    const storage = createFakeStorageService();
    const laptop = await startBrowser('laptop', storage, [
      { url: 'https://example.org/a', title: 'A', pinned: true },
      { url: 'about:preferences' },
      { url: 'http://example.org/b', title: 'B' },
      { url: 'https://example.org/elsewhere', windowId: 2 },
    ]);
    const desktop = await startBrowser('desktop', storage);
    assert.deepEqual(await desktop.labels(), ['Stash this window’s tabs']);

    assert.equal(await laptop.run('stash'), 'Stashed 2 tabs to your beta account.');
    const labels = await desktop.labels();
    assert.equal(labels.length, 2);
    assert.match(labels[1]!, /^Restore 2 tabs stashed /);

    const [restore] = await desktop.restoreIds();
    assert.equal(await desktop.run(restore!, 7), 'Restored 2 tabs. The stash is removed from your beta account.');
    assert.deepEqual(opened(desktop.browser), [
      { url: 'https://example.org/a', pinned: true, windowId: 7 },
      { url: 'http://example.org/b', pinned: false, windowId: 7 },
    ]);
    assert.deepEqual(await laptop.labels(), ['Stash this window’s tabs']);
    assert.deepEqual(laptop.usage.counts.map((c) => c.event), ['stashed']);
    assert.deepEqual(desktop.usage.counts.map((c) => c.event), ['restored']);
    await laptop.uninstall();
    await desktop.uninstall();
  });

  it('keeps both stashes when another browser stashes between this one’s read and write: 412, read again, merge', async () => {
    const { storage, laptop, desktop } = await startTwoBrowsers([{ url: 'https://example.org/laptop' }], [{ url: 'https://example.org/desktop-1' }, { url: 'https://example.org/desktop-2' }]);
    storage.beforeNextWrite('laptop', () => desktop.run('stash'));
    assert.equal(await laptop.run('stash'), 'Stashed 1 tab to your beta account.');
    const saved = parseStashes(storage.payload!);
    assert.deepEqual(saved.map((stash) => stash.tabs.map((tab) => tab.url)).sort(), [
      ['https://example.org/desktop-1', 'https://example.org/desktop-2'],
      ['https://example.org/laptop'],
    ]);
    const puts = storage.calls.filter((call) => call.startsWith('PUT'));
    assert.equal(puts.length, 3, 'the desktop’s write, the laptop’s refused one, and its write after merging');
    await laptop.uninstall();
    await desktop.uninstall();
  });

  it('removes only the restored stash when another browser stashes meanwhile, and refuses a stash restored elsewhere', async () => {
    const { storage, laptop, desktop } = await startTwoBrowsers([{ url: 'https://example.org/first' }], [{ url: 'https://example.org/second' }]);
    await laptop.run('stash');
    const [first] = await desktop.restoreIds();
    laptop.browser.state.tabs[0]!.url = 'https://example.org/meanwhile';
    storage.beforeNextWrite('desktop', () => laptop.run('stash'));
    await desktop.run(first!);
    assert.deepEqual(parseStashes(storage.payload!).map((stash) => stash.tabs[0]!.url), ['https://example.org/meanwhile'], 'the stash made meanwhile stays');
    assert.deepEqual(opened(desktop.browser, 1), [{ url: 'https://example.org/first', pinned: false, windowId: 1 }]);

    const [again] = await laptop.restoreIds();
    await desktop.run(again!);
    await assert.rejects(laptop.run(again!), /This stash is no longer on your beta account: it was restored in another browser\./);
    await laptop.uninstall();
    await desktop.uninstall();
  });

  it('gives up after a bounded number of lost races, saying so, with nothing saved', async () => {
    const { storage, laptop, desktop } = await startTwoBrowsers([{ url: 'https://example.org/a' }], [{ url: 'https://example.org/b' }]);
    for (let i = 0; i < MAX_WRITE_ATTEMPTS; i++) storage.beforeNextWrite('laptop', () => desktop.run('stash'));
    await assert.rejects(laptop.run('stash'), /kept changing in another browser while this one saved \(5 tries\); nothing was saved/);
    const urls = parseStashes(storage.payload!).flatMap((stash) => stash.tabs.map((tab) => tab.url));
    assert.deepEqual(urls, Array(MAX_WRITE_ATTEMPTS).fill('https://example.org/b'));
    await laptop.uninstall();
    await desktop.uninstall();
  });

  it('never overwrites stashes it cannot read, and passes on what the service says when it refuses', async () => {
    const storage = createFakeStorageService();
    const laptop = await startBrowser('laptop', storage, [{ url: 'https://example.org/a' }]);
    storage.setPayload('{"format":2,"stashes":"somewhere else"}');
    await assert.rejects(laptop.run('stash'), /in a form this version of Tab stash cannot read; nothing was changed/);
    assert.equal(storage.payload, '{"format":2,"stashes":"somewhere else"}');
    const [entry] = await listPopupActions(laptop.host, {});
    assert.match(entry!.error ?? '', /cannot read/, 'the popup says why there are no actions');

    storage.failWith(403, 'quota_exceeded', 'this account would keep 5242881 bytes, over its quota of 5242880: delete records first');
    await assert.rejects(laptop.run('stash'), /The beta storage service could not read your stashes: this account would keep 5242881 bytes/);
    await laptop.uninstall();
  });

  it('says so when the window has no web page to stash, and saves nothing', async () => {
    const storage = createFakeStorageService();
    const laptop = await startBrowser('laptop', storage, [{ url: 'about:newtab' }]);
    await assert.rejects(laptop.run('stash'), /This window has no web pages to stash\./);
    assert.equal(storage.payload, undefined);
    await laptop.uninstall();
  });

  it('offers “Stash this window’s tabs” and “Restore the newest stash” in the tab and page menus, for the clicked window', async () => {
    const { storage, laptop, desktop } = await startTwoBrowsers([{ url: 'https://example.org/a', windowId: 3 }]);
    const titles = [...laptop.browser.state.menus.entries()].map(([id, menu]) => [id, menu.title, menu.contexts]);
    assert.deepEqual(titles, [
      ['sbc:tab-stash:stash', 'Stash this window’s tabs', ['tab', 'page']],
      ['sbc:tab-stash:restore-newest', 'Restore the newest stash', ['tab', 'page']],
    ]);
    assert.equal(await laptop.host.dispatchMenuClick({ menuItemId: 'sbc:tab-stash:stash' }, { id: 1, windowId: 3 }), true);
    assert.equal(await desktop.host.dispatchMenuClick({ menuItemId: 'sbc:tab-stash:restore-newest' }, { id: 9, windowId: 5 }), true);
    assert.deepEqual(opened(desktop.browser), [{ url: 'https://example.org/a', pinned: false, windowId: 5 }]);
    assert.equal(parseStashes(storage.payload!).length, 0);
    assert.equal(await desktop.host.dispatchMenuClick({ menuItemId: 'sbc:tab-stash:restore-newest' }, { id: 9, windowId: 5 }), true);
    assert.match(desktop.log.lines.at(-1) ?? '', /There is no stash on your beta account\./);
    await laptop.uninstall();
    await desktop.uninstall();
  });

  it('leaves no menu, popup action, listener or stored data behind after uninstall', async () => {
    const storage = createFakeStorageService();
    const laptop = await startBrowser('laptop', storage, [{ url: 'https://example.org/a' }]);
    await laptop.run('stash');
    await laptop.uninstall();
    assert.deepEqual(laptop.browser.leaks(), []);
    assert.deepEqual(await listPopupActions(laptop.host, {}), []);
    assert.deepEqual([...laptop.browser.state.storage.keys()].filter((key) => key.includes(ID)), []);
  });
});
