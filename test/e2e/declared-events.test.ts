/**
 * A browser event that a feature declares in feature.json wakes the
 * suspended event page and reaches the feature: the background registers its
 * listener at top level, restores the installed features, then dispatches.
 * Uses the tab-tally fixture feature (test/e2e/fixtures/features).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { TabEvent } from './fixtures/features/tab-tally/index';
import { buildAddon } from './helpers/build-addon';
import { launchFirefox } from './helpers/firefox';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback-server';
import { openQaPanel, readFeatureRow, sleep, waitFor } from './helpers/qa-panel';
import { makePayload, makeTestKey, reviewedEntries, signPayload } from './helpers/signed-manifests';

const ADDON_UUID = '7e2a9c41-1b3d-4e5f-a6b7-c8d9e0f1a2b3';
const IDLE_TIMEOUT_MS = 1000;

describe('declared events wake the suspended event page and reach the feature', function () {
  this.timeout(180_000);

  let work: string;
  let server: LoopbackServer;
  let browser: Browser;
  let panel: Page;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-events-'));
    server = await startLoopbackServer();
    const key = await makeTestKey(join(work, 'keys'), 'e2e-events-key');
    const addon = await buildAddon({
      outDir: join(work, 'dist'),
      origin: server.origin,
      publicKeysDir: join(work, 'keys'),
      featuresDir: join(__dirname, 'fixtures', 'features'),
    });
    server.setManifest(await signPayload(makePayload(1, reviewedEntries(addon.lock, ['tab-tally'])), key));
    browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID, idleTimeoutMs: IDLE_TIMEOUT_MS });
    await browser.installExtension(addon.extensionDir);
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('delivers tabs.onCreated, fired while the page slept, to the feature in the page life it woke', async function () {
    await openQaPanel(panel, ADDON_UUID);
    await waitFor(async () => (await readFeatureRow(panel, 'tab-tally'))?.state === 'installed', 20_000, 'tab-tally installed');
    await panel.goto('about:blank');
    const idleSince = Date.now();
    await sleep(5 * IDLE_TIMEOUT_MS); // nothing talks to the add-on: Firefox suspends its event page

    const tab = await browser.newPage(); // tabs.onCreated: the only thing that can wake the page now
    await sleep(2000);
    await tab.goto(`${server.origin}/short.html`, { waitUntil: 'load' });
    const shown = await tab.waitForSelector('#tab-tally', { timeout: 15_000 });
    const events = JSON.parse((await shown!.evaluate((node) => node.textContent)) ?? '[]') as TabEvent[];

    assert.ok(events.length >= 1, 'the feature heard of the new tab');
    const first = events[0]!;
    assert.ok(
      first.lifeStartedAt > idleSince + IDLE_TIMEOUT_MS,
      `the event was handled by a page life that began after the page went idle (life began ${first.lifeStartedAt - idleSince} ms after idling started)`,
    );
  });
});
