/**
 * The whole channel, every part real: the beta server process on SQLite, a
 * release signed and uploaded by the publish tool, the built add-on in
 * Firefox ESR. The account-gated page-notes feature stays off until the user
 * creates a beta account in the QA panel and allows what it sends (Firefox's
 * data-collection consent), then shows a note kept by the beta notes service;
 * withdrawing the consent uninstalls it, signing out turns it off again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { ServiceLockFile } from '../../protocol/service-schema';
import { makeRelease } from '../helpers/manifests';
import { BETA_USER, type BetaChannel, E2E_ADMIN_TOKEN, startBetaChannel, stopBetaChannel } from './helpers/beta-server';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback-server';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { openAddonPage, openQaPanel, readFeatureRow, readHostStatus, waitForFeatureRow, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor, waitUntil, WAIT_MS } from './helpers/waits';

const ROOT = join(__dirname, '..', '..');
const ADDON_UUID = '0d4f1c2b-3a5e-4f60-8b7c-9d0e1f2a3b4c';

describe('the whole channel: real beta server, publish tool, add-on and account gate', function () {
  this.timeout(TEST_MS);

  let channel: BetaChannel | undefined;
  let origin: string;
  let pages: LoopbackServer;
  let browser: Browser;
  let panel: Page;

  /** Signs the beta user in straight at the server, as another device would. */
  function signInOverHttp(): Promise<Response> {
    return fetch(`${origin}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: BETA_USER.email, password: BETA_USER.password }),
    });
  }

  before(async function () {
    this.timeout(SETUP_MS);
    pages = await startLoopbackServer();
    channel = await startBetaChannel({
      name: 'full',
      addonUuid: ADDON_UUID,
      adminToken: E2E_ADMIN_TOKEN,
      // The server runs the notes service only while the signed manifest deploys it, reviewed for its folder hash.
      release: (lock, work) => makeRelease(lock, { services: (JSON.parse(readFileSync(join(work, 'dist', 'services.lock.json'), 'utf8')) as ServiceLockFile).services }),
      // Grants what the add-on asks for without a doorhanger no test can click.
      extraPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
    ({ origin, browser, panel } = channel);
  });

  after(async function () {
    await stopBetaChannel(channel);
    await pages?.close();
  });

  keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

  it('builds chunks whose hashes match the sign-offs in release/example.json, so the example publishes as it is', async function () {
    const stdout = await channel!.publish(join(ROOT, 'release', 'example.json'), join(channel!.work, 'example.signed.json'));
    assert.match(stdout, /reading-time@1\.0\.0/);
    assert.doesNotMatch(stdout, /UNREVIEWED/);
  });

  it('installs reading-time for everyone, and keeps page-notes off until the user has a beta account', async function () {
    await openQaPanel(panel, ADDON_UUID, 'reading-time');
    await waitForFeatureState(panel, 'reading-time', 'installed');
    const notes = await readFeatureRow(panel, 'page-notes');
    assert.notEqual(notes?.state, 'installed');
    assert.match(notes?.reason ?? '', /account/i, `the panel says why page-notes is off: ${notes?.reason}`);
  });

  it('creates a beta account under the beta terms in the QA panel; page-notes then waits for consent to what it sends', async function () {
    await panel.type('[data-testid="sign-up-email"]', BETA_USER.email);
    await panel.type('[data-testid="sign-up-password"]', BETA_USER.password);
    await panel.click('[data-testid="accept-terms-checkbox"]');
    await panel.waitForSelector('[data-testid="sign-up-submit"]:not([disabled])');
    await panel.click('[data-testid="sign-up-submit"]');
    await panel.waitForSelector('[data-testid="account-signed-in"]:not([hidden])');
    assert.equal(await panel.$eval('[data-testid="account-email"]', (node) => node.textContent), BETA_USER.email);
    // Firefox 140+: page-notes declares "browsingActivity" and "websiteContent", optional until the user allows them.
    const notes = await waitForFeatureRow(panel, 'page-notes', (row) => /consent/.test(row.reason), 'page-notes to wait for consent');
    assert.notEqual(notes.state, 'installed');
    assert.match(notes.reason, /^Waits for your consent to send browsing activity and website content \(Firefox data collection/);
    const row = 'tr[data-feature-id="page-notes"]';
    assert.equal(await panel.$eval(`${row} [data-testid="grant-consent"]`, (node) => (node as HTMLElement).hidden), false, 'the panel offers the grant');
    assert.equal((await readHostStatus(panel)).dataConsentSource, 'firefox');
  });

  it('installs page-notes once the user allows what it sends with the QA panel’s button', async function () {
    // A real click: Firefox takes permissions.request only from a user's action.
    await panel.click('tr[data-feature-id="page-notes"] [data-testid="grant-consent"]');
    await waitForFeatureState(panel, 'page-notes', 'installed');
    const granted = await panel.evaluate(async () => {
      const api = (globalThis as unknown as { browser: { permissions: { getAll(): Promise<{ data_collection?: string[] }> } } }).browser;
      return (await api.permissions.getAll()).data_collection ?? null;
    });
    assert.deepEqual([...(granted ?? [])].sort(), ['browsingActivity', 'websiteContent'], 'Firefox holds the grant, and only it');
  });

  it('shows the note that the beta notes service keeps for this account on the page', async function () {
    const pageUrl = `${pages.origin}/article.html`;
    const session = await signInOverHttp();
    assert.equal(session.status, 201);
    const { token } = (await session.json()) as { token: string };
    const saved = await fetch(`${origin}/v1/services/notes/`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ url: pageUrl, text: 'Remember to compare rollout buckets.' }),
    });
    assert.ok(saved.ok, `the notes service saved the note (${saved.status})`);

    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(pageUrl, { waitUntil: 'load' });
    const note = await page.waitForSelector('#sbc-page-notes-panel');
    assert.match((await note!.evaluate((node) => node.textContent)) ?? '', /Remember to compare rollout buckets\./);
    await page.close();
  });

  it('counts usage once the user allows it, and takes feedback from the popup; both reach the adoption report', async function () {
    // Firefox's built-in consent: counters are declared as optional "technical and interaction data".
    assert.equal(await panel.$eval('[data-testid="telemetry"]', (node) => (node as HTMLInputElement).checked), false);
    await panel.click('[data-testid="telemetry"]');
    await waitFor(async () => (await readHostStatus(panel)).telemetryEnabled === true, 'usage counters allowed');
    const article = await browser.newPage();
    article.setDefaultTimeout(WAIT_MS);
    await article.goto(`${pages.origin}/article.html`, { waitUntil: 'load' });
    await article.waitForSelector('#sbc-reading-time-badge');
    await article.waitForSelector('#sbc-page-notes-panel');
    await article.close();

    await panel.click('[data-testid="send-telemetry"]');
    await waitUntil(
      () => panel.$eval('[data-testid="send-telemetry-result"]', (node) => node.textContent ?? ''),
      (sendResult) => /^Sent \d+ usage batch/.test(sendResult),
      'the panel to say the usage was sent',
    );

    const popup = await browser.newPage();
    popup.setDefaultTimeout(WAIT_MS);
    const item = 'li[data-feature-id="reading-time"]';
    await openAddonPage(popup, ADDON_UUID, 'ui/popup.html', `${item} [data-testid="feedback"]`);
    await popup.click(`${item} [data-testid="feedback"] summary`);
    await popup.click(`${item} [data-testid="rating-4"]`);
    await popup.type(`${item} [data-testid="feedback-comment"]`, 'Handy on long reads.');
    await popup.click(`${item} [data-testid="feedback-submit"]`);
    await popup.waitForSelector(`${item} [data-testid="feedback-result"]:not([hidden])`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await popup.screenshot({ path: join(RESULTS_DIR, 'popup-feedback.png') });
    await popup.close();

    type Row = { featureId: string; installs: number; events: Record<string, number>; feedbackCount: number; meanRating: number | null };
    const rows = await waitUntil(
      async () => {
        const response = await fetch(`${origin}/v1/admin/report`, { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
        return ((await response.json()) as { features: Row[] }).features;
      },
      (features) => features.find((row) => row.featureId === 'reading-time')?.feedbackCount === 1,
      'the feedback in the adoption report',
    );
    const readingTime = rows.find((row) => row.featureId === 'reading-time')!;
    assert.equal(readingTime.installs, 1);
    assert.ok((readingTime.events['badge-shown'] ?? 0) >= 1, `badge-shown counted: ${JSON.stringify(readingTime.events)}`);
    assert.equal(readingTime.meanRating, 4);
    const notes = rows.find((row) => row.featureId === 'page-notes');
    assert.ok((notes?.events['note-shown'] ?? 0) >= 1, `note-shown counted: ${JSON.stringify(notes?.events)}`);
  });

  it('uninstalls page-notes when the consent is withdrawn in Firefox, and installs it again when it is given back in the popup', async function () {
    // Withdrawn outside the add-on's pages, as about:addons does: only permissions.onRemoved tells the background.
    await panel.evaluate(async () => {
      const api = (globalThis as unknown as { browser: { permissions: { remove(p: { data_collection: string[] }): Promise<boolean> } } }).browser;
      await api.permissions.remove({ data_collection: ['browsingActivity'] });
    });
    const status = await waitUntil(
      async () => (await readHostStatus(panel)).features.find((feature) => feature.id === 'page-notes'),
      (feature) => feature?.reasonCode === 'needs-consent' && feature.state === 'not-installed',
      'page-notes uninstalled for want of consent',
    );
    assert.deepEqual(status?.missingConsent, ['browsingActivity']);
    const scripts = await panel.evaluate(async () => {
      const api = (globalThis as unknown as { browser: { scripting: { getRegisteredContentScripts(): Promise<Array<{ id: string }>> } } }).browser;
      return (await api.scripting.getRegisteredContentScripts()).map((script) => script.id).sort();
    });
    assert.ok(scripts.some((id) => id.startsWith('sbc:reading-time:')), `reading-time keeps its content script: ${scripts.join(', ')}`);
    assert.ok(!scripts.some((id) => id.startsWith('sbc:page-notes:')), `page-notes' content script is gone: ${scripts.join(', ')}`);

    const popup = await browser.newPage();
    const grant = 'li[data-feature-id="page-notes"] [data-testid="grant-consent"]';
    await openAddonPage(popup, ADDON_UUID, 'ui/popup.html', `${grant}:not([hidden])`);
    const note = await popup.$eval('li[data-feature-id="page-notes"] [data-testid="note"]', (node) => node.textContent ?? '');
    assert.match(note, /Not installed until you allow browsing activity/, 'the popup says what is missing');
    await popup.click(grant);
    await waitFor(
      async () => (await readHostStatus(popup)).features.find((feature) => feature.id === 'page-notes')?.state === 'installed',
      'page-notes installed again from the popup',
    );
    await popup.close();
    await panel.bringToFront();
    await waitForFeatureState(panel, 'page-notes', 'installed');
  });

  it('turns page-notes off again when the user signs out, keeping reading-time', async function () {
    await panel.click('[data-testid="sign-out"]');
    await panel.waitForSelector('[data-testid="sign-in-form"]:not([hidden])');
    await waitForFeatureState(panel, 'page-notes', 'disabled');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
  });

  it('deletes the beta account from the panel: the server erases it and its sessions stop working', async function () {
    await panel.type('[data-testid="sign-in-email"]', BETA_USER.email);
    await panel.type('[data-testid="sign-in-password"]', BETA_USER.password);
    await panel.click('[data-testid="sign-in-submit"]');
    await panel.waitForSelector('[data-testid="account-signed-in"]:not([hidden])');
    const other = await signInOverHttp();
    const { token } = (await other.json()) as { token: string };

    panel.once('dialog', (dialog) => void dialog.accept());
    await panel.click('[data-testid="delete-account"]');
    await panel.waitForSelector('[data-testid="sign-in-form"]:not([hidden])');
    const account = await fetch(`${origin}/v1/account`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(account.status, 401, 'every session of the deleted account stops working at once');
    const signIn = await signInOverHttp();
    assert.equal(signIn.status, 401, 'the account is gone');
  });
});
