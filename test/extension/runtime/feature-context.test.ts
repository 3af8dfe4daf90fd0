import assert from 'node:assert/strict';
import { createMessageLookup } from '../../../extension/i18n';
import { getFeatureMessage } from '../../../extension/runtime/content-messaging';
import { toFeatureMessageKey } from '../../../protocol/feature-messages';
import { DisposableStore } from '../../../extension/runtime/disposable';
import { createFeatureContext, resolveFeaturePath } from '../../../extension/runtime/feature-context';
import type { FeatureEventName } from '../../../protocol/feature-events';
import { createFakeBrowser, type FakeBrowser } from '../../helpers/fake-browser';
import { makeLogger, makeServices, makeUsage } from '../../helpers/test-features';

function setUp(declaredEvents: FeatureEventName[] = ['tabs.onCreated'], browser: FakeBrowser = createFakeBrowser()) {
  const log = makeLogger();
  const store = new DisposableStore(log, 'feature demo');
  const eventBus = browser.createEventBus();
  const usage = makeUsage();
  const services = makeServices();
  const ctx = createFeatureContext({ featureId: 'demo', version: '1.0.0', browser, store, declaredEvents, eventBus, usage, services, log });
  return { browser, store, eventBus, usage, services, log, ctx };
}

describe('feature context', () => {
  it('delivers a declared browser event through the bus, and not after disposal', async () => {
    const { ctx, eventBus, store } = setUp();
    const seen: number[] = [];
    ctx.events.on('tabs.onCreated', (tab: { id: number }) => void seen.push(tab.id));
    await eventBus.emit('tabs.onCreated', [{ id: 7 }]);
    await store.dispose();
    await eventBus.emit('tabs.onCreated', [{ id: 8 }]);
    assert.deepEqual(seen, [7]);
    assert.deepEqual(eventBus.describeListeners(), []);
  });

  it('refuses an event the feature did not declare in feature.json, naming both', async () => {
    const { ctx } = setUp(['tabs.onCreated']);
    assert.throws(() => ctx.events.on('tabs.onRemoved', () => undefined), /Feature "demo" listens to "tabs.onRemoved" but its feature.json does not declare it/);
  });

  it('registers content scripts under the feature prefix with paths inside its folder, and unregisters them', async () => {
    const { ctx, browser, store } = setUp();
    await ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'], css: ['content/badge.css'] });
    const script = browser.state.contentScripts.get('sbc:demo:badge');
    assert.deepEqual(script?.js, ['features/demo/content/badge.js']);
    assert.deepEqual(script?.css, ['features/demo/content/badge.css']);
    await store.dispose();
    assert.equal(browser.state.contentScripts.size, 0);
  });

  it('updates an already registered content script instead of failing (after a wake)', async () => {
    const browser = createFakeBrowser();
    await browser.scripting.registerContentScripts([{ id: 'sbc:demo:badge', matches: ['https://old.example/*'], js: ['features/demo/content/badge.js'] }]);
    const { ctx, store } = setUp([], browser);
    await ctx.contentScripts.register({ id: 'badge', matches: ['https://new.example/*'], js: ['content/badge.js'] });
    assert.deepEqual(browser.state.contentScripts.get('sbc:demo:badge')?.matches, ['https://new.example/*']);
    await store.dispose();
  });

  for (const path of ['../other/content.js', '/features/other/x.js', 'content/../../x.js', 'https://evil.example/x.js', 'content\\x.js', '']) {
    it(`refuses the content script path ${JSON.stringify(path)} that leaves the feature folder`, async () => {
      assert.throws(() => resolveFeaturePath('demo', path), /Feature "demo": content script path .* must be relative to the feature folder/);
      const { ctx, browser } = setUp();
      await assert.rejects(ctx.contentScripts.register({ id: 'x', matches: ['https://*/*'], js: [path] }), /stay inside it/);
      assert.equal(browser.state.contentScripts.size, 0);
    });
  }

  it('creates a prefixed menu, routes its clicks with the feature\'s own id, and removes it', async () => {
    const { ctx, browser, store, eventBus } = setUp();
    const clicks: string[] = [];
    await ctx.menus.create({ id: 'open', title: 'Open', contexts: ['page'], onClick: (info) => void clicks.push(info.menuItemId) });
    assert.ok(browser.state.menus.has('sbc:demo:open'));
    await eventBus.emit('menu:sbc:demo:open', [{ menuItemId: 'sbc:demo:open' }, undefined]);
    assert.deepEqual(clicks, ['open']);
    await store.dispose();
    assert.equal(browser.state.menus.size, 0);
  });

  it('reports a menu the browser refuses, naming the feature and the menu', async () => {
    const browser = createFakeBrowser();
    browser.menus.create({ id: 'sbc:demo:open', title: 'Taken', contexts: ['page'] });
    const { ctx } = setUp([], browser);
    await assert.rejects(ctx.menus.create({ id: 'open', title: 'Open', contexts: ['page'], onClick: () => undefined }), /Feature "demo": menu "open" could not be created: ID already exists/);
    await browser.menus.removeAll();
  });

  it('creates a prefixed alarm, keeps an existing one with the same period (so a wake does not postpone it), and clears it', async () => {
    const browser = createFakeBrowser();
    await browser.alarms.create('sbc:demo:sync', { when: 1234, periodInMinutes: 60 });
    const { ctx, store, eventBus } = setUp([], browser);
    let fired = 0;
    await ctx.alarms.create('sync', { periodInMinutes: 60 }, () => void fired++);
    assert.equal(browser.state.alarms.get('sbc:demo:sync')?.scheduledTime, 1234);
    await eventBus.emit('alarm:sbc:demo:sync', []);
    assert.equal(fired, 1);
    await store.dispose();
    assert.equal(browser.state.alarms.size, 0);
  });

  it('keeps storage keys under feature:<id>: and lists only the feature\'s own', async () => {
    const browser = createFakeBrowser({ storage: { 'feature:other:x': 1, 'host:unit': 'u' } });
    const { ctx } = setUp([], browser);
    await ctx.storage.set('wpm', 230);
    assert.equal(browser.state.storage.get('feature:demo:wpm'), 230);
    assert.equal(await ctx.storage.get('wpm'), 230);
    assert.deepEqual(await ctx.storage.keys(), ['wpm']);
    await ctx.storage.remove('wpm');
    assert.deepEqual(await ctx.storage.keys(), []);
  });

  it('hands usage counts and service calls to the injected recorder and client with the feature id', async () => {
    const { ctx, usage, services } = setUp();
    await ctx.usage.count('badge-shown');
    await ctx.usage.count('words', 3);
    await ctx.services.fetch('/v1/notes');
    assert.deepEqual(usage.counts, [
      { featureId: 'demo', event: 'badge-shown', by: 1 },
      { featureId: 'demo', event: 'words', by: 3 },
    ]);
    assert.deepEqual(services.calls, [{ featureId: 'demo', path: '/v1/notes' }]);
  });

  it('routes messages addressed to the feature to its handler until disposed', async () => {
    const { ctx, eventBus, store } = setUp();
    ctx.messages.onMessage((message) => ({ echo: message }));
    const [result] = await eventBus.emit('message:demo', [{ kind: 'ping' }, {}]);
    assert.deepEqual(result, { owner: 'demo', ok: true, value: { echo: { kind: 'ping' } } });
    await store.dispose();
    assert.equal(eventBus.hasListeners('message:demo'), false);
  });

  it('gives a feature its own messages through browser.i18n, under its prefix, and never the host\'s or another feature\'s', () => {
    const browser = createFakeBrowser();
    const lookup = createMessageLookup({
      f_demo__greeting: { message: 'Hello $WHO$, $2 left', placeholders: { who: { content: '$1' } } },
      f_other__secret: { message: 'not yours' },
      popupTitle: { message: 'Beta features' },
    });
    const asked: Array<[string, string[] | undefined]> = [];
    browser.i18n.getMessage = (key: string, substitutions?: string | string[]) => {
      const list = typeof substitutions === 'string' ? [substitutions] : substitutions;
      asked.push([key, list]);
      return lookup(key, list);
    };
    const { ctx } = setUp([], browser);
    assert.equal(ctx.i18n.getMessage('greeting', ['Ann', 3]), 'Hello Ann, 3 left');
    assert.equal(ctx.i18n.getMessage('greeting', 'Bo'), 'Hello Bo,  left');
    assert.equal(ctx.i18n.getMessage('popupTitle'), '[popupTitle]');
    assert.equal(ctx.i18n.getMessage('secret'), '[secret]');
    assert.deepEqual(asked.map(([key]) => key), ['f_demo__greeting', 'f_demo__greeting', 'f_demo__popupTitle', 'f_demo__secret']);
    assert.deepEqual(asked[0]![1], ['Ann', '3']);
  });

  it('gives a content script its feature\'s messages the same way', () => {
    const i18n = { getMessage: createMessageLookup({ f_reading_time__badge: { message: '$1 min read' } }) };
    assert.equal(getFeatureMessage('reading-time', 'badge', [7], i18n), '7 min read');
    assert.equal(getFeatureMessage('reading-time', 'missing', [], i18n), '[missing]');
    assert.equal(toFeatureMessageKey('tab-stash', 'stashAction'), 'f_tab_stash__stashAction');
  });

  it('the leak check names what a test left registered', async () => {
    const { ctx, browser, store } = setUp();
    await ctx.alarms.create('left', { delayInMinutes: 1 }, () => undefined);
    ctx.events.on('tabs.onCreated', () => undefined);
    assert.deepEqual(browser.leaks(), ['feature listener alarm:sbc:demo:left (demo)', 'feature listener tabs.onCreated (demo)', 'alarm sbc:demo:left']);
    await store.dispose();
    assert.deepEqual(browser.leaks(), []);
  });
});
