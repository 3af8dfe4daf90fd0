/**
 * Reads and drives the QA panel (the add-on's options page) in a real
 * Firefox, the way QA does from about:addons.
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import type { HostStatus } from '../../../extension/messages';
import { waitUntil, WAIT_MS } from './waits';

/**
 * Opens one of the add-on's own pages and waits until it shows `selector`.
 * Firefox navigates a background tab to a moz-extension:// page only once it
 * is brought to the front. Over BiDi the load event of such a page may never
 * arrive, so navigation is started, not awaited; and while the document is
 * replaced an evaluation can fail (puppeteer's waitForSelector gives up
 * then), so the page is read until it shows what it should.
 */
export async function openAddonPage(page: Page, addonUuid: string, path: string, selector: string, timeoutMs = WAIT_MS): Promise<ElementHandle> {
  await page.bringToFront();
  void page.goto(`moz-extension://${addonUuid}/${path}`, { timeout: 0 }).catch(() => undefined);
  const found = await waitUntil(() => page.$(selector), (handle) => handle !== null, `${path} to show ${selector}`, timeoutMs);
  return found!;
}

const FEATURE_ROWS = '[data-testid="features"] tr[data-feature-id]';

/** Opens the QA panel and waits until it lists `featureId` (it lists every feature the build has). */
export async function openQaPanel(page: Page, addonUuid: string, featureId: string): Promise<FeatureRow> {
  await openAddonPage(page, addonUuid, 'ui/options.html', FEATURE_ROWS);
  return waitForFeatureRow(page, featureId, () => true, `the QA panel to list ${featureId}`);
}

export interface FeatureRow {
  /** The state code, from the state cell's class (e.g. "installed", "not-installed", "failed"). */
  state: string;
  stateLabel: string;
  reason: string;
  error: string;
  /** The beta server's halt on the feature, as the row says it; empty without one. */
  halt: string;
}

export async function readFeatureRow(page: Page, featureId: string): Promise<FeatureRow | null> {
  return page.evaluate((id) => {
    const row = document.querySelector(`[data-testid="features"] tr[data-feature-id="${id}"]`);
    if (!row) return null;
    const cell = row.querySelector('[data-testid="state"]');
    const stateClass = [...(cell?.classList ?? [])].find((name) => name.startsWith('state-')) ?? '';
    return {
      state: stateClass.slice('state-'.length),
      stateLabel: cell?.textContent ?? '',
      reason: row.querySelector('[data-testid="reason"]')?.textContent ?? '',
      error: row.querySelector('[data-testid="error"]')?.textContent ?? '',
      halt: row.querySelector('[data-testid="halt"]:not([hidden])')?.textContent ?? '',
    };
  }, featureId);
}

/** Waits until the panel's row for `featureId` is as expected; a timeout says what the row showed instead. */
export async function waitForFeatureRow(
  page: Page,
  featureId: string,
  holds: (row: FeatureRow) => boolean,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<FeatureRow> {
  const row = await waitUntil(() => readFeatureRow(page, featureId), (seen) => seen !== null && holds(seen), what, timeoutMs);
  return row!;
}

/** Waits until the panel shows `featureId` in `state` (installed, not-installed, disabled…). */
export function waitForFeatureState(page: Page, featureId: string, state: string): Promise<FeatureRow> {
  return waitForFeatureRow(page, featureId, (row) => row.state === state, `${featureId} to show as ${state} in the QA panel`);
}

export interface PanelStatus {
  serial: string;
  manifestError: string;
  /** When the background page last started, from the host's own status answer. */
  startedAt: string | null;
}

/** The host's own status answer, as the add-on's pages receive it. */
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
  await page.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: WAIT_MS });
  await page.click('[data-testid="refresh"]');
  await page.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: WAIT_MS });
}
