/**
 * Reads and drives the QA panel (the add-on's options page) in a real
 * Firefox, the way QA does from about:addons.
 */
import type { Page } from 'puppeteer-core';
import type { HostStatus } from '../../../extension/messages';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails naming what was awaited. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/**
 * Opens the QA panel. Over BiDi the load event of a moz-extension:// page
 * may never arrive, so navigation is started, not awaited, and the test waits
 * for the panel's table instead.
 */
export async function openQaPanel(page: Page, addonUuid: string): Promise<void> {
  void page.goto(`moz-extension://${addonUuid}/ui/options.html`).catch(() => undefined);
  await page.waitForSelector('[data-testid="features"] tr[data-feature-id]', { timeout: 20_000 });
}

export interface FeatureRow {
  /** The state code, from the state cell's class (e.g. "installed", "not-installed", "failed"). */
  state: string;
  stateLabel: string;
  reason: string;
  error: string;
}

export async function readFeatureRow(page: Page, featureId: string): Promise<FeatureRow | null> {
  return page.evaluate((id) => {
    const row = document.querySelector(`tr[data-feature-id="${id}"]`);
    if (!row) return null;
    const cell = row.querySelector('[data-testid="state"]');
    const stateClass = [...(cell?.classList ?? [])].find((name) => name.startsWith('state-')) ?? '';
    return {
      state: stateClass.slice('state-'.length),
      stateLabel: cell?.textContent ?? '',
      reason: row.querySelector('[data-testid="reason"]')?.textContent ?? '',
      error: row.querySelector('[data-testid="error"]')?.textContent ?? '',
    };
  }, featureId);
}

export interface PanelStatus {
  serial: string;
  manifestError: string;
  /** When the background page last started, from the host's own status answer. */
  startedAt: string | null;
}

/** The host's own status answer, as the panel receives it. */
export async function readHostStatus(page: Page): Promise<HostStatus> {
  return page.evaluate(async () => {
    const api = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser;
    return (await api.runtime.sendMessage({ type: 'sbc:status' })) as HostStatus;
  });
}

export async function readStatus(page: Page): Promise<PanelStatus> {
  const status = await readHostStatus(page);
  const panel = await page.evaluate(() => {
    const error = document.querySelector<HTMLElement>('[data-testid="manifest-error"]');
    return {
      serial: document.querySelector('[data-testid="manifest-serial"]')?.textContent?.trim() ?? '',
      manifestError: error && !error.hidden ? (error.textContent ?? '') : '',
    };
  });
  return { ...panel, startedAt: status.startedAt ?? null };
}

/** Clicks "Refresh manifest now" and waits until the panel has the answer. */
export async function refreshManifest(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: 10_000 });
  await page.click('[data-testid="refresh"]');
  await page.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: 30_000 });
}

/**
 * Opens about:addons on the add-on's Preferences tab, as QA do, and returns
 * the address the embedded options browser shows.
 */
export async function openPreferencesInAboutAddons(page: Page, addonId: string): Promise<string | null> {
  void page.goto('about:addons').catch(() => undefined);
  // The privileged page replaces the tab's frame on load: poll instead of waiting on one frame.
  await waitFor(
    async () =>
      page.evaluate(async (id) => {
        const view = (window as unknown as { gViewController?: { loadView(view: string): Promise<void> } }).gViewController;
        if (!view) return false;
        await view.loadView(`addons://detail/${encodeURIComponent(id)}/preferences`);
        return true;
      }, addonId),
    20_000,
    'about:addons to load',
  );
  let shown: string | null = null;
  await waitFor(
    async () => {
      shown = await page.evaluate(() => {
        const browser = document.querySelector('inline-options-browser browser') as unknown as { currentURI?: { spec: string } } | null;
        return browser?.currentURI?.spec ?? null;
      });
      return shown !== null && shown !== 'about:blank';
    },
    20_000,
    'the options page inside about:addons',
  );
  return shown;
}
