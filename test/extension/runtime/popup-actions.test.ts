/**
 * Features' popup actions (ctx.popup.offer) and tabs (ctx.tabs) through the
 * real FeatureHost on a fake browser: what the popup is given, how one
 * feature's failure stays its own, and that uninstall takes the actions away.
 */
import assert from 'node:assert/strict';
import { defineFeature, type FeatureDefinition } from '../../../extension/runtime/feature-api';
import { FeatureHost } from '../../../extension/runtime/feature-host';
import { listPopupActions, runPopupAction } from '../../../extension/runtime/popup-actions';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { makeFeature, makeFetchFile, makeLogger, makeServices, makeUsage } from '../../helpers/test-features';

async function startHost(definitions: Record<string, FeatureDefinition>) {
  const browser = createFakeBrowser();
  const features = Object.entries(definitions).map(([id, definition]) => makeFeature(id, definition));
  const host = new FeatureHost({
    browser,
    registry: features.map((feature) => feature.registered),
    fetchFile: makeFetchFile(...features.map((feature) => feature.files)).fetchFile,
    usage: makeUsage(),
    services: makeServices(),
    log: makeLogger(),
    activateTimeoutMs: 2000,
    eventBus: browser.createEventBus(),
  });
  await host.restore();
  for (const feature of features) await host.install(feature.entry);
  const stop = async () => {
    for (const feature of features) await host.uninstall(feature.registered.id);
  };
  return { browser, host, stop };
}

const counter = defineFeature({
  activate(ctx) {
    let runs = 0;
    ctx.popup.offer({
      list: (target) => [{ id: 'count', label: `Counted ${runs} in window ${target.windowId}` }],
      run: (actionId, target) => `ran ${actionId} ${++runs} in window ${target.windowId}`,
    });
  },
});

describe('popup actions of features', () => {
  it('lists each installed feature’s actions for the popup’s window, and runs the one clicked there', async () => {
    const { host, stop } = await startHost({ counter, quiet: defineFeature({ activate() {} }) });
    assert.deepEqual(await listPopupActions(host, { windowId: 4 }), [{ featureId: 'counter', actions: [{ id: 'count', label: 'Counted 0 in window 4' }] }]);
    assert.equal(await runPopupAction(host, 'counter', 'count', { windowId: 4 }), 'ran count 1 in window 4');
    assert.deepEqual(await listPopupActions(host, { windowId: 4 }), [{ featureId: 'counter', actions: [{ id: 'count', label: 'Counted 1 in window 4' }] }]);
    await stop();
  });

  it('keeps a feature that throws or hangs to its own entry, with the reason, beside the others', async () => {
    const broken = defineFeature({
      activate(ctx) {
        ctx.popup.offer({ list: () => Promise.reject(new Error('the service is down')), run: () => '' });
      },
    });
    const hanging = defineFeature({
      activate(ctx) {
        ctx.popup.offer({ list: () => new Promise(() => undefined), run: () => '' });
      },
    });
    const { host, stop } = await startHost({ broken, counter, hanging });
    const lists = await listPopupActions(host, {}, 100);
    assert.deepEqual(lists.map((entry) => [entry.featureId, entry.error ?? 'ok']), [
      ['broken', 'the service is down'],
      ['counter', 'ok'],
      ['hanging', 'Feature "hanging": popup list did not finish within 100 ms'],
    ]);
    await stop();
  });

  it('hands what an action throws to the popup, and refuses a feature that offers none or is gone', async () => {
    const failing = defineFeature({
      activate(ctx) {
        ctx.popup.offer({ list: () => [], run: () => Promise.reject(new Error('Nothing to stash.')) });
      },
    });
    const { host, stop } = await startHost({ failing, quiet: defineFeature({ activate() {} }) });
    await assert.rejects(runPopupAction(host, 'failing', 'x', {}), /^Error: Nothing to stash\.$/);
    await assert.rejects(runPopupAction(host, 'quiet', 'x', {}), /Feature "quiet" offers no popup actions/);
    await stop();
    await assert.rejects(runPopupAction(host, 'failing', 'x', {}), /Feature "failing" offers no popup actions/);
    assert.deepEqual(await listPopupActions(host, {}), []);
  });

  it('leaves no popup route behind when the feature is uninstalled', async () => {
    const { browser, host, stop } = await startHost({ counter });
    assert.ok(host.eventBus.hasListeners('popup:counter'));
    await stop();
    assert.deepEqual(browser.leaks(), []);
  });
});

describe('tabs of features', () => {
  it('lists a window’s web pages with their titles and pins, and opens web pages in the background of a window', async () => {
    let ctxTabs: Parameters<FeatureDefinition['activate']>[0]['tabs'] | undefined;
    const { browser, stop } = await startHost({ reader: defineFeature({ activate: (ctx) => void (ctxTabs = ctx.tabs) }) });
    browser.state.tabs.push(
      { id: 1, windowId: 1, url: 'https://example.org/a', title: 'A', pinned: true, active: true },
      { id: 2, windowId: 1, url: 'about:preferences', title: 'Settings', pinned: false, active: false },
      { id: 3, windowId: 2, url: 'http://example.org/b', title: 'B', pinned: false, active: true },
    );
    assert.deepEqual(await ctxTabs!.list({}), [{ url: 'https://example.org/a', title: 'A', pinned: true }]);
    assert.deepEqual(await ctxTabs!.list({ windowId: 2 }), [{ url: 'http://example.org/b', title: 'B', pinned: false }]);

    await ctxTabs!.open([{ url: 'https://example.org/c', pinned: true }, { url: 'https://example.org/d' }], { windowId: 2 });
    assert.deepEqual(
      browser.state.tabs.slice(3).map(({ windowId, url, pinned, active }) => ({ windowId, url, pinned, active })),
      [
        { windowId: 2, url: 'https://example.org/c', pinned: true, active: false },
        { windowId: 2, url: 'https://example.org/d', pinned: false, active: false },
      ],
    );
    await stop();
  });

  it('refuses to open anything but web pages, before opening any tab', async () => {
    let ctxTabs: Parameters<FeatureDefinition['activate']>[0]['tabs'] | undefined;
    const { browser, stop } = await startHost({ reader: defineFeature({ activate: (ctx) => void (ctxTabs = ctx.tabs) }) });
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'about:config', 'moz-extension://other/page.html']) {
      await assert.rejects(ctxTabs!.open([{ url: 'https://example.org/ok' }, { url }], {}), /Feature "reader" may open only http\(s\) addresses/);
    }
    assert.equal(browser.state.tabs.length, 0);
    await stop();
  });
});
