/**
 * The beta user's and QA's everyday experience in a real Firefox: told when
 * a feature arrives (badge and "What's new"), pages that fill in even in a
 * background tab, accessible in light and dark (axe-core, focus ring), and
 * diagnostics QA can copy into a bug report.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { runAxe, tabToNextControl } from './helpers/addon-pages';
import { prepareAddon, type PreparedAddon } from './helpers/addon-session';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { launchWithAddon } from './helpers/firefox';
import { openAddonPage, openQaPanel, readFeatureRow, readHostStatus, refreshManifest, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor, waitUntil } from './helpers/waits';
import { reviewedEntries } from '../helpers/manifests';

const ADDON_UUID = '7c2d4e6f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
type PageName = 'popup' | 'options' | 'welcome';
const READY: Record<PageName, string> = {
  popup: '[data-testid="popup-features"] li[data-feature-id]',
  options: '[data-testid="features"] tr[data-feature-id]',
  welcome: '[data-testid="welcome-features"] li[data-feature-id]',
};

describe('the add-on’s pages, as beta users and QA meet them', function () {
  this.timeout(TEST_MS);

  let prepared: PreparedAddon | undefined;

  before(async function () {
    this.timeout(SETUP_MS);
    prepared = await prepareAddon({ keyId: 'e2e-ux-key', features: [] });
  });

  after(() => prepared?.close());

  const badgeText = (page: Page) => page.evaluate(() => (globalThis as unknown as { browser: { action: { getBadgeText(d: object): Promise<string> } } }).browser.action.getBadgeText({}));

  for (const scheme of ['light', 'dark'] as const) {
    describe(`in ${scheme} mode`, function () {
      let browser: Browser;
      let panel: Page;

      before(async function () {
        this.timeout(SETUP_MS);
        browser = await launchWithAddon(prepared!.addon, {
          addonUuid: ADDON_UUID,
          // 0 is dark, 1 is light, whatever the desktop says.
          extraPrefs: { 'layout.css.prefers-color-scheme.content-override': scheme === 'dark' ? 0 : 1 },
        });
        panel = await browser.newPage();
      });

      after(async function () {
        await browser?.close();
      });

      keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

      if (scheme === 'light') {
        it('fills in the QA panel opened in a background tab, before anyone selects it', async function () {
          const front = await browser.newPage();
          await front.bringToFront();
          // Not openAddonPage: it brings the tab to the front, and this one must stay behind.
          void panel.goto(`moz-extension://${ADDON_UUID}/ui/options.html`, { timeout: 0 }).catch(() => undefined);
          await waitUntil(() => panel.$(READY.options), (found) => found !== null, 'the panel to list the features');
          assert.equal(await panel.evaluate(() => document.visibilityState), 'hidden', 'the panel is in a background tab');
          await waitFor(async () => (await panel.$eval('[data-testid="manifest-serial"]', (node) => node.textContent)) === '1', 'the serial filled in');
          assert.equal(await panel.evaluate(() => document.visibilityState), 'hidden', 'still in the background');
          await front.close();
        });

        it('lights the toolbar badge and says “Reading time was added” when a new manifest adds it; QA overrides say nothing', async function () {
          assert.equal(await badgeText(panel), '', 'no badge while nothing changed for the user');
          await prepared!.publish(2, reviewedEntries(prepared!.addon.lock, ['reading-time']));
          await refreshManifest(panel);
          await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 'reading-time installed');
          await waitFor(async () => (await badgeText(panel)) === '1', 'the badge says 1');

          const popup = await browser.newPage();
          await openAddonPage(popup, ADDON_UUID, 'ui/popup.html', '[data-testid="changes"] li');
          const changes = await popup.$$eval('[data-testid="changes"] li', (items) => items.map((item) => [item.querySelector('[data-testid="change-text"]')?.textContent, item.classList.contains('new')]));
          assert.deepEqual(changes, [['Reading time was added', true]]);
          await waitFor(async () => (await badgeText(panel)) === '', 'opening the popup clears the badge');
          mkdirSync(RESULTS_DIR, { recursive: true });
          await popup.screenshot({ path: join(RESULTS_DIR, 'popup-whats-new.png') });

          await popup.click('[data-testid="notify-changes"]');
          await waitFor(async () => (await popup.evaluate(() => (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<{ notify: boolean }> } } }).browser.runtime.sendMessage({ type: 'sbc:changes' }))).notify === false, 'notifications turned off');
          await popup.close();

          await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'off');
          await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'disabled', 'forced off');
          await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'default');
          await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 'back on');
          assert.equal(await badgeText(panel), '', 'what QA did themselves lights no badge');
        });

        it('copies diagnostics as JSON with the manifest, each decision and no email', async function () {
          await panel.click('[data-testid="copy-diagnostics"]');
          await panel.waitForSelector('[data-testid="diagnostics-details"]:not([hidden])', { timeout: 10_000 });
          const report = JSON.parse(await panel.$eval('[data-testid="diagnostics-text"]', (node) => (node as HTMLTextAreaElement).value));
          assert.equal(report.kind, 'services-beta-channel-diagnostics');
          assert.deepEqual([report.manifest.serial, report.manifest.keyIds], [2, ['e2e-ux-key']]);
          assert.equal(report.environment.hostVersion, (await readHostStatus(panel)).build.hostVersion);
          const readingTime = report.features.find((feature: { id: string }) => feature.id === 'reading-time');
          assert.deepEqual([readingTime.state, readingTime.decision], ['installed', 'eligible']);
          assert.ok(!JSON.stringify(report).includes('@'), 'no email address, nothing like one');
        });
      }

      for (const name of ['popup', 'options', 'welcome'] as const) {
        it(`has no serious or critical accessibility violation on the ${name} page, and shows where the focus is`, async function () {
          // The pages show what is installed when they open: wait for the feature first (a fresh profile fetches its manifest at start).
          await openQaPanel(panel, ADDON_UUID, 'reading-time');
          await waitForFeatureState(panel, 'reading-time', 'installed');
          const page = await browser.newPage();
          await openAddonPage(page, ADDON_UUID, `ui/${name}.html`, READY[name]);
          assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark');

          const rings = [];
          for (let i = 0; i < 4; i++) {
            const ring = await tabToNextControl(page);
            if (!ring) break;
            rings.push(ring);
          }
          assert.ok(rings.length >= 2, `Tab reaches the page's controls: ${JSON.stringify(rings)}`);
          for (const ring of rings) {
            assert.ok(ring.focusVisible && ring.outlineStyle !== 'none' && ring.outlineWidth >= 2, `${ring.element} shows a focus ring: ${JSON.stringify(ring)}`);
            assert.ok(ring.contrast >= 3, `${ring.element}'s focus ring stands out (${ring.contrast.toFixed(2)}:1) in ${scheme} mode`);
          }

          // Open what is folded away, so that it is checked too.
          if (name === 'popup') await page.click('li[data-feature-id="reading-time"] [data-testid="feedback"] summary');
          if (name === 'options') {
            await page.click('[data-testid="copy-diagnostics"]');
            await page.waitForSelector('[data-testid="diagnostics-details"]:not([hidden])', { timeout: 10_000 });
          }
          const violations = await runAxe(page);
          assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
          mkdirSync(RESULTS_DIR, { recursive: true });
          await page.screenshot({ path: join(RESULTS_DIR, `${name}-${scheme}.png`) });
          await page.close();
        });
      }
    });
  }
});
