/**
 * Localisable: a pseudo-locale build (SBC_PSEUDO_LOCALE=1: every message
 * accented, a third longer, in brackets) in a real Firefox. Every word the
 * pages show comes through the messages file, no layout cuts the longer
 * words, and a screenshot of each page is kept in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoLocalize } from '../../build/locales';
import type { Browser, Page } from 'puppeteer-core';
import { findCutText, readVisibleTexts } from './helpers/addon-pages';
import { prepareAddon, type PreparedAddon } from './helpers/addon-session';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { launchWithAddon } from './helpers/firefox';
import { openAddonPage, openQaPanel, readHostStatus, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, WAIT_MS } from './helpers/waits';

const ADDON_UUID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
/** Accented letters or the brackets around every pseudo-localised message. */
const PSEUDO = /[[\]åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ]/;

const PAGES: Array<{ name: 'popup' | 'options' | 'welcome'; ready: string; width: number }> = [
  { name: 'popup', ready: '[data-testid="popup-features"] li[data-feature-id]', width: 800 },
  // About as wide as the panel is inside about:addons.
  { name: 'options', ready: '[data-testid="features"] tr[data-feature-id]', width: 700 },
  { name: 'welcome', ready: '[data-testid="welcome-features"] li[data-feature-id]', width: 800 },
];

describe('a pseudo-locale build: every word localisable, nothing cut', function () {
  this.timeout(TEST_MS);

  let prepared: PreparedAddon | undefined;
  let browser: Browser;

  before(async function () {
    this.timeout(SETUP_MS);
    prepared = await prepareAddon({ keyId: 'e2e-pseudo-key', features: ['reading-time'], buildEnv: { SBC_PSEUDO_LOCALE: '1' } });
    browser = await launchWithAddon(prepared.addon, { addonUuid: ADDON_UUID });
    // The pages show what is installed when they open: wait for the feature first.
    const panel = await browser.newPage();
    await openQaPanel(panel, ADDON_UUID, 'reading-time');
    await waitForFeatureState(panel, 'reading-time', 'installed');
    await panel.close();
  });

  after(async function () {
    await browser?.close();
    await prepared?.close();
  });

  keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

  /** Words that are data, not the add-on's: feature ids, numbers, addresses. Reasons are words: they come as codes; a feature's name and description are its messages. */
  async function readData(page: Page): Promise<Set<string>> {
    const status = await readHostStatus(page);
    const keyIds = status.keys?.manifestKeyIds ?? [];
    return new Set([...status.features.map((feature) => feature.id), ...keyIds, status.build.origin, status.unit]);
  }

  for (const { name, ready, width } of PAGES) {
    it(`shows the ${name} page in pseudo-locale words, none cut`, async function () {
      const page = await browser.newPage();
      await page.setViewport({ width, height: 900 });
      await openAddonPage(page, ADDON_UUID, `ui/${name}.html`, ready);
      if (name === 'popup') await page.click('li[data-feature-id="reading-time"] [data-testid="feedback"] summary');
      // The words that arrive with the status (times, the build line) are in once the serial is.
      if (name === 'options') await page.waitForFunction(() => document.querySelector('[data-testid="manifest-serial"]')?.textContent === '1', { timeout: WAIT_MS });

      const data = await readData(page);
      const unlocalised = (await readVisibleTexts(page)).filter((text) => !PSEUDO.test(text) && !data.has(text) && !/^[\d\s.:·/%()-]+$/.test(text));
      assert.deepEqual(unlocalised, [], 'words on screen that skipped the messages file');
      assert.match(await page.$eval('h1, h2', (node) => node.textContent ?? ''), PSEUDO);
      const featureText = await page.$eval('[data-feature-id="reading-time"]', (node) => node.textContent ?? '');
      assert.ok(featureText.includes(pseudoLocalize('Reading time')), `the feature's name from its messages, pseudo-localised: ${featureText}`);

      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, `pseudo-locale-${name}.png`), fullPage: true });
      const cut = await findCutText(page);
      assert.deepEqual(cut, [], `text cut by the layout (see test-results/pseudo-locale-${name}.png)`);
      await page.close();
    });
  }
});
