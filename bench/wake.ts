/**
 * `npm run bench` (Firefox part): what a wake costs. A declared event
 * (tabs.onCreated, by opening a tab) wakes the suspended event page; the
 * figure is the time from opening the tab to the feature's listener running,
 * with 2 and with 20 installed features, against the same wake of a minimal
 * add-on whose event page is one top-level listener. Real Firefox (headless),
 * the real build, a real signed manifest; medians, never asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { openAboutAddons, waitForSuspendedEventPage } from '../test/e2e/helpers/about-addons';
import { startAddonSession } from '../test/e2e/helpers/addon-session';
import { launchFirefox } from '../test/e2e/helpers/firefox';
import { startLoopbackServer, type LoopbackServer } from '../test/e2e/helpers/loopback-server';
import { openQaPanel, waitForFeatureState } from '../test/e2e/helpers/qa-panel';
import { runBench } from './run-bench';

const ROOT = join(__dirname, '..');
const IDLE_TIMEOUT_MS = 1000;
const ROUNDS = Number(process.env.BENCH_WAKE_ROUNDS ?? 9);
const PROBE = 'wake-probe';

/** What the probe's listener recorded: when it ran, and when its page life began. */
interface Heard {
  at: number;
  lifeStartedAt: number;
}

/** N features that each listen to tabs.onCreated; the first also has a content script that reads what it heard. */
function writeFeatures(dir: string, count: number): string[] {
  const ids = [PROBE, ...Array.from({ length: count - 1 }, (_, i) => `wake-filler-${String(i + 1).padStart(2, '0')}`)];
  for (const id of ids) {
    const folder = join(dir, id);
    mkdirSync(join(folder, 'content'), { recursive: true });
    const api = relative(folder, join(ROOT, 'extension/runtime/feature-api')).replace(/\\/g, '/');
    const messaging = relative(join(folder, 'content'), join(ROOT, 'extension/runtime/content-messaging')).replace(/\\/g, '/');
    const probe = id === PROBE;
    writeFileSync(
      join(folder, 'feature.json'),
      JSON.stringify({
        id,
        name: `Wake bench ${id}`,
        description: 'Records when it hears of a new tab.',
        version: '1.0.0',
        owners: ['bench@services.example.org'],
        permissions: ['scripting'],
        hostPermissions: probe ? ['http://127.0.0.1/*'] : [],
        events: ['tabs.onCreated'],
        requiresAccount: false,
      }),
    );
    writeFileSync(
      join(folder, 'index.ts'),
      `import { defineFeature } from '${api}';
export default defineFeature({
  async activate(ctx) {
    const lifeStartedAt = Date.now();
    ctx.events.on('tabs.onCreated', () => {
      void ctx.storage.set('heard', { at: Date.now(), lifeStartedAt });
    });
    ${probe ? `ctx.messages.onMessage(async () => (await ctx.storage.get('heard')) ?? null);
    await ctx.contentScripts.register({ id: 'probe', matches: ['http://127.0.0.1/*'], js: ['content/probe.js'] });` : ''}
  },
});
`,
    );
    if (probe) {
      writeFileSync(
        join(folder, 'content', 'probe.ts'),
        `import { sendToFeature } from '${messaging}';
void sendToFeature('${PROBE}', {}).then((heard) => {
  const out = document.createElement('pre');
  out.id = 'wake-probe';
  out.textContent = JSON.stringify(heard);
  document.body.append(out);
});
`,
      );
    }
  }
  return ids;
}

/** The baseline: an event page that is one top-level tabs.onCreated listener, and the same probe. */
function writeMinimalAddon(dir: string): { dir: string; addonId: string } {
  const addonId = 'wake-baseline@services.example.org';
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'Wake baseline',
      version: '1.0.0',
      browser_specific_settings: { gecko: { id: addonId } },
      permissions: ['storage'],
      host_permissions: ['http://127.0.0.1/*'],
      background: { scripts: ['background.js'] },
      content_scripts: [{ matches: ['http://127.0.0.1/*'], js: ['probe.js'] }],
    }),
  );
  writeFileSync(
    join(dir, 'background.js'),
    `const lifeStartedAt = Date.now();
browser.tabs.onCreated.addListener(() => {
  void browser.storage.local.set({ heard: { at: Date.now(), lifeStartedAt } });
});
browser.runtime.onMessage.addListener(async () => (await browser.storage.local.get('heard')).heard ?? null);
`,
  );
  writeFileSync(
    join(dir, 'probe.js'),
    `void browser.runtime.sendMessage({}).then((heard) => {
  const out = document.createElement('pre');
  out.id = 'wake-probe';
  out.textContent = JSON.stringify(heard);
  document.body.append(out);
});
`,
  );
  return { dir, addonId };
}

/**
 * One wake per round: wait until Firefox has suspended the idle event page
 * (as about:addons reports it), open a tab, then read (from the probe page)
 * when the listener ran and in which page life. A round whose listener ran in
 * a life that began before the tab (no suspend happened) is left out.
 */
async function measureWakes(browser: Browser, firefoxView: Page, addonId: string, origin: string): Promise<{ wakes: number[]; skipped: number }> {
  const wakes: number[] = [];
  let skipped = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await waitForSuspendedEventPage(firefoxView, addonId);
    const openedAt = Date.now();
    const tab = await browser.newPage();
    await tab.goto(`${origin}/short.html`, { waitUntil: 'load' });
    const shown = await tab.waitForSelector('#wake-probe', { timeout: 60_000 });
    const heard = JSON.parse((await shown!.evaluate((node) => node.textContent)) ?? 'null') as Heard | null;
    await tab.close();
    if (!heard || heard.at < openedAt || heard.lifeStartedAt < openedAt) skipped++;
    else wakes.push(heard.at - openedAt);
  }
  return { wakes, skipped };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function benchHostWake(count: number): Promise<{ wakes: number[]; skipped: number }> {
  const featuresDir = mkdtempSync(join(tmpdir(), `sbc-bench-features-${count}-`));
  try {
    const ids = writeFeatures(featuresDir, count);
    const session = await startAddonSession({ addonUuid: '5a1d7c3e-0b2f-4c6d-8e9f-a0b1c2d3e4f5', features: ids, featuresDir, idleTimeoutMs: IDLE_TIMEOUT_MS });
    try {
      await openQaPanel(session.panel, session.addonUuid, PROBE);
      for (const id of ids) await waitForFeatureState(session.panel, id, 'installed');
      await session.panel.goto('about:blank');
      return await measureWakes(session.browser, session.firefoxView, session.addon.addonId, session.server.origin);
    } finally {
      await session.close();
    }
  } finally {
    rmSync(featuresDir, { recursive: true, force: true });
  }
}

async function benchBaselineWake(server: LoopbackServer, work: string): Promise<{ wakes: number[]; skipped: number }> {
  const addon = writeMinimalAddon(join(work, 'baseline'));
  const browser = await launchFirefox({ addonId: addon.addonId, addonUuid: '6b2e8d4f-1c3a-4d7e-9fa0-b1c2d3e4f5a6', idleTimeoutMs: IDLE_TIMEOUT_MS });
  try {
    await browser.installExtension(addon.dir);
    const firefoxView = await browser.newPage();
    await openAboutAddons(firefoxView);
    return await measureWakes(browser, firefoxView, addon.addonId, server.origin);
  } finally {
    await browser.close();
  }
}

function report(name: string, result: { wakes: number[]; skipped: number }, baseline: number): void {
  const ms = median(result.wakes);
  const note = result.skipped ? ` (${result.skipped} round(s) without a suspend left out)` : '';
  console.log(
    `${name.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms median of ${result.wakes.length}  baseline ${baseline.toFixed(0).padStart(5)} ms  ratio ${(ms / baseline).toFixed(2)}×${note}`,
  );
}

async function main(): Promise<void> {
  console.log(`Wake of a suspended event page in Firefox (headless): tabs.onCreated to the feature's listener, median of ${ROUNDS} wakes`);
  const work = mkdtempSync(join(tmpdir(), 'sbc-bench-wake-'));
  const server = await startLoopbackServer();
  try {
    const baseline = await benchBaselineWake(server, work);
    const baselineMs = median(baseline.wakes);
    report('empty event page (one top-level listener)', baseline, baselineMs);
    for (const count of [2, 20]) report(`host add-on, ${count} installed features`, await benchHostWake(count), baselineMs);
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
