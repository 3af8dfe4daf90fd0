/**
 * about:addons, as QA open it, and what Firefox itself knows about the
 * add-on, read from that privileged page (Firefox runs with
 * --remote-allow-system-access): whether its event page runs or is
 * suspended, and which content scripts it has registered.
 */
import type { Page } from 'puppeteer-core';
import { waitFor, waitUntil } from './waits';

interface AboutAddonsWindow {
  promiseInitialized?: Promise<void>;
  gViewController: { loadView(view: string): Promise<void>; currentViewId: string | null };
}

/**
 * Opens about:addons in `page` and waits until it has initialised. A view
 * loaded before that is overwritten by the page's own first view, so nothing
 * may be asked of it earlier.
 */
export async function openAboutAddons(page: Page): Promise<void> {
  await page.bringToFront();
  void page.goto('about:addons', { timeout: 0 }).catch(() => undefined);
  await waitFor(
    () =>
      page.evaluate(async () => {
        const view = window as unknown as AboutAddonsWindow;
        if (location.href !== 'about:addons' || !view.promiseInitialized) return false;
        await view.promiseInitialized;
        return true;
      }),
    'about:addons to initialise',
  );
}

/**
 * Opens the add-on's Preferences tab in about:addons, as QA do, and returns
 * the address its embedded options browser loaded.
 */
export async function openPreferencesInAboutAddons(page: Page, addonId: string): Promise<string> {
  await openAboutAddons(page);
  await page.evaluate(async (id) => {
    const view = (window as unknown as AboutAddonsWindow).gViewController;
    await view.loadView(`addons://detail/${encodeURIComponent(id)}/preferences`);
  }, addonId);
  return waitUntil(
    () =>
      page.evaluate(() => {
        const browser = document.querySelector('inline-options-browser browser') as unknown as { currentURI?: { spec: string } } | null;
        return browser?.currentURI?.spec ?? '';
      }),
    (spec) => spec !== '' && spec !== 'about:blank',
    'the options page inside about:addons',
  );
}

/**
 * The feature rows that the QA panel embedded in about:addons shows. The
 * embedded page lives in the add-on's process, out of puppeteer's reach; a
 * frame script in its browser reads the rows and sends them back.
 */
export async function readEmbeddedPanelRows(page: Page): Promise<Array<{ id: string; state: string }>> {
  return page.evaluate(async () => {
    type MessageManager = {
      loadFrameScript(url: string, delayed: boolean): void;
      addMessageListener(name: string, listener: { receiveMessage(message: { data: unknown }): void }): void;
      removeMessageListener(name: string, listener: unknown): void;
    };
    const browser = document.querySelector('inline-options-browser browser') as unknown as { messageManager?: MessageManager } | null;
    const manager = browser?.messageManager;
    if (!manager) return [];
    const name = `sbc-test:rows:${Math.random().toString(36).slice(2)}`;
    const script = `
      const rows = [...content.document.querySelectorAll('[data-testid="features"] tr[data-feature-id]')].map((row) => ({
        id: row.dataset.featureId,
        state: ([...(row.querySelector('[data-testid="state"]')?.classList ?? [])].find((c) => c.startsWith('state-')) ?? '').slice(6),
      }));
      sendAsyncMessage(${JSON.stringify(name)}, rows);`;
    return new Promise<Array<{ id: string; state: string }>>((resolve) => {
      const listener = {
        receiveMessage(message: { data: unknown }) {
          manager.removeMessageListener(name, listener);
          resolve(message.data as Array<{ id: string; state: string }>);
        },
      };
      manager.addMessageListener(name, listener);
      manager.loadFrameScript(`data:,${encodeURIComponent(script)}`, false);
    });
  });
}

/** "running", "starting", "suspending" or "stopped" (suspended): the add-on's event page as Firefox sees it. */
export async function readBackgroundState(page: Page, addonId: string): Promise<string> {
  return page.evaluate((id) => {
    const policies = (globalThis as unknown as { WebExtensionPolicy: { getByID(id: string): { extension?: { backgroundState?: string } } | null } })
      .WebExtensionPolicy;
    return policies.getByID(id)?.extension?.backgroundState ?? 'not installed';
  }, addonId);
}

/** Waits until Firefox has suspended the add-on's event page. */
export async function waitForSuspendedEventPage(page: Page, addonId: string): Promise<void> {
  await waitUntil(() => readBackgroundState(page, addonId), (state) => state === 'stopped', 'Firefox to suspend the idle event page');
}

/** The add-on's content scripts that Firefox would run on `url` now. */
export async function readContentScriptsFor(page: Page, addonId: string, url: string): Promise<string[]> {
  return page.evaluate(
    (id, address) => {
      const global = globalThis as unknown as {
        WebExtensionPolicy: { getByID(id: string): { contentScripts: Array<{ jsPaths: string[]; matchesURI(uri: unknown): boolean }> } | null };
        Services: { io: { newURI(spec: string): unknown } };
      };
      const uri = global.Services.io.newURI(address);
      const scripts = global.WebExtensionPolicy.getByID(id)?.contentScripts ?? [];
      return scripts.filter((script) => script.matchesURI(uri)).flatMap((script) => script.jsPaths);
    },
    addonId,
    url,
  );
}
