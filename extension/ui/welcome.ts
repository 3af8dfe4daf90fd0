/**
 * The page a beta user sees once, right after installing the add-on: what
 * the channel is, the features they have now, the usage-counter consent and
 * the way to a beta account.
 */
import browser from 'webextension-polyfill';
import { t } from '../i18n';
import type { HostRequest, HostStatus } from '../messages';
import { byId, describeFailure, el, localizePage, runDisabled, showMessage } from './dom';
import { createHostClient } from './host-client';
import { describePopupFeatures } from './popup-view';
import { toSafeLink } from './render-status';
import { changeUsageConsent } from './usage-consent';

const request = createHostClient((message: HostRequest) => browser.runtime.sendMessage(message));

function renderFeatures(status: HostStatus): void {
  const list = byId<HTMLUListElement>('welcome-features');
  const items = describePopupFeatures(status).filter((item) => item.on);
  list.replaceChildren(...items.map((item) => el('li', { 'data-feature-id': item.id }, el('strong', {}, item.name), item.description)));
  byId('welcome-features-empty').hidden = items.length > 0;
}

function renderUsage(status: HostStatus): void {
  const button = byId<HTMLButtonElement>('allow-usage');
  button.hidden = status.telemetryEnabled;
  if (status.telemetryEnabled) showMessage(byId('allow-usage-result'), t('usageOnThanks'));
}

async function showTerms(): Promise<void> {
  const terms = await request({ type: 'sbc:terms' });
  const links: Array<[string, string]> = [
    ['terms-link', terms.terms.url],
    ['privacy-link', terms.privacy.url],
  ];
  for (const [id, url] of links) {
    const safe = toSafeLink(url);
    if (safe) byId<HTMLAnchorElement>(id).href = safe;
  }
}

async function start(): Promise<void> {
  localizePage();
  const allow = byId<HTMLButtonElement>('allow-usage');
  allow.addEventListener('click', () => {
    const consent = changeUsageConsent(true);
    void runDisabled([allow], async () => {
      try {
        if (!(await consent)) throw new Error(t('consentNotAllowed'));
        renderUsage(await request({ type: 'sbc:telemetry', enabled: true }));
      } catch (error) {
        showMessage(byId('allow-usage-result'), describeFailure(error), true);
      }
    });
  });
  byId('open-settings').addEventListener('click', () => void browser.runtime.openOptionsPage());

  await refresh(true);
  // Right after install the first manifest is still on its way: keep the list current while the page is open.
  setInterval(() => void refresh(), 3000);
  // The beta server may be out of reach at first start; the page works without the links.
  await showTerms().catch(() => undefined);
}

/** The first fill happens even in a background tab; the repeating refresh skips hidden pages. */
async function refresh(evenIfHidden = false): Promise<void> {
  if (!evenIfHidden && document.hidden) return;
  try {
    const status = await request({ type: 'sbc:status' });
    showMessage(byId('welcome-error'), '');
    renderFeatures(status);
    renderUsage(status);
  } catch (error) {
    showMessage(byId('welcome-error'), t('statusUnreadable', describeFailure(error)), true);
  }
}

void start();
