/**
 * Starts a real Firefox (ESR, headless) through puppeteer-core over WebDriver
 * BiDi, with the add-on's internal origin pinned so tests can open its pages.
 * See ../shared/FIREFOX-TESTING.md for the facts this relies on.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import type { BuiltAddon } from './build-addon';

const CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox', '/usr/local/bin/firefox', '/opt/firefox/firefox'];

/** The Firefox binary to test with, or an error that says how to get one. Never skips. */
export function findFirefox(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CANDIDATES): string {
  const configured = env.FIREFOX_BIN;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`FIREFOX_BIN is set to ${configured}, which does not exist`);
    return configured;
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      'No Firefox found for the end-to-end tests. Install Firefox ESR (Debian/Ubuntu: ' +
        '`sudo apt-get update && sudo apt-get install -y firefox-esr`) or set FIREFOX_BIN to a Firefox 128+ binary.',
    );
  }
  return found;
}

export interface LaunchOptions {
  addonId: string;
  /** The pinned UUID of the add-on's moz-extension:// origin. */
  addonUuid: string;
  /** Milliseconds before Firefox suspends an idle event page. */
  idleTimeoutMs?: number;
  extraPrefs?: Record<string, unknown>;
}

export async function launchFirefox(options: LaunchOptions): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [options.addonId]: options.addonUuid }),
      'extensions.background.idle.timeout': options.idleTimeoutMs ?? 30_000,
      // Keep the browser quiet on a machine without a network.
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'extensions.getAddons.cache.enabled': false,
      // about:addons opens on the local list of add-ons, not on the remote discovery pane.
      'extensions.getAddons.showPane': false,
      'extensions.htmlaboutaddons.recommendations.enabled': false,
      ...options.extraPrefs,
    },
  });
}

/** Firefox with the built add-on installed as a temporary add-on, at its pinned UUID. */
export async function launchWithAddon(addon: BuiltAddon, options: Omit<LaunchOptions, 'addonId'>): Promise<Browser> {
  const browser = await launchFirefox({ ...options, addonId: addon.addonId });
  try {
    await browser.installExtension(addon.extensionDir);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}
