/**
 * The admin dashboard in a real Firefox against the real beta server
 * process: a beta user's comment written like markup, sent from the add-on's
 * popup, reaches the dashboard as text and runs nothing; the page signs in
 * with the admin token without putting it in the URL, draws its charts,
 * tables and comments, and has no serious or critical accessibility
 * violation in light or dark mode. Screenshots are kept in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { runAxe, tabToNextControl } from './helpers/addon-pages';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { launchFirefox } from './helpers/firefox';
import { openAddonPage, openQaPanel, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor, waitUntil } from './helpers/waits';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { makeManifestPayload, reviewedEntries } from '../helpers/manifests';
import { callServer, startServerProcess, type RunningProcess } from '../helpers/server-process';
import { createPinnedKey, signKeyDocument, signPayload } from '../helpers/signing';

const ADDON_UUID = '5e1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const ADMIN_TOKEN = 'e2e-dashboard-admin-token-0123456789';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-results');
const HOSTILE = '<img src=x onerror="window.__sbcInjected = true"> <script>window.__sbcInjected = true</script> & "quotes"';
const DAY_MS = 86_400_000;

/** Twenty days of reading-time usage from a few installs, ending yesterday, so the charts have something to draw. */
async function seedUsage(server: RunningProcess): Promise<void> {
  const day = (ago: number) => new Date(Date.now() - ago * DAY_MS).toISOString().slice(0, 10);
  for (let install = 0; install < 6; install++) {
    const counts = [];
    for (let ago = 20; ago >= 1; ago--) {
      if ((ago + install) % 3 === 0) continue;
      counts.push({ day: day(ago), featureId: 'reading-time', event: 'estimate-shown', count: 1 + ((ago * (install + 1)) % 7) });
    }
    if (install === 0) counts.push({ day: day(5), featureId: 'reading-time', event: HOST_EVENTS.optOut, count: 1 });
    const sent = await callServer(server.url, 'POST', '/v1/usage', { body: { batchId: `seed-${install}`, installId: `seed-install-${install}`, counts } });
    assert.equal(sent.status, 200, sent.text);
  }
}

/** Opens the dashboard in `page`, signs in with the token and waits until it shows reading-time's comments. */
async function openDashboard(page: Page, origin: string): Promise<void> {
  const response = await page.goto(`${origin}/admin/`);
  const headers = response!.headers();
  assert.match(headers['content-security-policy']!, /script-src 'self'/);
  assert.match(headers['content-security-policy']!, /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  await page.waitForSelector('#token', { visible: true });
  await page.type('#token', ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#features tr[data-feature-id="reading-time"]', { visible: true });
  await page.waitForSelector('#comments [data-testid="comment"]', { visible: true });
  await page.waitForSelector('#chart-active canvas', { visible: true });
  // Verdicts fill in last: every criterion of every feature.
  await page.waitForSelector('#overview[data-verdicts="loaded"] #features [data-verdict]', { visible: true });
  await page.waitForSelector('#detail[data-loaded="reading-time"] #criteria tr[data-criterion]', { visible: true });
}

describe('the admin dashboard, as the beta team meets it', function () {
  this.timeout(TEST_MS);

  let work: string;
  let server: RunningProcess;
  let addon: BuiltAddon;
  const browsers = new Map<'light' | 'dark', Browser>();

  /** One Firefox per colour scheme for the whole file, the add-on installed in it. */
  async function openBrowser(scheme: 'light' | 'dark'): Promise<Browser> {
    let browser = browsers.get(scheme);
    if (!browser) {
      browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID, extraPrefs: { 'layout.css.prefers-color-scheme.content-override': scheme === 'dark' ? 0 : 1 } });
      browsers.set(scheme, browser);
      await browser.installExtension(addon.extensionDir);
    }
    return browser;
  }

  before(async function () {
    this.timeout(SETUP_MS);
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-dashboard-'));
    const keysDir = join(work, 'keys');
    const key = await createPinnedKey(keysDir, 'e2e-dashboard-key');
    server = await startServerProcess({ DATA_DIR: join(work, 'data'), PUBLIC_KEYS: keysDir, ROOT_KEYS: keysDir, ADMIN_TOKEN });
    addon = await buildAddon({ outDir: join(work, 'dist'), origin: server.url, publicKeysDir: keysDir });
    const exitCriteria = { minInstalls: 5, optOutRate: { max: 0.5, minSample: 5 }, rating: { minMean: 3, minCount: 1 } };
    const envelope = await signPayload(makeManifestPayload({ serial: 1, features: reviewedEntries(addon.lock, ['reading-time'], { exitCriteria }) }), key);
    // The build pins the key as its root key; the key document it signs lists the same key as the manifest key.
    const keys = await callServer(server.url, 'PUT', '/v1/admin/keys', { raw: await signKeyDocument(key, [key.pinned]), token: ADMIN_TOKEN });
    assert.equal(keys.status, 201, keys.text);
    const published = await callServer(server.url, 'PUT', '/v1/admin/manifest', { raw: envelope, token: ADMIN_TOKEN });
    assert.equal(published.status, 201, published.text);
    await seedUsage(server);
    const version = addon.lock.features.find((feature) => feature.id === 'reading-time')!.version;
    const earlier = { featureId: 'reading-time', rating: 4, comment: 'Clear and quick', installId: 'seed-install-1', featureVersion: version };
    assert.equal((await callServer(server.url, 'POST', '/v1/feedback', { body: earlier })).status, 201);
  });

  after(async function () {
    for (const browser of browsers.values()) await browser.close().catch(() => undefined);
    await server?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows a comment sent from the popup as text, never as markup, with its rating and version', async function () {
    const browser = await openBrowser('light');
    const panel = await browser.newPage();
    await openQaPanel(panel, ADDON_UUID, 'reading-time');
    await waitForFeatureState(panel, 'reading-time', 'installed');

    const popup = await browser.newPage();
    const form = 'li[data-feature-id="reading-time"] [data-testid="feedback"]';
    await openAddonPage(popup, ADDON_UUID, 'ui/popup.html', `${form} summary`);
    await popup.click(`${form} summary`);
    await popup.click(`${form} [data-testid="rating-2"]`);
    await popup.type(`${form} [data-testid="feedback-comment"]`, HOSTILE);
    await popup.click(`${form} [data-testid="feedback-submit"]`);
    await popup.waitForSelector(`${form} [data-testid="feedback-result"]:not([hidden])`);
    await waitFor(
      async () => (await callServer(server.url, 'GET', '/v1/admin/features/reading-time/feedback', { token: ADMIN_TOKEN })).body?.total === 2,
      'the server to have the comment',
    );

    const page = await browser.newPage();
    await openDashboard(page, server.url);
    const version = addon.lock.features.find((feature) => feature.id === 'reading-time')!.version;
    const shown = await page.$$eval('#comments [data-testid="comment"]', (items) =>
      items.map((item) => ({ meta: item.querySelector('.meta')?.textContent, text: item.querySelector('[data-testid="comment-text"]')?.textContent, elements: item.querySelectorAll('img, script').length })),
    );
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(shown, [
      { meta: `Rated 2 of 5 · version ${version} · ${today}`, text: HOSTILE, elements: 0 },
      { meta: `Rated 4 of 5 · version ${version} · ${today}`, text: 'Clear and quick', elements: 0 },
    ]);
    assert.equal(await page.evaluate(() => (window as unknown as { __sbcInjected?: boolean }).__sbcInjected), undefined, 'the comment ran nothing');
    assert.equal(await page.$$eval('body img', (images) => images.length), 0);
    assert.ok(!page.url().includes(ADMIN_TOKEN), 'the token is not in the URL');
    assert.deepEqual(await page.evaluate(() => [sessionStorage.length, localStorage.length]), [1, 0], 'the token is kept in this tab only');

    const row = await page.$eval('#features tr[data-feature-id="reading-time"]', (tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim()));
    assert.deepEqual(row.slice(0, 5), ['reading-time', version, '100% rollout', 'Continue', '6']);
    assert.equal(row[6], '16.7%', 'one of 6 installs opted out');
    await page.waitForSelector('#criteria tr[data-criterion="optOutRate"]');
    assert.match(await page.$eval('#active-summary', (node) => node.textContent ?? ''), /active installs on the last day/);
    assert.equal(await page.$eval('#ratings tr[data-rating="2"] td', (td) => td.textContent), '1');

    // The filters narrow the list: text, then a rating.
    await page.type('#feedback-filter input[name="q"]', 'QUICK');
    await page.keyboard.press('Enter');
    const texts = () => page.$$eval('#comments [data-testid="comment-text"]', (items) => items.map((item) => item.textContent));
    await waitUntil(texts, (seen) => seen.length === 1 && seen[0] === 'Clear and quick', 'the text filter to leave one comment');
    await page.click('#feedback-filter button[type="reset"]');
    await page.select('#feedback-filter select[name="rating"]', '1,2');
    await page.click('#feedback-filter button[type="submit"]');
    await waitUntil(texts, (seen) => seen.length === 1 && seen[0] === HOSTILE, 'the rating filter to leave the low rating');
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`can be used from the keyboard and has no serious or critical accessibility violation in ${scheme} mode`, async function () {
      const page = await (await openBrowser(scheme)).newPage();
      await page.setViewport({ width: 1280, height: 1000 });
      await openDashboard(page, server.url);
      assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark');

      // Tab reaches the features' buttons, each control showing where the focus is; Enter opens the details and moves the focus there.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const rings = [];
      for (let i = 0; i < 6; i++) {
        const ring = await tabToNextControl(page);
        rings.push(ring);
        if (ring?.element === 'button[data-testid=open-feature]') break;
      }
      assert.equal(rings[rings.length - 1]?.element, 'button[data-testid=open-feature]', `Tab reaches the feature: ${JSON.stringify(rings)}`);
      for (const ring of rings) {
        assert.ok(ring && ring.focusVisible && ring.outlineStyle !== 'none' && ring.outlineWidth >= 2, `a focus ring: ${JSON.stringify(ring)}`);
        assert.ok(ring.contrast >= 3, `${ring.element}'s focus ring stands out (${ring.contrast.toFixed(2)}:1)`);
      }
      await page.keyboard.press('Enter');
      await waitUntil(() => page.evaluate(() => document.activeElement?.id ?? ''), (id) => id === 'detail-title', 'the focus to move to the feature’s details');

      const violations = await runAxe(page);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${scheme}.png`), fullPage: true });
      // What the README shows (docs/dashboard.png): the first screen only, small enough to keep in git.
      if (scheme === 'light') await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-first-screen.png') });
      await page.close();
    });
  }
});
