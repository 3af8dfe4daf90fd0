import assert from 'node:assert/strict';
import { defineFeature, type FeatureContext } from '../../../extension/runtime/feature-api';
import { readLedger } from '../../../extension/runtime/feature-state';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { createTestHost } from '../../helpers/test-host';
import { sha256 } from '../../helpers/manifests';
import { makeFeature } from '../../helpers/test-features';

const never = () => new Promise<never>(() => undefined);

/** "alpha", whose activate registers its one content script, content/badge.js. */
const makeBadgeFeature = () =>
  makeFeature('alpha', defineFeature({
    async activate(ctx) {
      await ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] });
    },
  }), { files: { 'features/alpha/content/badge.js': 'badge()' } });

describe('feature host: install, failure and isolation', () => {
  it('installs a feature whose chunk and files match the manifest, recording it as installed', async () => {
    const browser = createFakeBrowser();
    const feature = makeBadgeFeature();
    const { host, files } = createTestHost(browser, [feature]);
    await host.install(feature.entry);
    const record = (await host.getStates()).alpha;
    assert.equal(record?.state, 'installed');
    assert.equal(record?.installedAt, '2026-11-25T12:00:00.000Z');
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'));
    assert.deepEqual(files.requested, ['features/alpha/index.js', 'features/alpha/content/badge.js']);
    await host.shutdown();
  });

  it('refuses a chunk whose sha256 differs from the manifest: never loaded, failed with expected vs actual', async () => {
    const browser = createFakeBrowser();
    const feature = makeFeature('alpha', defineFeature({ activate: () => undefined }));
    const { host } = createTestHost(browser, [feature]);
    const signedOff = sha256('the reviewed code');
    await host.install({ ...feature.entry, sha256: signedOff });
    const record = (await host.getStates()).alpha;
    assert.equal(record?.state, 'failed');
    assert.match(record?.error ?? '', new RegExp(`features/alpha/index.js does not match its sign-off: expected sha256 ${signedOff}, actual ${sha256(feature.files['features/alpha/index.js']!)}`));
    assert.equal(feature.loads(), 0);
    assert.deepEqual(host.getActiveIds(), []);
  });

  it('refuses a feature whose content script file differs from the manifest', async () => {
    const browser = createFakeBrowser();
    const feature = makeFeature('alpha', defineFeature({ activate: () => undefined }), { files: { 'features/alpha/content/badge.js': 'badge()' } });
    const { host } = createTestHost(browser, [feature]);
    await host.install({ ...feature.entry, files: [{ path: 'features/alpha/content/badge.js', sha256: sha256('other()') }] });
    assert.match((await host.getStates()).alpha?.error ?? '', /content\/badge.js does not match its sign-off: expected sha256 [0-9a-f]{64}, actual [0-9a-f]{64}/);
    assert.equal(feature.loads(), 0);
  });

  it('refuses a signed entry that lists none of the content scripts the build ships: nothing of it is registered', async () => {
    const browser = createFakeBrowser();
    const feature = makeBadgeFeature();
    const { host, files } = createTestHost(browser, [feature]);
    await host.install({ ...feature.entry, files: [] });
    const record = (await host.getStates()).alpha;
    assert.equal(record?.state, 'failed');
    assert.match(record?.error ?? '', /^Feature "alpha": the manifest does not list features\/alpha\/content\/badge\.js, which the add-on ships for it/);
    assert.equal(feature.loads(), 0);
    assert.deepEqual(files.requested, [], 'refused before any file is read');
    assert.deepEqual([...browser.state.contentScripts.keys()], []);
    assert.deepEqual(host.getActiveIds(), []);
    assert.deepEqual(browser.leaks(), []);
  });

  it('refuses an entry that lists a file outside the feature\'s folder', async () => {
    const browser = createFakeBrowser();
    const feature = makeFeature('alpha', defineFeature({ activate: () => undefined }), { files: { 'features/alpha/content/badge.js': 'badge()' } });
    const { host } = createTestHost(browser, [feature]);
    const outside = [
      { path: 'features/beta/content/x.js', sha256: sha256('x') },
      { path: 'features/alpha/../beta/content/x.js', sha256: sha256('x') },
    ];
    await host.install({ ...feature.entry, files: [...feature.entry.files, ...outside] });
    const record = (await host.getStates()).alpha;
    assert.equal(record?.state, 'failed');
    assert.equal(
      record?.error,
      'Feature "alpha": the manifest lists features/beta/content/x.js, features/alpha/../beta/content/x.js (which resolves to features/beta/content/x.js), outside features/alpha/',
    );
    assert.equal(feature.loads(), 0);
  });

  it('counts a failed install once per version as host.install-failed, and a retry that succeeds installs it', async () => {
    const browser = createFakeBrowser();
    let activations = 0;
    // Throws on every other activation: a share of installs fail.
    const flaky = makeFeature('flaky', defineFeature({ activate: () => void (activations++ % 2 === 0 && (() => { throw new Error('flaked'); })()) }));
    const { host, usage } = createTestHost(browser, [flaky]);
    await host.install(flaky.entry);
    assert.equal((await host.getStates()).flaky?.state, 'failed');
    await host.install(flaky.entry);
    assert.equal((await host.getStates()).flaky?.state, 'installed');
    await host.uninstall('flaky');
    await host.install(flaky.entry);
    await host.install(flaky.entry);
    assert.deepEqual(usage.counts, [
      { featureId: 'flaky', event: 'host.install-failed', by: 1 },
      { featureId: 'flaky', event: 'host.install-failed', by: 1 },
    ]);
    await host.shutdown();
  });

  it('rolls back a feature whose activate throws and still installs the others', async () => {
    const browser = createFakeBrowser();
    const broken = makeFeature('broken', defineFeature({
      async activate(ctx) {
        ctx.events.on('tabs.onCreated', () => undefined);
        await ctx.contentScripts.register({ id: 'x', matches: ['https://*/*'], js: ['content/x.js'] });
        await ctx.alarms.create('tick', { periodInMinutes: 5 }, () => undefined);
        throw new Error('cannot read settings');
      },
    }), { events: ['tabs.onCreated'] });
    const good = makeFeature('good', defineFeature({ activate: (ctx) => void ctx.events.on('tabs.onCreated', () => undefined) }), { events: ['tabs.onCreated'] });
    const { host } = createTestHost(browser, [broken, good]);
    await host.reconcile([broken, good].map((f) => ({ id: f.entry.id, action: 'install', entry: f.entry, reasonCode: 'eligible', detail: {}, bucket: 0, rollout: 10000 })));
    const states = await host.getStates();
    assert.equal(states.broken?.state, 'failed');
    assert.equal(states.broken?.error, 'cannot read settings');
    assert.equal(states.good?.state, 'installed');
    assert.deepEqual(browser.leaks(), ['feature listener tabs.onCreated (good)']);
    await host.shutdown();
  });

  it('fails a feature whose activate hangs past the timeout, disposing what it registered, even late', async () => {
    const browser = createFakeBrowser();
    let register: (() => Promise<unknown>) | undefined;
    const hanging = makeFeature('hanging', defineFeature({
      async activate(ctx) {
        await ctx.menus.create({ id: 'open', title: 'Open', contexts: ['page'], onClick: () => undefined });
        register = () => ctx.alarms.create('late', { delayInMinutes: 1 }, () => undefined);
        return never();
      },
    }));
    const good = makeFeature('good', defineFeature({ activate: () => undefined }));
    const { host, log } = createTestHost(browser, [hanging, good], { activateTimeoutMs: 50 });
    await host.install(hanging.entry);
    await host.install(good.entry);
    const states = await host.getStates();
    assert.equal(states.hanging?.state, 'failed');
    assert.equal(states.hanging?.error, 'Feature "hanging": activate did not finish within 50 ms');
    assert.equal(states.good?.state, 'installed');
    await register!();
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(browser.leaks(), []);
    assert.ok(log.lines.some((l) => /feature hanging: something was registered after disposal/.test(l)));
    await host.shutdown();
  });

  it('writes the installing intent before running any feature code', async () => {
    const browser = createFakeBrowser();
    let seen: string | undefined;
    const feature = makeFeature('alpha', defineFeature({
      async activate() {
        seen = (await readLedger(browser.storage.local)).alpha?.state;
      },
    }));
    const { host } = createTestHost(browser, [feature]);
    await host.install(feature.entry);
    assert.equal(seen, 'installing');
    await host.shutdown();
  });

  it('isolates features at dispatch: one listener throwing does not stop another\'s', async () => {
    const browser = createFakeBrowser();
    const got: string[] = [];
    const thrower = makeFeature('thrower', defineFeature({ activate: (ctx) => void ctx.events.on('tabs.onCreated', () => { throw new Error('bad'); }) }), { events: ['tabs.onCreated'] });
    const listener = makeFeature('listener', defineFeature({ activate: (ctx) => void ctx.events.on('tabs.onCreated', (tab: { id: number }) => void got.push(`tab ${tab.id}`)) }), { events: ['tabs.onCreated'] });
    const { host } = createTestHost(browser, [thrower, listener]);
    await host.restore();
    await host.install(thrower.entry);
    await host.install(listener.entry);
    await host.dispatchEvent('tabs.onCreated', [{ id: 3 }]);
    assert.deepEqual(got, ['tab 3']);
    await host.shutdown();
  });

  it('routes messages, menu clicks and alarms to their feature and says when something is not a feature\'s', async () => {
    const browser = createFakeBrowser();
    const clicks: string[] = [];
    let alarms = 0;
    const feature = makeFeature('notes', defineFeature({
      async activate(ctx: FeatureContext) {
        ctx.messages.onMessage((message) => ({ note: `for ${(message as { url: string }).url}` }));
        await ctx.menus.create({ id: 'add', title: 'Add note', contexts: ['page'], onClick: (info) => void clicks.push(info.menuItemId) });
        await ctx.alarms.create('sync', { periodInMinutes: 30 }, () => void alarms++);
      },
    }));
    const { host } = createTestHost(browser, [feature]);
    await host.restore();
    await host.install(feature.entry);
    assert.deepEqual(await host.dispatchMessage({ type: 'sbc:feature', featureId: 'notes', payload: { url: 'https://a.example/' } }, {}), { note: 'for https://a.example/' });
    await assert.rejects(host.dispatchMessage({ type: 'sbc:feature', featureId: 'absent', payload: 1 }, {}), /Feature "absent" is not installed/);
    assert.equal(await host.dispatchMenuClick({ menuItemId: 'sbc:notes:add' }, undefined), true);
    assert.equal(await host.dispatchMenuClick({ menuItemId: 'someone-else' }, undefined), false);
    assert.equal(await host.dispatchAlarm({ name: 'sbc:notes:sync' }), true);
    assert.equal(await host.dispatchAlarm({ name: 'channel:poll' }), false);
    assert.deepEqual(clicks, ['add']);
    assert.equal(alarms, 1);
    await host.shutdown();
  });

  it('runs reconciles one at a time, in call order', async () => {
    const browser = createFakeBrowser();
    const order: string[] = [];
    const slow = makeFeature('slow', defineFeature({
      async activate() {
        order.push('activate start');
        await new Promise((r) => setTimeout(r, 20));
        order.push('activate end');
      },
      uninstall: () => void order.push('uninstall'),
    }));
    const { host } = createTestHost(browser, [slow]);
    const decision = { id: 'slow', entry: slow.entry, reasonCode: 'eligible' as const, detail: {}, bucket: 0, rollout: 10000 };
    await Promise.all([host.reconcile([{ ...decision, action: 'install' }]), host.reconcile([{ ...decision, action: 'uninstall' }])]);
    assert.deepEqual(order, ['activate start', 'activate end', 'uninstall']);
    assert.deepEqual(await host.getStates(), {});
  });
});
