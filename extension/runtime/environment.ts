/**
 * Reads what targeting needs to know about this browser.
 */
import type { BrowserApi } from './browser-api';
import type { PlanEnvironment } from '../../protocol/planner';

/**
 * @example
 * const environment = await readEnvironment(browser, buildConfig.hostVersion);
 * // { hostVersion: '0.1.0', firefoxVersion: '128.0.3', os: 'linux', locale: 'en-US' }
 */
export async function readEnvironment(browser: Pick<BrowserApi, 'runtime' | 'i18n'>, hostVersion: string): Promise<PlanEnvironment> {
  const [platform, info] = await Promise.all([browser.runtime.getPlatformInfo(), browser.runtime.getBrowserInfo()]);
  return { hostVersion, firefoxVersion: info.version, os: platform.os, locale: browser.i18n.getUILanguage() };
}
