/**
 * Calm when offline: the real beta server process goes away and comes back
 * while QA has the panel open. An unreachable server is said once, with when
 * it was last reached; the terms and the sign-up form come back within
 * seconds of the server, and so does the manifest check.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { makeRelease } from '../helpers/manifests';
import { type BetaChannel, E2E_ADMIN_TOKEN, startBetaChannel, startBetaServer, stopBetaChannel, stopBetaServer } from './helpers/beta-server';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { openAddonPage, readFeatureRow, readHostStatus, refreshManifest } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor } from './helpers/waits';

const ADDON_UUID = '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';

interface PanelView {
  serverLine: string | null;
  visibleErrors: string[];
  termsWaiting: boolean;
  signUpEnabled: boolean;
}

function readPanel(page: Page): Promise<PanelView> {
  // No named functions inside: the page cannot see the helpers the TypeScript loader adds for them.
  return page.evaluate(() => {
    const line = document.querySelector<HTMLElement>('[data-testid="server-status"]:not([hidden])');
    return {
      serverLine: line ? (line.textContent ?? '') : null,
      visibleErrors: [...document.querySelectorAll<HTMLElement>('.error')].filter((node) => !node.closest('[hidden]')).map((node) => node.textContent ?? ''),
      termsWaiting: document.querySelector('[data-testid="terms-waiting"]:not([hidden])') !== null,
      signUpEnabled: !(document.querySelector('[data-testid="sign-up-submit"]') as HTMLButtonElement).disabled,
    };
  });
}

describe('the QA panel when the beta server goes away and comes back', function () {
  this.timeout(TEST_MS);

  let channel: BetaChannel | undefined;
  let browser: Browser;
  let panel: Page;

  before(async function () {
    this.timeout(SETUP_MS);
    channel = await startBetaChannel({ name: 'offline', addonUuid: ADDON_UUID, adminToken: E2E_ADMIN_TOKEN, release: (lock) => makeRelease(lock, { features: ['reading-time'] }) });
    ({ browser, panel } = channel);
  });

  after(() => stopBetaChannel(channel));

  keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

  it('shows no status line and an open sign-up form while the server answers', async function () {
    await openAddonPage(panel, ADDON_UUID, 'ui/options.html', '[data-testid="features"] tr[data-feature-id]');
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 'reading-time installed');
    await waitFor(async () => (await readPanel(panel)).signUpEnabled, 'sign-up open');
    assert.deepEqual(await readPanel(panel), { serverLine: null, visibleErrors: [], termsWaiting: false, signUpEnabled: true });
  });

  it('says once, with when it was last reached, that the server cannot be reached', async function () {
    await stopBetaServer(channel!.server);
    await refreshManifest(panel);
    // A fresh panel asks for the status and the terms at once: each failure would once have had its own line.
    await panel.close();
    panel = await browser.newPage();
    await openAddonPage(panel, ADDON_UUID, 'ui/options.html', '[data-testid="features"] tr[data-feature-id]');
    let view: PanelView | null = null;
    await waitFor(async () => (view = await readPanel(panel)).serverLine !== null && view.termsWaiting, 'the status line and the waiting sign-up form');
    assert.match(view!.serverLine!, /^The beta server at http:\/\/127\.0\.0\.1:\d+ cannot be reached\. Last reached: \d{4}-\d\d-\d\d \d\d:\d\d UTC \((just now|\d+ min ago)\)\. Trying again…$/);
    assert.deepEqual(view!.visibleErrors, [], 'no other line repeats the network failure');
    assert.equal(view!.signUpEnabled, false);
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed', 'what is installed stays');
    mkdirSync(RESULTS_DIR, { recursive: true });
    await panel.screenshot({ path: join(RESULTS_DIR, 'qa-panel-offline.png') });
  });

  it('opens sign-up again and clears the line within seconds of the server coming back', async function () {
    const checkedBefore = (await readHostStatus(panel)).manifest.checkedAt;
    channel!.server = await startBetaServer(channel!.serverOptions);
    await waitFor(
      async () => {
        const view = await readPanel(panel);
        return view.serverLine === null && view.signUpEnabled && !view.termsWaiting;
      },
      'sign-up open and no status line within seconds (the old panel waited 30 s to ask again)',
      15_000,
    );
    assert.deepEqual((await readPanel(panel)).visibleErrors, []);
    await waitFor(async () => {
      const manifest = (await readHostStatus(panel)).manifest;
      return manifest.lastError === null && manifest.checkedAt !== checkedBefore;
    }, 'the manifest checked again without waiting for the next poll');
  });
});
