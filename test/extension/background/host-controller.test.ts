import assert from 'node:assert/strict';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { readLedger, readOverrides } from '../../../extension/runtime/feature-state';
import type { FeatureStatus, HostStatus } from '../../../extension/messages';
import { manifestResponse, ORIGIN, scriptedFetch } from '../../helpers/addon-fixtures';
import { createSigningKey as makeKey, type SigningKey as TestKey } from '../../helpers/signing';
import { makeFeature } from '../../helpers/test-features';
import {
  ADDON_ID,
  alterSignature,
  createControllerBrowser,
  createTestController,
  OPTIONS_PAGE_SENDER,
  serveAddonFiles,
  signManifest,
  stopController,
  waitForLedgerState,
} from './controller-harness';

/** A feature that shows a badge on every page and remembers that it ran. */
function makeBadgeFeature(id: string, rollout = 10000) {
  const feature = makeFeature(
    id,
    defineFeature({
      async activate(ctx) {
        await ctx.storage.set('seen', true);
        await ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] });
      },
    }),
    { files: { [`features/${id}/content/badge.js`]: `badge('${id}')` } },
  );
  return { ...feature, entry: { ...feature.entry, rollout } };
}

const find = (status: HostStatus, id: string): FeatureStatus => {
  const found = status.features.find((feature) => feature.id === id);
  assert.ok(found, `status lists ${id}`);
  return found;
};

describe('background: HostController', () => {
  let key: TestKey;
  let addonFiles: ReturnType<typeof serveAddonFiles> | undefined;

  before(async () => {
    key = await makeKey('beta-1');
  });

  afterEach(() => {
    addonFiles?.restore();
    addonFiles = undefined;
  });

  type Server = { fetch: (input: string | URL, init?: RequestInit) => Promise<Response>; requests: ReturnType<typeof scriptedFetch>['requests'] };

  /** A controller on a fresh fake browser; its features are served from the add-on and listed in a signed manifest (serial 5). */
  async function setUp(features = [makeBadgeFeature('alpha')], serve = (envelope: string): Server => scriptedFetch(() => manifestResponse(envelope))) {
    const browser = createControllerBrowser();
    addonFiles = serveAddonFiles(features);
    const envelope = await signManifest(key, features.map((feature) => feature.entry));
    const server = serve(envelope);
    const { controller, indexedDB } = createTestController({ browser, key, features, fetch: server.fetch as typeof fetch });
    return { browser, envelope, server, controller, indexedDB };
  }

  /** setUp, started, with the first feature installed from the first manifest. */
  async function startInstalled(...args: Parameters<typeof setUp>) {
    const made = await setUp(...args);
    await made.controller.start();
    await waitForLedgerState(made.browser, 'alpha', 'installed');
    return made;
  }

  it('on a first run asks the server once, accepts the signed manifest and installs the eligible feature', async () => {
    const { browser, server, controller } = await startInstalled();

    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), [`GET ${ORIGIN}/v1/manifest`]);
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'), 'the badge content script is registered');
    const status = await controller.status();
    assert.equal(status.manifest.serial, 5);
    assert.equal(status.manifest.lastError, null);
    assert.equal(find(status, 'alpha').state, 'installed');
    assert.equal(find(status, 'alpha').reasonCode, 'eligible');
    assert.deepEqual(addonFiles!.elsewhere, []);
    await stopController(controller, browser);
  });

  it('on a wake restores the installed feature from local state without any network request', async () => {
    const first = await startInstalled();
    const { browser } = first;
    const alpha = makeBadgeFeature('alpha');
    (await first.controller.start()).db.close();
    browser.suspend();

    const offline = scriptedFetch(() => {
      throw new TypeError('offline');
    });
    const { controller } = createTestController({ browser, key, features: [alpha], fetch: offline.fetch, indexedDB: first.indexedDB });
    const { host } = await controller.start();
    const status = await controller.status();
    // A manifest check started in the background of start() would have sent its request by now.
    await new Promise((resolve) => setTimeout(resolve, 20));

    assert.deepEqual(offline.requests, [], 'no request to the beta server on a wake');
    assert.deepEqual(addonFiles!.elsewhere, [], 'nothing fetched outside the add-on');
    assert.deepEqual(host.getActiveIds(), ['alpha']);
    assert.equal(status.manifest.serial, 5, 'the cached manifest is still the one in use');
    assert.equal(find(status, 'alpha').state, 'installed');
    assert.equal(find(status, 'alpha').reasonCode, 'eligible');
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'));
    await stopController(controller, browser);
  });

  it('asks for a new manifest at once after the add-on is updated, and not after a Firefox update', async () => {
    const { browser, server, controller } = await startInstalled();
    const before = server.requests.length;

    await controller.handleInstalled({ reason: 'browser_update' });
    assert.equal(server.requests.length, before, 'a browser update does not change the add-on’s chunks');
    await controller.handleInstalled({ reason: 'update' });
    assert.equal(server.requests.length, before + 1, 'an add-on update checks the manifest at once');
    await stopController(controller, browser);
  });

  it('makes one rollout unit even when pages ask for status while the first start is still running', async () => {
    const { browser, controller } = await setUp();
    const writes: string[] = [];
    const set = browser.storage.local.set.bind(browser.storage.local);
    browser.storage.local.set = async (items) => {
      if (typeof items['host:unit'] === 'string') writes.push(items['host:unit']);
      return set(items);
    };

    const statuses = await Promise.all([controller.status(), controller.status(), controller.status()]);
    assert.equal(writes.length, 1, 'the unit is written once');
    assert.deepEqual(new Set(statuses.map((status) => status.unit)).size, 1);
    await waitForLedgerState(browser, 'alpha', 'installed');
    await stopController(controller, browser);
  });

  it('sends each queued feedback once, even when several sends are asked for at the same time', async () => {
    // The manifest from /v1/manifest, and 201 for everything posted.
    const { browser, server, controller } = await startInstalled(undefined, (envelope) =>
      scriptedFetch(() => manifestResponse(envelope), () => new Response('{}', { status: 201 })),
    );

    await controller.handleMessage({ type: 'sbc:feedback', featureId: 'alpha', rating: 5, comment: 'Great' }, OPTIONS_PAGE_SENDER);
    await Promise.all([
      controller.handleMessage({ type: 'sbc:send-telemetry' }, OPTIONS_PAGE_SENDER),
      controller.handleMessage({ type: 'sbc:send-telemetry' }, OPTIONS_PAGE_SENDER),
    ]);
    assert.equal(server.requests.filter((r) => r.url.endsWith('/v1/feedback')).length, 1);
    await stopController(controller, browser);
  });

  it('answers host requests only from the add-on’s own pages and leaves other messages to other listeners', async () => {
    const { browser, controller } = await startInstalled();

    const webPage = { id: ADDON_ID, url: 'https://example.org/', tab: { id: 7, url: 'https://example.org/' } };
    const forbidden = (await controller.handleMessage({ type: 'sbc:override', featureId: 'alpha', value: 'off' }, webPage)) as {
      error?: { code?: string };
    };
    assert.equal(forbidden.error?.code, 'forbidden');
    assert.equal((await readLedger(browser.storage.local)).alpha?.state, 'installed', 'a web page cannot turn a feature off');
    assert.deepEqual(await readOverrides(browser.storage.local), {});

    const otherAddon = { id: 'someone-else@example.org', url: 'moz-extension://test/ui/options.html' };
    const alsoForbidden = (await controller.handleMessage({ type: 'sbc:status' }, otherAddon)) as { error?: { code?: string } };
    assert.equal(alsoForbidden.error?.code, 'forbidden');

    const answered = (await controller.handleMessage({ type: 'sbc:override', featureId: 'alpha', value: 'off' }, OPTIONS_PAGE_SENDER)) as HostStatus;
    assert.equal(find(answered, 'alpha').state, 'disabled');

    assert.equal(controller.handleMessage({ type: 'other-extension:ping' }, OPTIONS_PAGE_SENDER), undefined);
    assert.equal(controller.handleMessage('hello', webPage), undefined);
    await stopController(controller, browser);
  });

  it('lets QA force a feature off (data kept), force one on outside its rollout, and return both to the default', async () => {
    const { browser, controller } = await startInstalled([makeBadgeFeature('alpha'), makeBadgeFeature('beta', 0)]);
    const override = (featureId: string, value: 'on' | 'off' | null) =>
      controller.handleMessage({ type: 'sbc:override', featureId, value }, OPTIONS_PAGE_SENDER) as Promise<HostStatus>;

    assert.equal(find(await controller.status(), 'beta').reasonCode, 'rollout');
    assert.equal(find(await controller.status(), 'beta').state, 'not-installed');

    let status = await override('alpha', 'off');
    assert.equal(find(status, 'alpha').state, 'disabled');
    assert.equal(find(status, 'alpha').reasonCode, 'qa-off');
    assert.equal(find(status, 'alpha').override, 'off');
    assert.equal(browser.state.storage.get('feature:alpha:seen'), true, 'a disabled feature keeps its data');
    assert.ok(!browser.state.contentScripts.has('sbc:alpha:badge'), 'a disabled feature no longer runs on pages');

    status = await override('beta', 'on');
    assert.equal(find(status, 'beta').state, 'installed');
    assert.equal(find(status, 'beta').reasonCode, 'qa-on');
    assert.equal(find(status, 'beta').rollout, 0);
    assert.ok(browser.state.contentScripts.has('sbc:beta:badge'));

    await override('alpha', null);
    status = await override('beta', null);
    assert.equal(find(status, 'alpha').state, 'installed');
    assert.equal(find(status, 'alpha').reasonCode, 'eligible');
    assert.equal(find(status, 'alpha').override, null);
    assert.equal(find(status, 'beta').state, 'not-installed');
    assert.equal(find(status, 'beta').reasonCode, 'rollout');
    assert.equal(browser.state.storage.has('feature:beta:seen'), false, 'leaving the rollout wipes the feature’s data');
    assert.deepEqual(await readOverrides(browser.storage.local), {});
    await stopController(controller, browser);
  });

  it('keeps the installed feature when a refreshed manifest is refused, and shows why', async () => {
    // The altered manifest would drop alpha: accepting it would uninstall the feature.
    const altered = alterSignature(await signManifest(key, [], 6));
    const { browser, server, controller } = await startInstalled(undefined, (good) =>
      scriptedFetch(
        () => manifestResponse(good, '"v1"'),
        () => manifestResponse(altered, '"v2"'),
      ),
    );

    const status = (await controller.handleMessage({ type: 'sbc:refresh' }, OPTIONS_PAGE_SENDER)) as HostStatus;

    assert.equal(server.requests.length, 2);
    assert.equal(status.manifest.lastError?.reason, 'bad-signature');
    assert.match(status.manifest.lastError?.message ?? '', /signature does not verify/);
    assert.equal(status.manifest.serial, 5, 'the last good manifest stays in use');
    assert.equal(find(status, 'alpha').state, 'installed');
    assert.equal((await readLedger(browser.storage.local)).alpha?.state, 'installed');
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'));
    await stopController(controller, browser);
  });
});
