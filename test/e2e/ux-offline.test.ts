/**
 * Calm when offline: the real beta server process goes away and comes back
 * while QA has the panel open. An unreachable server is said once, with when
 * it was last reached; the terms and the sign-up form come back within
 * seconds of the server, and so does the manifest check.
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
import { openAddonPage, readFeatureRow, readHostStatus, refreshManifest } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor } from './helpers/waits';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ADDON_UUID = '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
const ADMIN_TOKEN = 'e2e-offline-admin-token-0123456789';
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

/** The beta server process on a fixed port; resolves once it listens. */
function startBetaServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on http://')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the beta server exited with ${code}: ${output}`)));
  });
}

async function stopBetaServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

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
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  let addon: BuiltAddon;
  let browser: Browser;
  let panel: Page;

  before(async function () {
    this.timeout(SETUP_MS);
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-offline-'));
    const keysDir = join(work, 'keys');
    await generateKeyPair({ outDir: keysDir, keyId: 'e2e-offline' });
    const port = await findFreePort();
    env = { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(work, 'data'), PUBLIC_KEYS: keysDir, ADMIN_TOKEN };
    server = await startBetaServer(env);
    const origin = `http://127.0.0.1:${port}`;
    addon = await buildAddon({ outDir: join(work, 'dist'), origin, publicKeysDir: keysDir });

    const feature = addon.lock.features.find((candidate) => candidate.id === 'reading-time')!;
    const by = (reviewer: string, reference: string) => ({ reviewer, date: '2026-11-20', reference, version: feature.version, sha256: feature.sha256, files: feature.files });
    const release = { features: [{ id: feature.id, version: feature.version, rollout: 100, signOffs: { security: by('sec@example.org', 'SEC-1'), privacy: by('priv@example.org', 'PRIV-1'), technical: by('tech@example.org', 'TECH-1') } }] };
    writeFileSync(join(work, 'release.json'), JSON.stringify(release));
    const privateKey = readdirSync(keysDir).find((name) => name.endsWith('.private.pem'))!;
    await run(process.execPath, ['--import', 'tsx', join(ROOT, 'build', 'publish.ts'), '--release', join(work, 'release.json'), '--key', join(keysDir, privateKey), '--lock', join(work, 'dist', 'features.lock.json'), '--out', join(work, 'manifest.signed.json'), '--server', origin], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN } });

    browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID });
    await browser.installExtension(addon.extensionDir);
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await stopBetaServer(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

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
    mkdirSync(SCREENSHOTS, { recursive: true });
    await panel.screenshot({ path: join(SCREENSHOTS, 'qa-panel-offline.png') });
  });

  it('opens sign-up again and clears the line within seconds of the server coming back', async function () {
    const checkedBefore = (await readHostStatus(panel)).manifest.checkedAt;
    server = await startBetaServer(env);
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
