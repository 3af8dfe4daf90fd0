/**
 * The built add-on in a real Firefox ESR: a signed manifest installs the
 * reading-time feature, which acts on a page served on loopback; a tampered
 * manifest is refused and changes nothing; the feature survives the event
 * page's suspension; a newer manifest without it uninstalls it, no restart.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { makeManifestPayload, reviewedEntries } from '../helpers/manifests';
import { signPayload, tamperWith } from '../helpers/signing';
import {
  openPreferencesInAboutAddons,
  readContentScriptsFor,
  readEmbeddedPanelRows,
  waitForSuspendedEventPage,
} from './helpers/about-addons';
import { useAddonSession } from './helpers/addon-session';
import { RESULTS_DIR } from './helpers/failure-evidence';
import { openAddonPage, openQaPanel, readFeatureRow, readStatus, refreshManifest, waitForFeatureRow, waitForFeatureState } from './helpers/qa-panel';
import { TEST_MS, waitUntil } from './helpers/waits';

const ADDON_UUID = '5b1c3d2e-7f64-4a1b-9c0d-0e1f2a3b4c5d';
const BADGE = '#sbc-reading-time-badge';

describe('the add-on in Firefox: features come and go with the signed manifest', function () {
  this.timeout(TEST_MS);

  const current = useAddonSession({ addonUuid: ADDON_UUID, features: ['reading-time'], idleTimeoutMs: 1000 });
  /** The tab where the feature acts on web pages. */
  let page: Page;
  let panel: Page;

  before(async function () {
    panel = current().panel;
    page = await current().newTab();
  });

  const articleUrl = () => `${current().server.origin}/article.html`;

  async function loadArticle(tab: Page = page): Promise<void> {
    await tab.goto(articleUrl(), { waitUntil: 'load' });
  }

  async function badgeText(tab: Page = page): Promise<string> {
    const badge = await tab.waitForSelector(BADGE);
    return (await badge!.evaluate((node) => node.textContent)) ?? '';
  }

  /** Firefox holds no content script of the add-on for the article any more: pages loaded now are left alone. */
  async function waitUntilArticlesAreLeftAlone(): Promise<void> {
    await waitUntil(
      () => readContentScriptsFor(current().firefoxView, current().addon.addonId, articleUrl()),
      (scripts) => scripts.length === 0,
      'Firefox to drop the feature’s content script',
    );
  }

  it('installs the signed feature on first start and the feature acts on a loopback page', async function () {
    await openQaPanel(panel, ADDON_UUID, 'reading-time');
    await waitForFeatureState(panel, 'reading-time', 'installed');
    await loadArticle();
    assert.match(await badgeText(), /^\d+ min read$/);

    await page.goto(`${current().server.origin}/short.html`, { waitUntil: 'load' });
    // An article loaded after the short page has its badge: the feature has had its turn on both.
    const control = await current().newTab();
    await loadArticle(control);
    assert.match(await badgeText(control), /min read/);
    await control.close();
    assert.equal(await page.$(BADGE), null, 'a page that is not an article gets no badge');
  });

  it('shows the QA panel as the add-on’s Preferences in about:addons', async function () {
    const addons = await current().newTab();
    const shown = await openPreferencesInAboutAddons(addons, current().addon.addonId);
    assert.equal(shown, `moz-extension://${ADDON_UUID}/ui/options.html`);
    await waitUntil(
      () => readEmbeddedPanelRows(addons),
      (rows) => rows.some((row) => row.id === 'reading-time' && row.state === 'installed'),
      'the embedded QA panel to show reading-time installed',
    );
    mkdirSync(RESULTS_DIR, { recursive: true });
    await addons.screenshot({ path: join(RESULTS_DIR, 'about-addons-preferences.png') });
    await addons.close();
  });

  it('welcomes a new beta user with the features they have and the usage-counter consent', async function () {
    const welcome = await current().newTab();
    const item = await openAddonPage(welcome, ADDON_UUID, 'ui/welcome.html', '[data-testid="welcome-features"] li[data-feature-id="reading-time"]');
    assert.match((await item.evaluate((node) => node.textContent)) ?? '', /Reading time/);
    assert.equal(await welcome.$eval('[data-testid="allow-usage"]', (node) => (node as HTMLElement).hidden), false);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await welcome.screenshot({ path: join(RESULTS_DIR, 'welcome.png') });
    await welcome.close();
  });

  it('refuses a manifest altered after signing and changes nothing', async function () {
    const { addon, key, server } = current();
    // A validly signed manifest, then changed after signing: the feature dropped, the serial raised.
    const signed = await signPayload(makeManifestPayload({ serial: 2, features: reviewedEntries(addon.lock, ['reading-time']) }), key);
    server.setManifest(
      tamperWith(signed, (payload) => {
        payload.features = [];
        payload.serial = 3;
      }),
    );
    await refreshManifest(panel);
    await waitUntil(() => readStatus(panel), (status) => /signature/i.test(status.manifestError), 'the panel to show the refusal');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
    await loadArticle();
    assert.match(await badgeText(), /min read/, 'the feature still acts after the refusal');
  });

  it('keeps the feature working after the event page is suspended and woken', async function () {
    const before = (await readStatus(panel)).startedAt;
    await panel.goto('about:blank');
    await waitForSuspendedEventPage(current().firefoxView, current().addon.addonId);
    await loadArticle(); // the content script's message wakes the page
    assert.match(await badgeText(), /min read/);
    await openQaPanel(panel, ADDON_UUID, 'reading-time');
    const after = (await readStatus(panel)).startedAt;
    assert.ok(before && after && after > before, `the background page started afresh (before ${before}, after ${after})`);
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
  });

  it('uninstalls the feature when a newer manifest drops it, without a restart', async function () {
    await current().publish(10, []);
    await refreshManifest(panel);
    await waitForFeatureState(panel, 'reading-time', 'not-installed');
    assert.equal((await readStatus(panel)).serial, '10');
    await waitUntilArticlesAreLeftAlone();
    await loadArticle();
    assert.equal(await page.$(BADGE), null, 'pages loaded after the uninstall are untouched');
  });

  it('lets QA force a feature on and off from the panel in about:addons, saying why', async function () {
    await current().publish(11, reviewedEntries(current().addon.lock, ['reading-time'], { rollout: 0 }));
    await refreshManifest(panel);
    await waitForFeatureRow(panel, 'reading-time', (row) => /rollout/i.test(row.reason), 'the panel to give the rollout as the reason');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'not-installed');

    await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'on');
    await waitForFeatureState(panel, 'reading-time', 'installed');
    mkdirSync(RESULTS_DIR, { recursive: true });
    await panel.screenshot({ path: join(RESULTS_DIR, 'qa-panel-forced-on.png') });
    await loadArticle();
    assert.match(await badgeText(), /min read/);

    await panel.select('tr[data-feature-id="reading-time"] [data-testid="override"]', 'off');
    await waitForFeatureState(panel, 'reading-time', 'disabled');
    await waitUntilArticlesAreLeftAlone();
    await loadArticle();
    assert.equal(await page.$(BADGE), null, 'a feature QA forced off acts on no page');
  });
});
