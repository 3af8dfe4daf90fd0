/**
 * The built add-on in a real Firefox ESR: a signed manifest installs the
 * reading-time feature, which acts on a page served on loopback; a tampered
 * manifest is refused and changes nothing; the feature survives the event
 * page's suspension; a newer manifest without it uninstalls it, no restart.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { launchFirefox } from './helpers/firefox';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback-server';
import { makePayload, makeTestKey, reviewedEntries, signPayload, tamperWith, type TestKey } from './helpers/signed-manifests';
import { openPreferencesInAboutAddons, openQaPanel, readFeatureRow, readStatus, refreshManifest, sleep, waitFor } from './helpers/qa-panel';

const ADDON_UUID = '5b1c3d2e-7f64-4a1b-9c0d-0e1f2a3b4c5d';
const BADGE = '#sbc-reading-time-badge';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-results');

describe('the add-on in Firefox: features come and go with the signed manifest', function () {
  this.timeout(180_000);

  let work: string;
  let server: LoopbackServer;
  let key: TestKey;
  let addon: BuiltAddon;
  let browser: Browser;
  let page: Page;
  let panel: Page;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-'));
    server = await startLoopbackServer();
    key = await makeTestKey(join(work, 'keys'), 'e2e-test-key');
    addon = await buildAddon({ outDir: join(work, 'dist'), origin: server.origin, publicKeysDir: join(work, 'keys') });
    server.setManifest(await signPayload(makePayload(1, reviewedEntries(addon.lock, ['reading-time'])), key));
    browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID, idleTimeoutMs: 1000 });
    await browser.installExtension(addon.extensionDir);
    page = await browser.newPage();
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function loadArticle(): Promise<void> {
    await page.goto(`${server.origin}/article.html`, { waitUntil: 'load' });
  }

  async function badgeText(timeoutMs: number): Promise<string | null> {
    try {
      const badge = await page.waitForSelector(BADGE, { timeout: timeoutMs });
      return (await badge!.evaluate((node) => node.textContent)) ?? null;
    } catch {
      return null;
    }
  }

  it('installs the signed feature on first start and the feature acts on a loopback page', async function () {
    await openQaPanel(panel, ADDON_UUID);
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 20_000, 'reading-time installed');
    await loadArticle();
    assert.match((await badgeText(10_000)) ?? '', /^\d+ min read$/);

    await page.goto(`${server.origin}/short.html`, { waitUntil: 'load' });
    await sleep(1000);
    assert.equal(await page.$(BADGE), null, 'a page that is not an article gets no badge');
  });

  it('shows the QA panel as the add-on’s Preferences in about:addons', async function () {
    const addons = await browser.newPage();
    const shown = await openPreferencesInAboutAddons(addons, addon.addonId);
    assert.equal(shown, `moz-extension://${ADDON_UUID}/ui/options.html`);
    await sleep(1000); // let the embedded panel draw its first status
    mkdirSync(SCREENSHOTS, { recursive: true });
    await addons.screenshot({ path: join(SCREENSHOTS, 'about-addons-preferences.png') });
    await addons.close();
  });

  it('welcomes a new beta user with the features they have and the usage-counter consent', async function () {
    const welcome = await browser.newPage();
    void welcome.goto(`moz-extension://${ADDON_UUID}/ui/welcome.html`).catch(() => undefined);
    const item = await welcome.waitForSelector('[data-testid="welcome-features"] li[data-feature-id="reading-time"]', { timeout: 15_000 });
    assert.match((await item!.evaluate((node) => node.textContent)) ?? '', /Reading time/);
    assert.equal(await welcome.$eval('[data-testid="allow-usage"]', (node) => (node as HTMLElement).hidden), false);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await welcome.screenshot({ path: join(SCREENSHOTS, 'welcome.png') });
    await welcome.close();
  });

  it('refuses a manifest altered after signing and changes nothing', async function () {
    // A validly signed manifest, then changed after signing: the feature dropped, the serial raised.
    const altered = tamperWith(await signPayload(makePayload(2, reviewedEntries(addon.lock, ['reading-time'])), key), (payload) => {
      payload.features = [];
      payload.serial = 3;
    });
    server.setManifest(altered);
    await refreshManifest(panel);
    await waitFor(async () => /signature/i.test((await readStatus(panel)).manifestError), 10_000, 'refusal shown');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
    await loadArticle();
    assert.match((await badgeText(10_000)) ?? '', /min read/, 'the feature still acts after the refusal');
  });

  it('keeps the feature working after the event page is suspended and woken', async function () {
    const before = (await readStatus(panel)).startedAt;
    await panel.goto('about:blank');
    await sleep(5000); // idle timeout is 1 s: Firefox suspends the event page
    await loadArticle(); // the content script's message wakes the page
    assert.match((await badgeText(15_000)) ?? '', /min read/);
    await openQaPanel(panel, ADDON_UUID);
    const after = (await readStatus(panel)).startedAt;
    assert.ok(before && after && after > before, `the background page started afresh (before ${before}, after ${after})`);
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
  });

  it('uninstalls the feature when a newer manifest drops it, without a restart', async function () {
    server.setManifest(await signPayload(makePayload(10, []), key));
    await refreshManifest(panel);
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'not-installed', 15_000, 'uninstalled');
    assert.equal((await readStatus(panel)).serial, '10');
    await loadArticle();
    assert.equal(await badgeText(3000), null, 'pages loaded after the uninstall are untouched');
  });

  it('lets QA force a feature on and off from the panel in about:addons, saying why', async function () {
    server.setManifest(await signPayload(makePayload(11, reviewedEntries(addon.lock, ['reading-time'], { rollout: 0 })), key));
    await refreshManifest(panel);
    await waitFor(async () => /rollout/i.test((await readFeatureRow(panel, 'reading-time'))?.reason ?? ''), 15_000, 'rollout reason');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'not-installed');

    await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'on');
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 15_000, 'forced on');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await panel.screenshot({ path: join(SCREENSHOTS, 'qa-panel-forced-on.png') });
    await loadArticle();
    assert.match((await badgeText(10_000)) ?? '', /min read/);

    await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'off');
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'disabled', 15_000, 'forced off');
    await loadArticle();
    assert.equal(await badgeText(3000), null, 'a feature QA forced off acts on no page');
  });
});
