/**
 * The QA panel, shown in about:addons. It renders the HostStatus the
 * background returns after every action, and polls it while open.
 * The words it shows come from render-status.ts.
 */
import browser from 'webextension-polyfill';
import type { HostRequest, HostStatus, Override } from '../messages';
import { byId, describeFailure, runDisabled, showMessage, showText } from './dom';
import { createHostClient } from './host-client';
import { changeFeatureConsent, type DataCollectionRequests } from './feature-consent';
import { changeUsageConsent } from './usage-consent';
import { setUpAccountSection } from './options-account';
import { renderFeatures } from './options-features';
import { describeRefreshResult, describeTelemetrySend, DEV_BANNER_TEXT, formatManifestStatus, shouldShowDevBanner, TELEMETRY_DESCRIPTION, ACCOUNT_SEPARATION_NOTE } from './render-status';

const POLL_MS = 5_000;

const request = createHostClient((message: HostRequest) => browser.runtime.sendMessage(message));
let current: HostStatus | null = null;
let actionsRunning = 0;

const account = setUpAccountSection({ request, onStatus: render });

function render(status: HostStatus): void {
  current = status;
  showMessage(byId('page-error'), '');
  const devBanner = byId('dev-banner');
  devBanner.textContent = DEV_BANNER_TEXT;
  devBanner.hidden = !shouldShowDevBanner(status);
  renderManifest(status);
  renderFeatures(byId<HTMLTableSectionElement>('features-body'), status.features, status.dataConsentSource, { onOverride: setOverride, onConsent: setConsent });
  byId('features-empty').hidden = status.features.length > 0;
  account.render(status);
  const telemetry = byId<HTMLInputElement>('telemetry-toggle');
  if (!telemetry.disabled) telemetry.checked = status.telemetryEnabled;
  byId('build-info').textContent =
    `Host ${status.build.hostVersion} · ${status.build.buildEnv} build · beta server ${status.build.origin} · rollout unit ${status.unit}`;
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
  showText(byId('manifest-error'), view.error);
  byId('manifest-unreviewed').hidden = !view.unreviewed;
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
    showMessage(result, 'Refreshing…');
    void act([button], async () => {
      try {
        const after = await request({ type: 'sbc:refresh' });
        render(after);
        const outcome = describeRefreshResult(before, after);
        showMessage(result, outcome.text, !outcome.ok);
      } catch (error) {
        showMessage(result, `Refresh failed: ${describeFailure(error)}`, true);
      }
    });
  });
}

function setUpTelemetry(): void {
  byId('telemetry-description').textContent = TELEMETRY_DESCRIPTION;
  const toggle = byId<HTMLInputElement>('telemetry-toggle');
  toggle.addEventListener('change', () => {
    const enabled = toggle.checked;
    // Firefox asks for its data-collection consent only in direct answer to
    // the user's click, so the request starts here, before anything is awaited.
    const consent = changeUsageConsent(enabled);
    void act([toggle], async () => {
      if (!(await consent)) {
        toggle.checked = false;
        throw new Error('Firefox did not grant "technical and interaction data", so no usage counters are sent.');
      }
      render(await request({ type: 'sbc:telemetry', enabled }));
    });
  });
  const send = byId<HTMLButtonElement>('send-telemetry');
  const result = byId('send-telemetry-result');
  send.addEventListener('click', () => {
    showMessage(result, 'Sending…');
    void act([send], async () => {
      try {
        showMessage(result, describeTelemetrySend(await request({ type: 'sbc:send-telemetry' })));
      } catch (error) {
        showMessage(result, `Sending failed: ${describeFailure(error)}`, true);
      }
    });
  });
}

async function poll(): Promise<void> {
  if (document.hidden || actionsRunning > 0) return;
  try {
    render(await request({ type: 'sbc:status' }));
  } catch (error) {
    showMessage(byId('page-error'), `Cannot read the add-on's status: ${describeFailure(error)}`, true);
  }
}

function start(): void {
  byId('account-note').textContent = ACCOUNT_SEPARATION_NOTE;
  setUpRefresh();
  setUpTelemetry();
  void poll();
  setInterval(() => void poll(), POLL_MS);
  document.addEventListener('visibilitychange', () => void poll());
}

start();
