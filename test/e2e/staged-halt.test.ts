/**
 * A staged rollout halts itself, every part real: the beta server process
 * with its halt key and a fast gate job, a release with stages signed and
 * uploaded by the publish tool, and the built add-on in Firefox ESR. The
 * flaky-widget fixture throws on every other activation; the add-on counts its
 * own failure, other installs report theirs through the usage API, the
 * failure-rate gate fails, the server signs a halt, and the add-on uninstalls
 * the feature on its next poll and says why in the QA panel.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { generateKeyPair } from '../../build/keys';
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { findFreePort } from '../helpers/free-port';
import { makeSignOffs } from '../helpers/manifests';
import type { RunningProcess } from '../helpers/server-process';
import { publishKeyDocument, publishRelease, startBetaServer, stopBetaServer } from './helpers/beta-server';
import { buildAddon, type BuiltAddon } from './helpers/build-addon';
import { keepEvidenceOnFailure, RESULTS_DIR } from './helpers/failure-evidence';
import { launchFirefox } from './helpers/firefox';
import { openAddonPage, readHostStatus, refreshManifest, waitForFeatureRow, waitForFeatureState } from './helpers/qa-panel';
import { SETUP_MS, TEST_MS, waitFor, waitUntil } from './helpers/waits';

const ADDON_UUID = '7a1c5e2f-4b3d-4c8e-9f0a-1b2c3d4e5f60';
const ADMIN_TOKEN = 'e2e-halt-admin-token-0123456789abcd';
const FIXTURES = join(__dirname, 'fixtures', 'features');
const FEATURE = 'flaky-widget';
/** Other installs that report the feature, and how many of them failed to install it. */
const OTHER_INSTALLS = 19;
const OTHER_FAILURES = 9;

describe('a staged rollout halts itself: the gate job signs a halt, the add-on applies it', function () {
  this.timeout(TEST_MS);

  let work: string;
  let server: RunningProcess | undefined;
  let origin: string;
  let addon: BuiltAddon;
  let browser: Browser;
  let panel: Page;
  let serial = 0;

  /** Publishes flaky-widget in two stages that started two minutes ago: 1% for a minute, then 100%, moving on while its failure rate holds. */
  async function publish(): Promise<void> {
    const feature = addon.lock.features.find((entry) => entry.id === FEATURE)!;
    const release = {
      features: [
        {
          id: FEATURE,
          version: feature.version,
          stages: {
            startAt: new Date(Date.now() - 2 * 60_000).toISOString(),
            steps: [
              { rollout: 1, minMinutes: 1, gates: ['failureRate'] },
              { rollout: 100, gates: ['failureRate'] },
            ],
          },
          exitCriteria: { failureRate: { max: 0.05, minSample: 20 } },
          signOffs: makeSignOffs(`REL-${FEATURE}`, feature),
        },
      ],
    };
    serial++;
    await publishRelease({ release, keysDir: join(work, 'keys'), lockPath: join(work, 'dist', 'features.lock.json'), out: join(work, `manifest-${serial}.json`), server: origin, adminToken: ADMIN_TOKEN });
  }

  before(async function () {
    this.timeout(SETUP_MS);
    work = mkdtempSync(join(tmpdir(), 'sbc-e2e-halt-'));
    await generateKeyPair({ outDir: join(work, 'keys'), keyId: 'e2e-channel' });
    await generateKeyPair({ outDir: join(work, 'halt'), keyId: 'e2e-halt' });
    const port = await findFreePort();
    origin = `http://127.0.0.1:${port}`;
    server = await startBetaServer({
      port,
      dataDir: join(work, 'data'),
      keysDir: join(work, 'keys'),
      adminToken: ADMIN_TOKEN,
      env: { HALT_KEY: join(work, 'halt', 'e2e-halt.private.pem'), HALT_CHECK_MS: '250' },
    });
    addon = await buildAddon({ outDir: join(work, 'dist'), origin, publicKeysDir: join(work, 'keys'), featuresDir: FIXTURES });
    // Firefox grants the data-collection consent the QA panel asks for without its prompt, which no test can click.
    // The key document lists the channel key for manifests and the server's halt key for halts, signed by the channel's root key.
    await publishKeyDocument({ keysDir: join(work, 'keys'), haltKeysDir: join(work, 'halt'), out: join(work, 'keys.json'), server: origin, adminToken: ADMIN_TOKEN });
    browser = await launchFirefox({ addonId: addon.addonId, addonUuid: ADDON_UUID, extraPrefs: { 'extensions.webextOptionalPermissionPrompts': false } });
    await browser.installExtension(addon.extensionDir);
    panel = await browser.newPage();
  });

  after(async function () {
    await browser?.close();
    await stopBetaServer(server);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  keepEvidenceOnFailure(() => browser && { browser, addonUuid: ADDON_UUID });

  it('halts flaky-widget once the failures reach its gate, and the add-on uninstalls it on its next poll', async function () {
    await openAddonPage(panel, ADDON_UUID, 'ui/options.html', '[data-testid="features"] tr[data-feature-id]');
    // The add-on counts its own failed install only with the user's consent to usage counters.
    await panel.click('[data-testid="telemetry"]');
    await waitFor(async () => (await readHostStatus(panel)).telemetryEnabled === true, 'usage counters allowed');

    await publish();
    await refreshManifest(panel);
    const failed = await waitForFeatureState(panel, FEATURE, 'failed');
    assert.match(failed.error, /simulated failure on activation 1/);
    assert.match(failed.reason, /stage 2 of 2/);
    // A new manifest plans again: the second activation works.
    await publish();
    await refreshManifest(panel);
    await waitForFeatureState(panel, FEATURE, 'installed');
    assert.equal((await fetch(`${origin}/v1/halt`)).status, 404, 'nothing is halted while the gate has too few installs');

    await panel.click('[data-testid="send-telemetry"]');
    await waitUntil(
      () => panel.$eval('[data-testid="send-telemetry-result"]', (node) => node.textContent ?? ''),
      (text) => /^Sent \d+ usage batch/.test(text),
      'the add-on to send its usage, its failed install included',
    );
    const day = new Date().toISOString().slice(0, 10);
    for (let i = 0; i < OTHER_INSTALLS; i++) {
      const counts = [{ day, featureId: FEATURE, event: 'opened', count: 1 }];
      if (i < OTHER_FAILURES) counts.push({ day, featureId: FEATURE, event: HOST_EVENTS.installFailed, count: 1 });
      const sent = await fetch(`${origin}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batchId: `b-${i}`, installId: `other-${i}`, counts }) });
      assert.equal(sent.status, 200, await sent.text());
    }

    // 10 of 20 installs failed: the gate's lower bound is far above 5%, and the gate job signs a halt within its interval.
    const halt = await waitUntil(
      async () => {
        const response = await fetch(`${origin}/v1/admin/features/${FEATURE}/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        return (await response.json()) as { verdict: string; stage?: string; stageDetail?: { halt: { action: string } | null } };
      },
      (health) => health.stageDetail?.halt != null,
      'the server to halt flaky-widget',
    );
    assert.deepEqual([halt.verdict, halt.stage, halt.stageDetail?.halt?.action], ['kill', 'killed by a halt', 'kill']);

    // The next poll: the add-on takes the halt and uninstalls the feature.
    await refreshManifest(panel);
    const row = await waitForFeatureRow(panel, FEATURE, (seen) => seen.state === 'not-installed' && seen.halt !== '', 'flaky-widget uninstalled by the halt');
    assert.match(row.halt, /^Stopped everywhere by the beta server: gate failureRate of stage 2 of 2 \(100%\): exceeds the ceiling 5\.0%/);
    const status = await readHostStatus(panel);
    assert.equal(status.features.find((feature) => feature.id === FEATURE)?.reasonCode, 'halted');
    assert.match(await panel.$eval('[data-testid="manifest-halt"]', (node) => node.textContent ?? ''), /^serial \d+, for manifest \d+, issued /);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await panel.screenshot({ path: join(RESULTS_DIR, 'qa-panel-halted.png'), fullPage: true });
  });
});
