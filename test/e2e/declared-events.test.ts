/**
 * A browser event that a feature declares in feature.json wakes the
 * suspended event page and reaches the feature: the background registers its
 * listener at top level, restores the installed features, then dispatches.
 * Uses the tab-tally fixture feature (test/e2e/fixtures/features).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Tally } from './fixtures/features/tab-tally/index';
import { waitForSuspendedEventPage } from './helpers/about-addons';
import { useAddonSession } from './helpers/addon-session';
import { openQaPanel, waitForFeatureState } from './helpers/qa-panel';
import { TEST_MS, waitUntil } from './helpers/waits';

const ADDON_UUID = '7e2a9c41-1b3d-4e5f-a6b7-c8d9e0f1a2b3';
const IDLE_TIMEOUT_MS = 1000;

describe('declared events wake the suspended event page and reach the feature', function () {
  this.timeout(TEST_MS);

  const current = useAddonSession({
    addonUuid: ADDON_UUID,
    features: ['tab-tally'],
    featuresDir: join(__dirname, 'fixtures', 'features'),
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  });

  it('delivers tabs.onCreated, fired while the page slept, to the feature in the page life it woke', async function () {
    const { panel, server, addon, firefoxView } = current();
    await openQaPanel(panel, ADDON_UUID, 'tab-tally');
    await waitForFeatureState(panel, 'tab-tally', 'installed');
    await panel.goto('about:blank');
    await waitForSuspendedEventPage(firefoxView, addon.addonId); // nothing talks to the add-on now
    const suspendedBy = Date.now();

    const tab = await current().newTab(); // tabs.onCreated: the only thing that can wake the page now
    await tab.goto(`${server.origin}/short.html`, { waitUntil: 'load' });
    const tally = await waitUntil(
      async () => JSON.parse(await tab.$eval('#tab-tally', (node) => node.textContent || 'null')) as Tally | null,
      (shown) => shown !== null && shown.events.some((event) => event.tabId === shown.tabId),
      'the tab tally to show that the feature heard of its tab',
    );
    const heard = tally!.events.find((event) => event.tabId === tally!.tabId);

    assert.ok(heard, 'the feature heard of the new tab');
    assert.ok(
      heard.lifeStartedAt > suspendedBy,
      `the event was handled by a page life that began after the page was suspended (life began ${heard.lifeStartedAt - suspendedBy} ms after the suspension was seen)`,
    );
  });
});
