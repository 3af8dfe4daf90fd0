/**
 * The QA panel, shown in about:addons. It renders the HostStatus the
 * background returns after every action, and polls it while open.
 * The words it shows come from render-status.ts and the messages file.
 */
import browser from 'webextension-polyfill';
import { t } from '../i18n';
import type { HostRequest, HostStatus, Override } from '../messages';
import { byId, describeFailure, localizePage, runDisabled, showMessage, showText } from './dom';
import { buildDiagnostics } from './diagnostics-report';
import { createHostClient } from './host-client';
import { changeFeatureConsent, type DataCollectionRequests } from './feature-consent';
import { describeServerLine, isSaidByServerLine, nextRetryDelay } from './insights-view';
import { changeUsageConsent } from './usage-consent';
import { setUpAccountSection } from './options-account';
import { renderFeatures } from './options-features';
import { describeRefreshResult, describeTelemetrySend, formatKeyStatus, formatManifestStatus, shouldShowDevBanner } from './render-status';

const POLL_MS = 5_000;

const request = createHostClient((message: HostRequest) => browser.runtime.sendMessage(message));
let current: HostStatus | null = null;
let actionsRunning = 0;

localizePage();
const account = setUpAccountSection({ request, onStatus: render });

function render(status: HostStatus): void {
  current = status;
  showMessage(byId('page-error'), '');
  byId('dev-banner').hidden = !shouldShowDevBanner(status);
  showText(byId('server-status'), describeServerLine(status, Date.now()));
  renderManifest(status);
  renderKeys(status);
  renderFeatures(byId<HTMLTableSectionElement>('features-body'), status.features, status.dataConsentSource, { onOverride: setOverride, onConsent: setConsent });
  byId('features-empty').hidden = status.features.length > 0;
  account.render(status);
  const telemetry = byId<HTMLInputElement>('telemetry-toggle');
  if (!telemetry.disabled) telemetry.checked = status.telemetryEnabled;
  byId('build-info').textContent = t('buildInfo', [status.build.hostVersion, status.build.buildEnv, status.build.origin, status.unit]);
  scheduleReconnect(status);
}

function renderManifest(status: HostStatus): void {
  const view = formatManifestStatus(status, Date.now());
  byId('manifest-serial').textContent = view.serial;
  byId('manifest-issued').textContent = view.issued;
  byId('manifest-expires').textContent = view.expires;
  byId('manifest-expired').hidden = !view.expired;
  byId('manifest-accepted').textContent = view.accepted;
  byId('manifest-checked').textContent = view.checked;
  byId('manifest-next-check').textContent = view.nextCheck;
  byId('manifest-halt').textContent = view.halt;
  showText(byId('halt-error'), view.haltError);
  showText(byId('manifest-error'), isSaidByServerLine(status) ? null : view.error);
  byId('manifest-unreviewed').hidden = !view.unreviewed;
}

let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
let reconnectAttempt = 0;

/**
 * While the beta server is out of reach, or the terms have not loaded, ask
 * again on a short backoff: sign-up and the status line recover within
 * seconds of the server coming back (the background checks the manifest
 * again by itself once the server answers).
 */
function scheduleReconnect(status: HostStatus): void {
  const waiting = status.server?.reachable === false || account.needsTerms();
  if (!waiting) {
    reconnectAttempt = 0;
    return;
  }
  if (reconnectTimer !== null) return;
  // The first try goes at once (the terms at page load), then 1, 2, 4, 8, 8… seconds apart.
  const delay = reconnectAttempt === 0 ? 0 : nextRetryDelay(reconnectAttempt - 1);
  reconnectAttempt++;
  reconnectTimer = setTimeout(() => void reconnect(), delay);
}

async function reconnect(): Promise<void> {
  if (reconnectTimer !== null) clearTimeout(reconnectTimer);
  reconnectTimer = null;
  await account.loadTerms();
  await poll(true);
}

function renderKeys(status: HostStatus): void {
  const view = formatKeyStatus(status, Date.now());
  byId('keys-serial').textContent = view.serial;
  byId('keys-expires').textContent = view.expires;
  byId('keys-manifest').textContent = view.manifestKeys;
  byId('keys-revoked').textContent = view.revoked;
  // An unreachable server is said once, on the server line.
  showText(byId('keys-error'), status.server !== undefined && status.keys?.lastError?.reason === 'network' ? null : view.error);
}

function setOverride(featureId: string, value: Override, select: HTMLSelectElement): void {
  void act([select], async () => render(await request({ type: 'sbc:override', featureId, value })));
}

function setConsent(featureId: string, granted: boolean, button: HTMLButtonElement): void {
  const feature = current?.features.find((candidate) => candidate.id === featureId);
  if (!current || !feature) return;
  const permissions = browser.permissions as unknown as DataCollectionRequests;
  // Started here, in the click's own turn: Firefox asks for consent only in direct answer to a click.
  const changed = changeFeatureConsent(feature, granted, current.dataConsentSource, permissions, request);
  void act([button], async () => render(await changed));
}

/** Runs an action; its failure shows at the top of the page, and the next poll waits for it. */
async function act(controls: Array<HTMLButtonElement | HTMLSelectElement | HTMLInputElement>, work: () => Promise<void>): Promise<void> {
  actionsRunning++;
  try {
    await runDisabled(controls, async () => {
      try {
        await work();
      } catch (error) {
        showMessage(byId('page-error'), describeFailure(error), true);
      }
    });
  } finally {
    actionsRunning--;
  }
}

function setUpRefresh(): void {
  const button = byId<HTMLButtonElement>('refresh');
  const result = byId('refresh-result');
  button.addEventListener('click', () => {
    const before = current;
    showMessage(result, t('refreshing'));
    void act([button], async () => {
      try {
        const after = await request({ type: 'sbc:refresh' });
        render(after);
        // The server line already says why; the answer to the click need not say it again at length.
        const outcome = isSaidByServerLine(after) ? { ok: false, text: t('refreshUnreachable') } : describeRefreshResult(before, after);
        showMessage(result, outcome.text, !outcome.ok);
      } catch (error) {
        showMessage(result, t('refreshFailed', describeFailure(error)), true);
      }
    });
  });
}

function setUpTelemetry(): void {
  const toggle = byId<HTMLInputElement>('telemetry-toggle');
  toggle.addEventListener('change', () => {
    const enabled = toggle.checked;
    // Firefox asks for its data-collection consent only in direct answer to
    // the user's click, so the request starts here, before anything is awaited.
    const consent = changeUsageConsent(enabled);
    void act([toggle], async () => {
      if (!(await consent)) {
        toggle.checked = false;
        throw new Error(t('consentNotGranted'));
      }
      render(await request({ type: 'sbc:telemetry', enabled }));
    });
  });
  const send = byId<HTMLButtonElement>('send-telemetry');
  const result = byId('send-telemetry-result');
  send.addEventListener('click', () => {
    showMessage(result, t('sending'));
    void act([send], async () => {
      try {
        showMessage(result, describeTelemetrySend(await request({ type: 'sbc:send-telemetry' })));
      } catch (error) {
        showMessage(result, t('sendingFailed', describeFailure(error)), true);
      }
    });
  });
}

function setUpDiagnostics(): void {
  const button = byId<HTMLButtonElement>('copy-diagnostics');
  const result = byId('copy-diagnostics-result');
  button.addEventListener('click', () => {
    void act([button], async () => {
      const report = buildDiagnostics({ ...(await request({ type: 'sbc:diagnostics' })), now: new Date() });
      const text = JSON.stringify(report, null, 2);
      // Shown as well as copied: a clipboard that refuses still leaves the text to select.
      byId<HTMLTextAreaElement>('diagnostics-text').value = text;
      byId('diagnostics-details').hidden = false;
      try {
        await navigator.clipboard.writeText(text);
        showMessage(result, t('diagnosticsCopied'));
      } catch (error) {
        showMessage(result, t('diagnosticsNotCopied', describeFailure(error)), true);
      }
    });
  });
}

/**
 * Reads the status and renders it. A page opened in a background tab is
 * hidden, yet must fill in at once: only the repeating poll skips hidden pages.
 */
async function poll(evenIfHidden = false): Promise<void> {
  if ((!evenIfHidden && document.hidden) || actionsRunning > 0) return;
  try {
    render(await request({ type: 'sbc:status' }));
  } catch (error) {
    showMessage(byId('page-error'), t('statusUnreadable', describeFailure(error)), true);
  }
}

function start(): void {
  setUpRefresh();
  setUpTelemetry();
  setUpDiagnostics();
  void poll(true);
  setInterval(() => void poll(), POLL_MS);
  document.addEventListener('visibilitychange', () => void poll());
  // Coming back to the page is a good moment to try the server again.
  window.addEventListener('focus', () => {
    reconnectAttempt = 0;
    if (reconnectTimer !== null) void reconnect();
  });
}

start();
