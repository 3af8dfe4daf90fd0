/**
 * The whole channel, every part real: the beta server process on SQLite, a
 * release signed and uploaded by the publish tool, the built add-on in
 * Firefox ESR. The account-gated page-notes feature stays off until the user
 * creates a beta account in the QA panel, then shows a note kept by the
 * beta notes service; signing out turns it off again.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'puppeteer-core';
import { generateKeyPair } from '../../build/keys';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { launchFirefox } from './helpers/firefox';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback-server';
import { openQaPanel, readFeatureRow, readHostStatus, waitFor } from './helpers/qa-panel';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ADDON_UUID = '0d4f1c2b-3a5e-4f60-8b7c-9d0e1f2a3b4c';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const EMAIL = 'beta.user@example.org';
const PASSWORD = 'correct horse battery staple';
const SCREENSHOTS = join(ROOT, 'test-results');

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function startBetaServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; origin: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, origin: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the beta server exited with ${code}: ${output}`)));
  });
}

describe('the whole channel: real beta server, publish tool, add-on and account gate', function () {
  this.timeout(180_000);

  let work: string;
  let server: ChildProcess;
  let origin: string;
  let pages: LoopbackServer;
  let addon: BuiltAddon;
  let browser: Browser;
  let panel: Page;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-full-'));
    const keysDir = join(work, 'keys');
    await generateKeyPair({ outDir: keysDir, keyId: 'e2e-channel' });
    const port = await findFreePort();
    ({ child: server, origin } = await startBetaServer({
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: join(work, 'data'),
      PUBLIC_KEYS: keysDir,
      ADMIN_TOKEN,
    }));
    pages = await startLoopbackServer();
    addon = await buildAddon({ outDir: join(work, 'dist'), origin, publicKeysDir: keysDir });

    const signOffs = (sha256: string, version: string, files: Array<{ path: string; sha256: string }>) => {
      const by = (reviewer: string, reference: string) => ({ reviewer, date: '2026-11-20', reference, version, sha256, files });
      return { security: by('sec@example.org', 'SEC-9'), privacy: by('priv@example.org', 'PRIV-9'), technical: by('tech@example.org', 'TECH-9') };
    };
    const release = {
      features: addon.lock.features.map((feature) => ({
        id: feature.id,
        version: feature.version,
        rollout: 100,
        signOffs: signOffs(feature.sha256, feature.version, feature.files),
      })),
    };
    writeFileSync(join(work, 'release.json'), JSON.stringify(release, null, 2));
    const privateKey = readdirSync(keysDir).find((name) => name.endsWith('.private.pem'))!;
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'build', 'publish.ts'),
        '--release',
        join(work, 'release.json'),
        '--key',
        join(keysDir, privateKey),
        '--lock',
        join(work, 'dist', 'features.lock.json'),
        '--out',
        join(work, 'manifest.signed.json'),
        '--server',
        origin,
      ],
      { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN } },
    );

    browser = await launchFirefox({
      addonId: addon.addonId,
      addonUuid: ADDON_UUID,
      // Grants what the add-on asks for without a doorhanger no test can click.
      extraPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
    await browser.installExtension(addon.extensionDir);
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await pages?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds chunks whose hashes match the sign-offs in release/example.json, so the example publishes as it is', async function () {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'build', 'publish.ts'),
        '--release',
        join(ROOT, 'release', 'example.json'),
        '--key',
        join(work, 'keys', readdirSync(join(work, 'keys')).find((name) => name.endsWith('.private.pem'))!),
        '--lock',
        join(work, 'dist', 'features.lock.json'),
        '--out',
        join(work, 'example.signed.json'),
      ],
      { cwd: ROOT },
    );
    assert.match(stdout, /reading-time@1\.0\.0/);
    assert.doesNotMatch(stdout, /UNREVIEWED/);
  });

  it('installs reading-time for everyone, and keeps page-notes off until the user has a beta account', async function () {
    await openQaPanel(panel, ADDON_UUID);
    await waitFor(async () => (await readFeatureRow(panel, 'reading-time'))?.state === 'installed', 20_000, 'reading-time installed');
    const notes = await readFeatureRow(panel, 'page-notes');
    assert.notEqual(notes?.state, 'installed');
    assert.match(notes?.reason ?? '', /account/i, `the panel says why page-notes is off: ${notes?.reason}`);
  });

  it('creates a beta account under the beta terms in the QA panel, which installs page-notes', async function () {
    await panel.type('[data-testid="sign-up-email"]', EMAIL);
    await panel.type('[data-testid="sign-up-password"]', PASSWORD);
    await panel.click('[data-testid="accept-terms-checkbox"]');
    await panel.waitForSelector('[data-testid="sign-up-submit"]:not([disabled])', { timeout: 10_000 });
    await panel.click('[data-testid="sign-up-submit"]');
    await panel.waitForSelector('[data-testid="account-signed-in"]:not([hidden])', { timeout: 15_000 });
    assert.equal(await panel.$eval('[data-testid="account-email"]', (node) => node.textContent), EMAIL);
    await waitFor(async () => (await readFeatureRow(panel, 'page-notes'))?.state === 'installed', 20_000, 'page-notes installed');
  });

  it('shows the note that the beta notes service keeps for this account on the page', async function () {
    const pageUrl = `${pages.origin}/article.html`;
    const session = await fetch(`${origin}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    assert.equal(session.status, 201);
    const { token } = (await session.json()) as { token: string };
    const saved = await fetch(`${origin}/v1/services/notes/`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ url: pageUrl, text: 'Remember to compare rollout buckets.' }),
    });
    assert.ok(saved.ok, `the notes service saved the note (${saved.status})`);

    const page = await browser.newPage();
    await page.goto(pageUrl, { waitUntil: 'load' });
    const note = await page.waitForSelector('#sbc-page-notes-panel', { timeout: 15_000 });
    assert.match((await note!.evaluate((node) => node.textContent)) ?? '', /Remember to compare rollout buckets\./);
    await page.close();
  });

  it('counts usage once the user allows it, and takes feedback from the popup; both reach the adoption report', async function () {
    // Firefox's built-in consent: counters are declared as optional "technical and interaction data".
    assert.equal(await panel.$eval('[data-testid="telemetry"]', (node) => (node as HTMLInputElement).checked), false);
    await panel.click('[data-testid="telemetry"]');
    await waitFor(async () => (await readHostStatus(panel)).telemetryEnabled === true, 10_000, 'usage counters allowed');
    const article = await browser.newPage();
    await article.goto(`${pages.origin}/article.html`, { waitUntil: 'load' });
    await article.waitForSelector('#sbc-reading-time-badge', { timeout: 15_000 });
    await article.waitForSelector('#sbc-page-notes-panel', { timeout: 15_000 });
    await article.close();

    await panel.click('[data-testid="send-telemetry"]');
    let sendResult = '';
    await waitFor(
      async () => {
        sendResult = await panel.$eval('[data-testid="send-telemetry-result"]', (node) => node.textContent ?? '');
        return /^Sent \d+ usage batch/.test(sendResult);
      },
      15_000,
      'usage sent',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the panel said: "${sendResult}"`);
    });

    const popup = await browser.newPage();
    void popup.goto(`moz-extension://${ADDON_UUID}/ui/popup.html`).catch(() => undefined);
    const item = 'li[data-feature-id="reading-time"]';
    await popup.waitForSelector(`${item} [data-testid="feedback"]`, { timeout: 15_000 });
    await popup.click(`${item} [data-testid="feedback"] summary`);
    await popup.click(`${item} [data-testid="rating-4"]`);
    await popup.type(`${item} [data-testid="feedback-comment"]`, 'Handy on long reads.');
    await popup.click(`${item} [data-testid="feedback-submit"]`);
    await popup.waitForSelector(`${item} [data-testid="feedback-result"]:not([hidden])`, { timeout: 10_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await popup.screenshot({ path: join(SCREENSHOTS, 'popup-feedback.png') });
    await popup.close();

    type Row = { featureId: string; installs: number; events: Record<string, number>; feedbackCount: number; meanRating: number | null };
    let rows: Row[] = [];
    await waitFor(
      async () => {
        const response = await fetch(`${origin}/v1/admin/report`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        rows = ((await response.json()) as { features: Row[] }).features;
        return rows.find((row) => row.featureId === 'reading-time')?.feedbackCount === 1;
      },
      15_000,
      'feedback in the report',
    );
    const readingTime = rows.find((row) => row.featureId === 'reading-time')!;
    assert.equal(readingTime.installs, 1);
    assert.ok((readingTime.events['badge-shown'] ?? 0) >= 1, `badge-shown counted: ${JSON.stringify(readingTime.events)}`);
    assert.equal(readingTime.meanRating, 4);
    const notes = rows.find((row) => row.featureId === 'page-notes');
    assert.ok((notes?.events['note-shown'] ?? 0) >= 1, `note-shown counted: ${JSON.stringify(notes?.events)}`);
  });

  it('turns page-notes off again when the user signs out, keeping reading-time', async function () {
    await panel.click('[data-testid="sign-out"]');
    await panel.waitForSelector('[data-testid="sign-in-form"]:not([hidden])', { timeout: 15_000 });
    await waitFor(async () => (await readFeatureRow(panel, 'page-notes'))?.state === 'disabled', 15_000, 'page-notes disabled, its data kept');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
  });

  it('deletes the beta account from the panel: the server erases it and its sessions stop working', async function () {
    await panel.type('[data-testid="sign-in-email"]', EMAIL);
    await panel.type('[data-testid="sign-in-password"]', PASSWORD);
    await panel.click('[data-testid="sign-in-submit"]');
    await panel.waitForSelector('[data-testid="account-signed-in"]:not([hidden])', { timeout: 15_000 });
    const other = await fetch(`${origin}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    const { token } = (await other.json()) as { token: string };

    panel.once('dialog', (dialog) => void dialog.accept());
    await panel.click('[data-testid="delete-account"]');
    await panel.waitForSelector('[data-testid="sign-in-form"]:not([hidden])', { timeout: 15_000 });
    const account = await fetch(`${origin}/v1/account`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(account.status, 401, 'every session of the deleted account stops working at once');
    const signIn = await fetch(`${origin}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    assert.equal(signIn.status, 401, 'the account is gone');
  });
});
