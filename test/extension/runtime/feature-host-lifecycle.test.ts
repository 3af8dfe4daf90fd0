import assert from 'node:assert/strict';
import { defineFeature, type FeatureContext } from '../../../extension/runtime/feature-api';
import { LEDGER_KEY, type FeatureRecord } from '../../../extension/runtime/feature-state';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { createTestHost } from '../../helpers/test-host';
import { makeFeature } from '../../helpers/test-features';

const kinds: Record<string, { register(ctx: FeatureContext): Promise<unknown>; present(b: ReturnType<typeof createFakeBrowser>): boolean }> = {
  listener: {
    register: async (ctx) => ctx.events.on('tabs.onUpdated', () => undefined),
    present: (b) => b.leaks().some((l) => l.includes('tabs.onUpdated')),
  },
  'content script': {
    register: (ctx) => ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] }),
    present: (b) => b.state.contentScripts.has('sbc:kit:badge'),
  },
  menu: {
    register: (ctx) => ctx.menus.create({ id: 'open', title: 'Open', contexts: ['page'], onClick: () => undefined }),
    present: (b) => b.state.menus.has('sbc:kit:open'),
  },
  alarm: {
    register: (ctx) => ctx.alarms.create('sync', { periodInMinutes: 60 }, () => undefined),
    present: (b) => b.state.alarms.has('sbc:kit:sync'),
  },
  'stored key': {
    register: (ctx) => ctx.storage.set('settings', { wpm: 230 }),
    present: (b) => b.state.storage.has('feature:kit:settings'),
  },
};

describe('feature host: disable, uninstall and what remains', () => {
  for (const [kind, { register, present }] of Object.entries(kinds)) {
    it(`leaves no ${kind} of the feature after uninstall`, async () => {
      const browser = createFakeBrowser();
      const feature = makeFeature('kit', defineFeature({ activate: (ctx) => register(ctx).then(() => undefined) }), { events: ['tabs.onUpdated'] });
      const { host } = createTestHost(browser, [feature]);
      await host.install(feature.entry);
      assert.equal(present(browser), true, `${kind} registered while installed`);
      await host.uninstall('kit');
      assert.equal(present(browser), false, `${kind} gone after uninstall`);
      assert.deepEqual(browser.leaks(), []);
      assert.deepEqual(await host.getStates(), {});
    });
  }

  it('disable keeps the feature\'s data and re-enabling does not run install again; uninstall wipes the data and runs its hook', async () => {
    const browser = createFakeBrowser({ storage: { 'feature:other:keep': 'mine' } });
    const calls: string[] = [];
    const feature = makeFeature('kit', defineFeature({
      install: async (ctx) => { calls.push('install'); await ctx.storage.set('first-run', true); },
      activate: async (ctx) => { calls.push('activate'); await ctx.alarms.create('sync', { periodInMinutes: 60 }, () => undefined); },
      deactivate: () => void calls.push('deactivate'),
      uninstall: async (ctx) => { calls.push(`uninstall sees first-run=${String(await ctx.storage.get('first-run'))}`); },
    }));
    const { host } = createTestHost(browser, [feature]);
    await host.install(feature.entry);
    await host.disable('kit');
    assert.equal((await host.getStates()).kit?.state, 'disabled');
    assert.equal(browser.state.storage.get('feature:kit:first-run'), true);
    assert.equal(browser.state.alarms.size, 0);
    await host.install(feature.entry);
    await host.uninstall('kit');
    assert.deepEqual(calls, ['install', 'activate', 'deactivate', 'activate', 'deactivate', 'uninstall sees first-run=true']);
    assert.equal(browser.state.storage.has('feature:kit:first-run'), false);
    assert.equal(browser.state.storage.get('feature:other:keep'), 'mine');
  });
});

describe('feature host: crashes and wakes', () => {
  const record = (state: FeatureRecord['state'], sha256: string): FeatureRecord => ({ state, version: '1.0.0', sha256, files: [], installedAt: null });

  it('rolls back an install the browser was killed in the middle of, so the next reconcile retries it', async () => {
    const feature = makeFeature('kit', defineFeature({ activate: () => undefined }));
    const browser = createFakeBrowser({ storage: { [LEDGER_KEY]: { kit: record('installing', feature.entry.sha256) } } });
    await browser.scripting.registerContentScripts([{ id: 'sbc:kit:badge', matches: ['https://*/*'], js: ['features/kit/content/badge.js'] }]);
    await browser.alarms.create('sbc:kit:sync', { periodInMinutes: 5 });
    const { host } = createTestHost(browser, [feature]);
    await host.restore();
    assert.deepEqual(browser.leaks(), []);
    const state = (await host.getStates()).kit;
    assert.equal(state?.state, 'failed');
    assert.match(state?.error ?? '', /interrupted/);
    await host.reconcile([{ id: 'kit', action: 'install', entry: feature.entry, reasonCode: 'eligible', detail: {}, bucket: 1, rollout: 10000 }]);
    assert.equal((await host.getStates()).kit?.state, 'installed');
    await host.shutdown();
  });

  it('finishes an uninstall the browser was killed in the middle of: hook, sweep, wipe, forget', async () => {
    let hookRan = false;
    const feature = makeFeature('kit', defineFeature({ activate: () => undefined, uninstall: () => void (hookRan = true) }));
    const browser = createFakeBrowser({
      storage: { [LEDGER_KEY]: { kit: { ...record('uninstalling', feature.entry.sha256), installedAt: '2026-11-01T00:00:00Z' } }, 'feature:kit:notes': ['a'] },
    });
    await browser.scripting.registerContentScripts([{ id: 'sbc:kit:badge', matches: ['https://*/*'] }]);
    const { host } = createTestHost(browser, [feature]);
    await host.restore();
    assert.equal(hookRan, true);
    assert.equal(browser.state.storage.has('feature:kit:notes'), false);
    assert.deepEqual(await host.getStates(), {});
    assert.deepEqual(browser.leaks(), []);
  });

  it('restores installed features on a wake from local state alone; events wait for the restore; install runs once', async () => {
    const browser = createFakeBrowser();
    const calls: string[] = [];
    const feature = makeFeature('kit', defineFeature({
      install: () => void calls.push('install'),
      async activate(ctx) {
        calls.push('activate');
        ctx.events.on('tabs.onCreated', (tab: { id: number }) => void calls.push(`tab ${tab.id}`));
        await ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] });
        await ctx.menus.create({ id: 'open', title: 'Open', contexts: ['page'], onClick: () => void calls.push('click') });
      },
    }), { events: ['tabs.onCreated'] });
    const first = createTestHost(browser, [feature]);
    await first.host.restore();
    await first.host.install(feature.entry);

    browser.suspend();
    const woken = createTestHost(browser, [feature]);
    const delivered = woken.host.dispatchEvent('tabs.onCreated', [{ id: 9 }]);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(calls, ['install', 'activate'], 'the event waits until restore has run');
    await woken.host.restore();
    await delivered;
    assert.deepEqual(calls, ['install', 'activate', 'activate', 'tab 9']);
    assert.deepEqual(woken.files.requested, ['features/kit/index.js'], 'only the chunk is read, for its hash; no network');
    assert.equal(await woken.host.dispatchMenuClick({ menuItemId: 'sbc:kit:open' }, undefined), true);
    assert.deepEqual(calls.at(-1), 'click');
    await woken.host.shutdown();
  });

  it('on a wake, refuses to restart a feature whose chunk no longer matches the recorded sha256', async () => {
    const feature = makeFeature('kit', defineFeature({ activate: () => undefined }));
    const browser = createFakeBrowser({ storage: { [LEDGER_KEY]: { kit: record('installed', 'f'.repeat(64)) } } });
    const { host } = createTestHost(browser, [feature]);
    await host.restore();
    const state = (await host.getStates()).kit;
    assert.equal(state?.state, 'failed');
    assert.match(state?.error ?? '', /expected sha256 f{64}, actual/);
    assert.equal(feature.loads(), 0);
  });

  it('on a wake, refuses to restart a feature whose recorded entry leaves out a content script the build ships', async () => {
    const feature = makeFeature('kit', defineFeature({
      activate: (ctx) => ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] }).then(() => undefined),
    }), { files: { 'features/kit/content/badge.js': 'badge()' } });
    const browser = createFakeBrowser({ storage: { [LEDGER_KEY]: { kit: record('installed', feature.entry.sha256) } } });
    const { host } = createTestHost(browser, [feature]);
    await host.restore();
    const state = (await host.getStates()).kit;
    assert.equal(state?.state, 'failed');
    assert.match(state?.error ?? '', /the manifest does not list features\/kit\/content\/badge\.js/);
    assert.equal(feature.loads(), 0);
    assert.deepEqual([...browser.state.contentScripts.keys()], []);
  });

  it('finishing an uninstall does not run the hook of a feature whose recorded entry leaves out a shipped file, and still wipes it', async () => {
    let hookRan = false;
    const feature = makeFeature('kit', defineFeature({ activate: () => undefined, uninstall: () => void (hookRan = true) }), {
      files: { 'features/kit/content/badge.js': 'badge()' },
    });
    const browser = createFakeBrowser({ storage: { [LEDGER_KEY]: { kit: record('uninstalling', feature.entry.sha256) }, 'feature:kit:notes': ['a'] } });
    const { host, log } = createTestHost(browser, [feature]);
    await host.restore();
    assert.equal(hookRan, false);
    assert.equal(feature.loads(), 0);
    assert.ok(log.lines.some((l) => /feature kit: uninstall hook failed; wiping anyway .*does not list features\/kit\/content\/badge\.js/.test(l)), log.lines.join('\n'));
    assert.equal(browser.state.storage.has('feature:kit:notes'), false);
    assert.deepEqual(await host.getStates(), {});
  });

  it('sweeps orphaned feature content scripts and alarms on restore, and leaves the add-on\'s own alone', async () => {
    const browser = createFakeBrowser();
    await browser.scripting.registerContentScripts([{ id: 'sbc:gone:x', matches: ['https://*/*'] }, { id: 'host-banner', matches: ['https://*/*'] }]);
    await browser.alarms.create('sbc:gone:tick', { periodInMinutes: 1 });
    await browser.alarms.create('channel-poll', { periodInMinutes: 60 });
    const { host } = createTestHost(browser, []);
    await host.restore();
    assert.deepEqual([...browser.state.contentScripts.keys()], ['host-banner']);
    assert.deepEqual([...browser.state.alarms.keys()], ['channel-poll']);
    await browser.scripting.unregisterContentScripts();
    await browser.alarms.clear('channel-poll');
  });
});

describe('feature host: upgrades', () => {
  it('installs a new version over an installed one: activate runs, install does not run again, data kept', async () => {
    const browser = createFakeBrowser();
    const calls: string[] = [];
    const v1 = makeFeature('kit', defineFeature({
      install: async (ctx) => { calls.push('install 1'); await ctx.storage.set('n', 1); },
      activate: () => void calls.push('activate 1'),
      deactivate: () => void calls.push('deactivate 1'),
    }));
    const v2 = makeFeature('kit', defineFeature({
      install: () => void calls.push('install 2'),
      activate: () => void calls.push('activate 2'),
    }), { version: '1.1.0' });
    const { host } = createTestHost(browser, [v1]);
    await host.install(v1.entry);
    await host.shutdown();
    const upgraded = createTestHost(browser, [v2]);
    await upgraded.host.install(v2.entry);
    assert.deepEqual(calls, ['install 1', 'activate 1', 'deactivate 1', 'activate 2']);
    assert.equal((await upgraded.host.getStates()).kit?.version, '1.1.0');
    assert.equal(browser.state.storage.get('feature:kit:n'), 1);
    await upgraded.host.shutdown();
  });
});
