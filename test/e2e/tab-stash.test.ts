/**
 * Tab stash across two Firefox profiles, every part real: the beta server
 * process deploying the storage service from a signed release, the built
 * add-on in two Firefox ESR profiles signed in to one beta account. The
 * user stashes a window's pages from the popup in one profile and restores
 * them from the popup in the other.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { generateKeyPair } from '../../build/keys';
import type { ServiceLockFile } from '../../protocol/service-schema';
import { findFreePort } from '../helpers/free-port';
import { makeRelease } from '../helpers/manifests';
import { callServer, ROOT, type RunningProcess } from '../helpers/server-process';
import { BETA_USER, E2E_ADMIN_TOKEN, publishRelease, startBetaServer, stopBetaServer } from './helpers/beta-server';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { keepEvidenceOnFailure } from './helpers/failure-evidence';
import { launchFirefox } from './helpers/firefox';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback-server';
import { openAddonPage, openQaPanel, waitForFeatureRow, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitUntil, WAIT_MS } from './helpers/waits';

const ADDON_UUID = '6b1e2f3a-4c5d-4e6f-8a7b-1c2d3e4f5a6b';
const FEATURE = 'li[data-feature-id="tab-stash"]';

describe('tab-stash: stash in one Firefox profile, restore in another, through the real beta server', function () {
  this.timeout(TEST_MS);

  let work: string;
  let server: RunningProcess;
  let pages: LoopbackServer;
  let addon: BuiltAddon;
  let laptop: Browser | undefined;
  let desktop: Browser | undefined;
  let current: Browser | undefined;
  let launching: Array<Promise<unknown>> = [];

  /** Publishes tab-stash and the storage service, signed off for this build, as the channel would. */
  async function publish(): Promise<void> {
    const services = (JSON.parse(readFileSync(join(work, 'dist', 'services.lock.json'), 'utf8')) as ServiceLockFile).services.filter((s) => s.id === 'storage');
    await publishRelease({
      release: makeRelease(addon.lock, { features: ['tab-stash'], services }),
      keysDir: join(work, 'keys'),
      lockPath: join(work, 'dist', 'features.lock.json'),
      out: join(work, 'signed.json'),
      server: server.url,
      adminToken: E2E_ADMIN_TOKEN,
    });
  }

  /** A fresh profile, started while the add-on builds. */
  function launchProfile(): Promise<Browser> {
    const { browser_specific_settings: settings } = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as { browser_specific_settings: { gecko: { id: string } } };
    return launchFirefox({
      addonId: settings.gecko.id,
      addonUuid: ADDON_UUID,
      // Grants what the add-on asks for without a doorhanger no test can click.
      extraPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
  }

  /** Installs the add-on, signs in to the beta account in the QA panel, allows and installs tab-stash. */
  async function setUpProfile(browser: Browser): Promise<void> {
    assert.equal(addon.addonId, JSON.parse(readFileSync(join(addon.extensionDir, 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id);
    await browser.installExtension(addon.extensionDir);
    const panel = await newTab(browser);
    await openQaPanel(panel, ADDON_UUID, 'tab-stash');
    await panel.waitForSelector('[data-testid="sign-in-form"]:not([hidden])');
    await panel.type('[data-testid="sign-in-email"]', BETA_USER.email);
    await panel.type('[data-testid="sign-in-password"]', BETA_USER.password);
    await panel.click('[data-testid="sign-in-submit"]');
    await panel.waitForSelector('[data-testid="account-signed-in"]:not([hidden])');
    await waitForFeatureRow(panel, 'tab-stash', (row) => /consent/.test(row.reason), 'tab-stash to wait for consent to what it sends');
    // A real click: Firefox takes permissions.request only from a user's action.
    await panel.click('tr[data-feature-id="tab-stash"] [data-testid="grant-consent"]');
    await waitForFeatureState(panel, 'tab-stash', 'installed');
    await panel.close();
  }

  async function newTab(browser: Browser): Promise<Page> {
    const tab = await browser.newPage();
    tab.setDefaultTimeout(WAIT_MS);
    return tab;
  }

  /** Opens the popup's page in a tab of the window and waits for tab-stash's action `selector`. */
  async function openPopup(browser: Browser, selector: string): Promise<Page> {
    const popup = await newTab(browser);
    await openAddonPage(popup, ADDON_UUID, 'ui/popup.html', `${FEATURE} ${selector}`);
    return popup;
  }

  function readResult(popup: Page): Promise<string> {
    return popup.$eval(`${FEATURE} [data-testid="feature-action-result"]`, (node) => ((node as HTMLElement).hidden ? '' : (node.textContent ?? '')));
  }

  before(async function () {
    this.timeout(SETUP_MS);
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-stash-'));
    await generateKeyPair({ outDir: join(work, 'keys'), keyId: 'e2e-stash' });
    server = await startBetaServer({ port: await findFreePort(), dataDir: join(work, 'data'), keysDir: join(work, 'keys'), adminToken: E2E_ADMIN_TOKEN });
    pages = await startLoopbackServer();
    const terms = await callServer(server.url, 'GET', '/v1/terms');
    // Both profiles start while the add-on builds; after() closes whichever started, whatever failed.
    launching = [launchProfile().then((browser) => (laptop = browser)), launchProfile().then((browser) => (desktop = browser))];
    for (const started of launching) started.catch(() => undefined);
    const [built, account] = await Promise.all([
      buildAddon({ outDir: join(work, 'dist'), origin: server.url, publicKeysDir: join(work, 'keys') }),
      callServer(server.url, 'POST', '/v1/accounts', { body: { email: BETA_USER.email, password: BETA_USER.password, acceptedTerms: terms.body.terms.version } }),
    ]);
    await Promise.all(launching);
    assert.equal(account.status, 201, account.text);
    addon = built;
    await publish();
    await Promise.all([setUpProfile(laptop!), setUpProfile(desktop!)]);
  });

  after(async function () {
    await Promise.allSettled(launching);
    await Promise.all([laptop?.close(), desktop?.close()]);
    await pages?.close();
    await stopBetaServer(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  keepEvidenceOnFailure(() => current && { browser: current, addonUuid: ADDON_UUID });

  it('stashes the web pages of the window from the popup in the first profile', async function () {
    current = laptop!;
    for (const path of ['/article.html', '/short.html']) {
      const tab = await newTab(current);
      await tab.goto(`${pages.origin}${path}`, { waitUntil: 'load' });
    }
    const popup = await openPopup(current, '[data-action-id="stash"]');
    assert.equal(await popup.$eval(`${FEATURE} [data-action-id="stash"]`, (node) => node.textContent), 'Stash this window’s tabs');
    await popup.click(`${FEATURE} [data-action-id="stash"]`);
    const said = await waitUntil(() => readResult(popup), (text) => /^Stashed/.test(text), 'the popup to say the tabs are stashed');
    assert.equal(said, 'Stashed 2 tabs to your beta account.');
    const restore = await popup.waitForSelector(`${FEATURE} [data-action-id^="restore:"]`);
    assert.match((await restore!.evaluate((node) => node.textContent)) ?? '', /^Restore 2 tabs stashed /);
  });

  it('restores them from the popup in the second profile, where the pages open, and the stash leaves the account', async function () {
    current = desktop!;
    const popup = await openPopup(current, '[data-action-id^="restore:"]');
    await popup.click(`${FEATURE} [data-action-id^="restore:"]`);
    const said = await waitUntil(() => readResult(popup), (text) => /^Restored/.test(text), 'the popup to say the tabs are restored');
    assert.equal(said, 'Restored 2 tabs. The stash is removed from your beta account.');
    const titles = await waitUntil(
      async () => Promise.all((await current!.pages()).map((tab) => tab.title().catch(() => ''))),
      (seen) => seen.includes('An article') && seen.includes('Short'),
      'the restored pages to open in the second profile',
    );
    assert.equal(titles.filter((title) => title === 'An article' || title === 'Short').length, 2);
    assert.equal(await popup.$(`${FEATURE} [data-action-id^="restore:"]`), null, 'the popup no longer lists the stash');

    const session = await callServer(server.url, 'POST', '/v1/sessions', { body: { email: BETA_USER.email, password: BETA_USER.password } });
    const stored = await callServer(server.url, 'GET', '/v1/services/storage/storage/tab-stash?full=1', { token: session.body.token });
    assert.equal(stored.status, 200);
    assert.deepEqual(JSON.parse(stored.body[0].payload).stashes, [], 'the storage service keeps no stash');
  });
});
