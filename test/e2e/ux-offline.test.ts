/**
 * Calm when offline: the real beta server process goes away and comes back
 * while QA has the panel open. An unreachable server is said once, with when
 * it was last reached; the terms and the sign-up form come back within
 * seconds of the server, and so does the manifest check.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { generateKeyPair } from '../../build/keys';
import { findFreePort } from '../helpers/free-port';
import { makeRelease } from '../helpers/manifests';
import type { RunningProcess } from '../helpers/server-process';
import { publishRelease, startBetaServer, stopBetaServer, type BetaServerOptions } from './helpers/beta-server';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { launchFirefox } from './helpers/firefox';
import { openAddonPage, readFeatureRow, readHostStatus, refreshManifest } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor } from './helpers/waits';

const ADDON_UUID = '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
const ADMIN_TOKEN = 'e2e-offline-admin-token-0123456789';

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

  let work: string;
  let server: RunningProcess | undefined;
  let serverOptions: BetaServerOptions;
  let addon: BuiltAddon;
  let browser: Browser;
  let panel: Page;

  before(async function () {
    this.timeout(SETUP_MS);
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-offline-'));
    const keysDir = join(work, 'keys');
    await generateKeyPair({ outDir: keysDir, keyId: 'e2e-offline' });
    const port = await findFreePort();
    serverOptions = { port, dataDir: join(work, 'data'), keysDir, adminToken: ADMIN_TOKEN };
    server = await startBetaServer(serverOptions);
    const origin = `http://127.0.0.1:${port}`;
    addon = await buildAddon({ outDir: join(work, 'dist'), origin, publicKeysDir: keysDir });
    const release = makeRelease(addon.lock, { features: ['reading-time'] });
    await publishRelease({ release, keysDir, lockPath: join(work, 'dist', 'features.lock.json'), out: join(work, 'manifest.signed.json'), server: origin, adminToken: ADMIN_TOKEN });

    browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID });
    await browser.installExtension(addon.extensionDir);
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await stopBetaServer(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

  it('shows no status line and an open sign-up form while the server answers', async function () {
    await openAddonPage(panel, ADDON_UUID, 'ui/options.html', '[data-testid="features"] tr[data-feature-id]');
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 'reading-time installed');
    await waitFor(async () => (await readPanel(panel)).signUpEnabled, 'sign-up open');
    assert.deepEqual(await readPanel(panel), { serverLine: null, visibleErrors: [], termsWaiting: false, signUpEnabled: true });
  });

  it('says once, with when it was last reached, that the server cannot be reached', async function () {
    await stopBetaServer(server);
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
    server = await startBetaServer(serverOptions);
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
