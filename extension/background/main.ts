/**
 * The event page. Firefox runs this file afresh on every wake, so everything
 * that must wake the page is registered synchronously here, at top level,
 * before any await: the host's own listeners and one listener per browser
 * event that any feature declares in its feature.json. Each listener waits
 * until the installed features are restored before it dispatches.
 */
import browser from 'webextension-polyfill';
import { featureRegistry } from 'sbc:feature-registry';
import { buildConfig } from 'sbc:build-config';
import { HostController } from './host-controller';
import { addDeclaredEventListeners } from './declared-events';
import { concernsUsageConsent } from '../telemetry/data-consent';

const controller = new HostController({ browser, registry: featureRegistry, config: buildConfig });

browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) =>
  controller.handleMessage(message, sender),
);
browser.menus.onClicked.addListener((info, tab) => {
  void controller.handleMenuClick(info, tab);
});
browser.alarms.onAlarm.addListener((alarm) => {
  void controller.handleAlarm(alarm);
});
browser.runtime.onInstalled.addListener((details) => {
  if (details.reason === 'install' && !details.temporary) {
    // Once, for a new beta user: what the channel is, and the consent it asks for.
    void browser.tabs.create({ url: browser.runtime.getURL('ui/welcome.html') });
  }
  void controller.handleInstalled(details);
});
browser.permissions.onRemoved.addListener((removed) => {
  if (concernsUsageConsent(removed as { data_collection?: string[] })) void controller.handleConsentRemoved();
});
addDeclaredEventListeners(browser, featureRegistry, (name, args) => controller.handleEvent(name, args));

void controller.start();
