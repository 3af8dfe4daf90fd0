import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import sinon from 'sinon';
import { MANIFEST_POLL_ALARM } from '../../../extension/channel/poller';
import { openHostDb } from '../../../extension/db';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { PRESENCE_KEY } from '../../../extension/background/change-log';
import { HostState } from '../../../extension/host-state';
import { OVERRIDES_KEY } from '../../../extension/runtime/feature-state';
import type { AccountFailureWords } from '../../../extension/account/account-error';
import type { HostStatus } from '../../../extension/messages';
import { describeAccountFailure } from '../../../extension/ui/error-view';
import { manifestResponse, ORIGIN, scriptedFetch } from '../../helpers/addon-fixtures';
import { makeFeature } from '../../helpers/test-features';
import { ADDON_ID, alterSignature, createControllerBrowser, createTestController, findFeature, OPTIONS_PAGE_SENDER, readHostLedger, readHostState, requestStatus, sendMessage, sendRequest, signManifest, stopController, useSignedAddon, waitFor, waitForLedgerState } from './controller-harness';

/** A feature that shows a badge on every page, remembers that it ran and answers its badge's messages. */
function makeBadgeFeature(id: string, rollout = 10000) {
  const feature = makeFeature(
    id,
    defineFeature({
      async activate(ctx) {
        await ctx.storage.set('seen', true);
        await ctx.contentScripts.register({ id: 'badge', matches: ['https://*/*'], js: ['content/badge.js'] });
        ctx.messages.onMessage(() => `${id} is running`);
      },
    }),
    { files: { [`features/${id}/content/badge.js`]: `badge('${id}')` } },
  );
  return { ...feature, entry: { ...feature.entry, rollout } };
}

/** A feature that needs a signed-in beta account. */
function makeAccountFeature(id: string) {
  const feature = makeBadgeFeature(id);
  return { ...feature, entry: { ...feature.entry, requiresAccount: true } };
}

/** A profile whose database cannot be opened the first `failures` times. */
function flakyIndexedDB(failures: number): IDBFactory {
  const factory = new IDBFactory();
  return {
    open(name: string, version?: number) {
      if (failures-- > 0) throw new DOMException('test: the profile is locked', 'UnknownError');
      return factory.open(name, version);
    },
    deleteDatabase: (name: string) => factory.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => factory.cmp(a, b),
    databases: () => factory.databases(),
  };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });


describe('background: the event page’s host', () => {
  const addon = useSignedAddon();

  afterEach(() => sinon.restore());

  type Server = { fetch: (input: string | URL, init?: RequestInit) => Promise<Response>; requests: ReturnType<typeof scriptedFetch>['requests'] };

  /** A controller on a fresh fake browser; its features are served from the add-on and listed in a signed manifest (serial 5). */
  async function setUp(features = [makeBadgeFeature('alpha')], serve = (envelope: string): Server => scriptedFetch(() => manifestResponse(envelope))) {
    const browser = createControllerBrowser();
    addon.serve(features);
    const envelope = await signManifest(addon.key, features.map((feature) => feature.entry));
    const server = serve(envelope);
    const { controller, indexedDB, suspend } = createTestController({ browser, key: addon.key, features, fetch: server.fetch as typeof fetch });
    return { browser, envelope, server, controller, indexedDB, suspend };
  }

  /** setUp, started, with the first feature installed from the first manifest. */
  async function startInstalled(...args: Parameters<typeof setUp>) {
    const made = await setUp(...args);
    await made.controller.start();
    await waitForLedgerState(made.browser, 'alpha', 'installed');
    // The check that installed it ends with the change log; a refresh asked before then would share that check.
    await waitFor(async () => (await readHostState(made.browser, PRESENCE_KEY)) !== undefined, 'the first manifest check to finish');
    return made;
  }

  it('on a first run asks the server once, accepts the signed manifest and installs the eligible feature', async () => {
    const { browser, server, controller } = await startInstalled();

    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), [`GET ${ORIGIN}/v1/manifest`]);
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'), 'the badge content script is registered');
    const status = await requestStatus(browser);
    assert.equal(status.manifest.serial, 5);
    assert.equal(status.manifest.lastError, null);
    assert.equal(findFeature(status, 'alpha').state, 'installed');
    assert.equal(findFeature(status, 'alpha').reasonCode, 'eligible');
    assert.deepEqual(addon.files!.elsewhere, []);
    await stopController(controller);
  });

  it('on a wake restores the installed feature from local state without any network request', async () => {
    const first = await startInstalled();
    const { browser } = first;
    const alpha = makeBadgeFeature('alpha');
    first.suspend();

    const offline = scriptedFetch(() => {
      throw new TypeError('offline');
    });
    const { controller } = createTestController({ browser, key: addon.key, features: [alpha], fetch: offline.fetch, indexedDB: first.indexedDB });
    await controller.start();
    const status = await requestStatus(browser);
    // A manifest check started in the background of start() would have sent its request by now.
    await new Promise((resolve) => setTimeout(resolve, 20));

    assert.deepEqual(offline.requests, [], 'no request to the beta server on a wake');
    assert.deepEqual(addon.files!.elsewhere, [], 'nothing fetched outside the add-on');
    const badge = { id: ADDON_ID, url: 'https://example.org/', tab: { id: 3, url: 'https://example.org/' } };
    assert.equal(await sendMessage(browser, { type: 'sbc:feature', featureId: 'alpha', payload: 'shown' }, badge), 'alpha is running');
    assert.equal(status.manifest.serial, 5, 'the cached manifest is still the one in use');
    assert.equal(findFeature(status, 'alpha').state, 'installed');
    assert.equal(findFeature(status, 'alpha').reasonCode, 'eligible');
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'));
    await stopController(controller);
  });

  it('on a wake whose last manifest check is a poll interval old or more, checks at once: a kill switch does not wait for a missed alarm', async () => {
    const first = await startInstalled();
    const { browser } = first;
    first.suspend();
    const db = await openHostDb(first.indexedDB);
    // The test build polls every 60 minutes (makeBuildConfig).
    await db.put('channel', new Date(Date.now() - 61 * 60_000).toISOString(), 'checkedAt');
    db.close();

    const server = scriptedFetch(() => new Response(null, { status: 304 }));
    const { controller } = createTestController({ browser, key: addon.key, features: [makeBadgeFeature('alpha')], fetch: server.fetch, indexedDB: first.indexedDB });
    await controller.start();
    await waitFor(() => server.requests.length === 1, 'the manifest check of the wake');
    assert.equal(server.requests[0]!.url, `${ORIGIN}/v1/manifest`);
    assert.equal(server.requests[0]!.headers.get('if-none-match'), '"v1"', 'revalidated: an unchanged manifest costs a 304');
    await stopController(controller);
  });

  it('on a wake holds a content script’s message until its feature is restored, then lets the feature answer', async () => {
    const first = await startInstalled();
    const { browser } = first;
    first.suspend();

    // The message itself wakes the page: nothing has started this life before it arrives.
    const { controller } = createTestController({ browser, key: addon.key, features: [makeBadgeFeature('alpha')], fetch: first.server.fetch, indexedDB: first.indexedDB });
    const badge = { id: ADDON_ID, url: 'https://example.org/', tab: { id: 3, url: 'https://example.org/' } };
    assert.equal(await sendMessage(browser, { type: 'sbc:feature', featureId: 'alpha', payload: 'shown' }, badge), 'alpha is running');
    await stopController(controller);
  });

  it('asks for a new manifest at once after the add-on is updated, and not after a Firefox update', async () => {
    const { browser, server, controller } = await startInstalled();
    const before = server.requests.length;

    await browser.runtime.onInstalled.fire({ reason: 'browser_update' });
    assert.equal(server.requests.length, before, 'a browser update does not change the add-on’s chunks');
    await browser.runtime.onInstalled.fire({ reason: 'update' });
    assert.equal(server.requests.length, before + 1, 'an add-on update checks the manifest at once');
    await stopController(controller);
  });

  it('makes one rollout unit even when pages ask for status while the first start is still running', async () => {
    const { browser, controller } = await setUp();
    const writes: string[] = [];
    const set = HostState.prototype.set;
    sinon.stub(HostState.prototype, 'set').callsFake(async function (this: HostState, items) {
      if (typeof items['host:unit'] === 'string') writes.push(items['host:unit']);
      return set.call(this, items);
    });

    const statuses = await Promise.all([requestStatus(browser), requestStatus(browser), requestStatus(browser)]);
    assert.equal(writes.length, 1, 'the unit is written once');
    assert.deepEqual(new Set(statuses.map((status) => status.unit)).size, 1);
    await waitForLedgerState(browser, 'alpha', 'installed');
    await stopController(controller);
  });

  it('sends each queued feedback once, even when several sends are asked for at the same time', async () => {
    // The manifest from /v1/manifest, and 201 for everything posted.
    const { browser, server, controller } = await startInstalled(undefined, (envelope) =>
      scriptedFetch(() => manifestResponse(envelope), () => new Response('{}', { status: 201 })),
    );

    await sendRequest(browser, { type: 'sbc:feedback', featureId: 'alpha', rating: 5, comment: 'Great' });
    await Promise.all([sendRequest(browser, { type: 'sbc:send-telemetry' }), sendRequest(browser, { type: 'sbc:send-telemetry' })]);
    const sent = server.requests.filter((r) => r.url.endsWith('/v1/feedback'));
    assert.equal(sent.length, 1);
    // The version the user was running, from the host's ledger.
    assert.equal(JSON.parse(sent[0]!.body ?? '{}').featureVersion, makeBadgeFeature('alpha').entry.version);
    await stopController(controller);
  });

  it('answers host requests only from the add-on’s own pages and leaves other messages to other listeners', async () => {
    const { browser, controller } = await startInstalled();

    const webPage = { id: ADDON_ID, url: 'https://example.org/', tab: { id: 7, url: 'https://example.org/' } };
    const forbidden = (await sendMessage(browser, { type: 'sbc:override', featureId: 'alpha', value: 'off' }, webPage)) as {
      error?: { code?: string };
    };
    assert.equal(forbidden.error?.code, 'forbidden');
    assert.equal((await readHostLedger(browser)).alpha?.state, 'installed', 'a web page cannot turn a feature off');
    assert.deepEqual((await readHostState(browser, OVERRIDES_KEY)) ?? {}, {});

    const otherAddon = { id: 'someone-else@example.org', url: 'moz-extension://test/ui/options.html' };
    const alsoForbidden = (await sendMessage(browser, { type: 'sbc:status' }, otherAddon)) as { error?: { code?: string } };
    assert.equal(alsoForbidden.error?.code, 'forbidden');

    const answered = (await sendMessage(browser, { type: 'sbc:override', featureId: 'alpha', value: 'off' }, OPTIONS_PAGE_SENDER)) as HostStatus;
    assert.equal(findFeature(answered, 'alpha').state, 'disabled');

    // Not a promise but undefined, at once: Firefox then lets another listener answer.
    assert.deepEqual(browser.runtime.onMessage.call({ type: 'other-extension:ping' }, OPTIONS_PAGE_SENDER), [undefined]);
    assert.deepEqual(browser.runtime.onMessage.call('hello', webPage), [undefined]);
    await stopController(controller);
  });

  it('lets QA force a feature off (data kept), force one on outside its rollout, and return both to the default', async () => {
    const { browser, controller } = await startInstalled([makeBadgeFeature('alpha'), makeBadgeFeature('beta', 0)]);
    const override = (featureId: string, value: 'on' | 'off' | null) =>
      sendRequest(browser, { type: 'sbc:override', featureId, value });

    assert.equal(findFeature(await requestStatus(browser), 'beta').reasonCode, 'rollout');
    assert.equal(findFeature(await requestStatus(browser), 'beta').state, 'not-installed');

    let status = await override('alpha', 'off');
    assert.equal(findFeature(status, 'alpha').state, 'disabled');
    assert.equal(findFeature(status, 'alpha').reasonCode, 'qa-off');
    assert.equal(findFeature(status, 'alpha').override, 'off');
    assert.equal(browser.state.storage.get('feature:alpha:seen'), true, 'a disabled feature keeps its data');
    assert.ok(!browser.state.contentScripts.has('sbc:alpha:badge'), 'a disabled feature no longer runs on pages');

    status = await override('beta', 'on');
    assert.equal(findFeature(status, 'beta').state, 'installed');
    assert.equal(findFeature(status, 'beta').reasonCode, 'qa-on');
    assert.equal(findFeature(status, 'beta').rollout, 0);
    assert.ok(browser.state.contentScripts.has('sbc:beta:badge'));

    await override('alpha', null);
    status = await override('beta', null);
    assert.equal(findFeature(status, 'alpha').state, 'installed');
    assert.equal(findFeature(status, 'alpha').reasonCode, 'eligible');
    assert.equal(findFeature(status, 'alpha').override, null);
    assert.equal(findFeature(status, 'beta').state, 'not-installed');
    assert.equal(findFeature(status, 'beta').reasonCode, 'rollout');
    assert.equal(browser.state.storage.has('feature:beta:seen'), false, 'leaving the rollout wipes the feature’s data');
    assert.deepEqual((await readHostState(browser, OVERRIDES_KEY)) ?? {}, {});
    await stopController(controller);
  });

  it('keeps the installed feature when a refreshed manifest is refused, and shows why', async () => {
    // The altered manifest would drop alpha: accepting it would uninstall the feature.
    const altered = alterSignature(await signManifest(addon.key, [], 6));
    const { browser, server, controller } = await startInstalled(undefined, (good) =>
      scriptedFetch(
        () => manifestResponse(good, '"v1"'),
        () => manifestResponse(altered, '"v2"'),
      ),
    );

    const status = await sendRequest(browser, { type: 'sbc:refresh' });

    assert.equal(server.requests.length, 2);
    assert.equal(status.manifest.lastError?.reason, 'bad-signature');
    assert.match(status.manifest.lastError?.message ?? '', /signature does not verify/);
    assert.equal(status.manifest.serial, 5, 'the last good manifest stays in use');
    assert.equal(findFeature(status, 'alpha').state, 'installed');
    assert.equal((await readHostLedger(browser)).alpha?.state, 'installed');
    assert.ok(browser.state.contentScripts.has('sbc:alpha:badge'));
    await stopController(controller);
  });
  it('tries the start again on the next event when the first one failed before anything ran', async () => {
    const browser = createControllerBrowser();
    const features = [makeBadgeFeature('alpha')];
    addon.serve(features);
    const server = scriptedFetch(async () => manifestResponse(await signManifest(addon.key, [features[0]!.entry])));
    const { controller, log } = createTestController({ browser, key: addon.key, features, fetch: server.fetch, indexedDB: flakyIndexedDB(1) });

    await assert.rejects(controller.start(), /the profile is locked/);
    assert.ok(log.lines.some((line) => line.includes('the next event tries again')));
    const status = await requestStatus(browser);
    assert.equal(status.unit.length > 0, true, 'the page that asked next got its answer');
    await waitForLedgerState(browser, 'alpha', 'installed');
    await stopController(controller);
  });

  it('checks the manifest when its poll alarm fires', async () => {
    const { browser, server, controller } = await startInstalled();
    const before = server.requests.length;

    await browser.alarms.onAlarm.fire({ name: MANIFEST_POLL_ALARM, scheduledTime: Date.now() });
    assert.equal(server.requests.length, before + 1);
    assert.equal(server.requests.at(-1)?.url, `${ORIGIN}/v1/manifest`);
    await stopController(controller);
  });

  it('opens the welcome page for a new beta user only: not on a temporary install, nor on an update', async () => {
    const { browser, controller } = await startInstalled();

    await browser.runtime.onInstalled.fire({ reason: 'install', temporary: true });
    await browser.runtime.onInstalled.fire({ reason: 'update' });
    assert.deepEqual(browser.openedTabs, []);
    await browser.runtime.onInstalled.fire({ reason: 'install', temporary: false });
    assert.deepEqual(browser.openedTabs, ['moz-extension://test/ui/welcome.html']);
    await stopController(controller);
  });

  it('answers a request that fails, or that it does not know, with an error code and a readable message', async () => {
    const { browser, controller } = await startInstalled();

    const notSignedIn = (await sendMessage(browser, { type: 'sbc:accept-terms', acceptedTerms: '2026-01' }, OPTIONS_PAGE_SENDER)) as {
      error?: { code?: string; message?: string; words?: AccountFailureWords };
    };
    assert.equal(notSignedIn.error?.code, 'not-signed-in');
    // The page words it from the code and parameters, in the user's language.
    assert.match(notSignedIn.error?.words ? describeAccountFailure(notSignedIn.error.words) : '', /not signed in/);
    const unknown = (await sendMessage(browser, { type: 'sbc:reboot' }, OPTIONS_PAGE_SENDER)) as { error?: { code?: string; message?: string } };
    assert.equal(unknown.error?.code, 'unknown-request');
    assert.match(unknown.error?.message ?? '', /sbc:reboot/);
    await stopController(controller);
  });

  it('plans once when the user signs in, and installs the feature that needs a beta account', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { browser, controller } = await startInstalled([makeBadgeFeature('alpha'), makeAccountFeature('kit')], (envelope) =>
      scriptedFetch(
        () => manifestResponse(envelope),
        () => json({ token: 't'.repeat(43), expiresAt }, 201),
        // The account as the sign-in left it: one change of account state in all.
        () => json({ email: 'qa@example.org', termsOutdated: false }),
      ),
    );
    assert.equal(findFeature(await requestStatus(browser), 'kit').reasonCode, 'needs-account');
    // Every plan reads the platform afresh; nothing else in a sign-in does.
    const plans = sinon.spy(browser.runtime, 'getPlatformInfo');

    const status = await sendRequest(browser, { type: 'sbc:login', email: 'qa@example.org', password: 'correct horse battery' });
    assert.equal(plans.callCount, 1, 'one sign-in, one plan');
    assert.equal(status.account?.email, 'qa@example.org');
    assert.equal(findFeature(status, 'kit').state, 'installed');
    assert.ok(browser.state.contentScripts.has('sbc:kit:badge'));
    await stopController(controller);
  });

  it('once disposed leaves no listener, script or alarm behind, and keeps the ledger for the next start', async () => {
    const { browser, controller } = await startInstalled();
    assert.ok(browser.leaks().length > 0, 'a started host has listeners, a content script and alarms');

    await controller.dispose();
    assert.deepEqual(browser.leaks(), []);
    assert.equal((await readHostLedger(browser)).alpha?.state, 'installed', 'turning the host off is not uninstalling');
    assert.equal(await sendMessage(browser, { type: 'sbc:status' }, OPTIONS_PAGE_SENDER), undefined, 'nothing answers any more');
    await controller.dispose();
  });
});
