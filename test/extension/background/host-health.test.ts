// The health signals the event page counts (issue 9 item 1): the user's
// opt-out, a content script's uncaught error, and the uninstall URL that
// reports the host's removal while features were active. The real controller
// on the fake browser and a fake IndexedDB, reached as Firefox reaches it.
import assert from 'node:assert/strict';
import { openHostDb } from '../../../extension/db';
import { MAX_UNINSTALL_URL_LENGTH, toUninstallUrl } from '../../../extension/runtime/host-health';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { HOST_EVENTS } from '../../../protocol/exit-criteria';
import { manifestResponse, ORIGIN, scriptedFetch } from '../../helpers/addon-fixtures';
import { makeFeature } from '../../helpers/test-features';
import { ADDON_ID, createControllerBrowser, createTestController, sendMessage, sendRequest, signManifest, stopController, useSignedAddon, waitFor, waitForLedgerState } from './controller-harness';

const quiet = (id: string) => makeFeature(id, defineFeature({ activate: () => undefined }));
/** A content script of the add-on in a web page, as runtime.onMessage reports it. */
const CONTENT_SCRIPT = { id: ADDON_ID, url: 'https://example.org/article', tab: { id: 3, url: 'https://example.org/article' } };

async function readHostCounts(indexedDB: IDBFactory) {
  const db = await openHostDb(indexedDB);
  try {
    return (await db.getAll('usage')).filter((c) => c.event.startsWith('host.')).map(({ featureId, event, count }) => ({ featureId, event, count }));
  } finally {
    db.close();
  }
}

describe('background: health signals', () => {
  const addon = useSignedAddon();

  async function startInstalled(ids = ['alpha', 'beta']) {
    const features = ids.map(quiet);
    const browser = createControllerBrowser();
    addon.serve(features);
    const envelope = await signManifest(addon.key, features.map((f) => f.entry));
    const server = scriptedFetch(() => manifestResponse(envelope));
    const { controller, indexedDB } = createTestController({ browser, key: addon.key, features, fetch: server.fetch as typeof fetch });
    await controller.start();
    for (const id of ids) await waitForLedgerState(browser, id, 'installed');
    return { browser, controller, indexedDB, server };
  }

  it('counts host.opt-out when the user turns a feature off, once per install and version, and not for a QA override', async () => {
    const { browser, controller, indexedDB } = await startInstalled();
    await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: true });
    await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: true });
    await sendRequest(browser, { type: 'sbc:override', featureId: 'beta', value: 'off' });
    assert.deepEqual(await readHostCounts(indexedDB), [{ featureId: 'alpha', event: HOST_EVENTS.optOut, count: 1 }]);

    await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: false });
    await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: true });
    assert.deepEqual(await readHostCounts(indexedDB), [{ featureId: 'alpha', event: HOST_EVENTS.optOut, count: 1 }], 'the same install changing its mind is one opt-out');
    await stopController(controller);
  });

  it('counts nothing for an opt-out once the user turned usage counters off', async () => {
    const { browser, controller, indexedDB } = await startInstalled();
    await sendRequest(browser, { type: 'sbc:telemetry', enabled: false });
    await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: true });
    assert.deepEqual(await readHostCounts(indexedDB), []);
    await stopController(controller);
  });

  it('counts host.content-error (and host.error) from the add-on’s content scripts for a running feature only, once per install and version', async () => {
    const { browser, controller, indexedDB } = await startInstalled(['alpha']);
    await sendMessage(browser, { type: 'sbc:content-error', featureId: 'alpha' }, CONTENT_SCRIPT);
    await sendMessage(browser, { type: 'sbc:content-error', featureId: 'alpha' }, CONTENT_SCRIPT);
    await sendMessage(browser, { type: 'sbc:content-error', featureId: 'not-running' }, CONTENT_SCRIPT);
    const fromElsewhere = (await sendMessage(browser, { type: 'sbc:content-error', featureId: 'alpha' }, { ...CONTENT_SCRIPT, id: 'someone-else@example.org' })) as { error?: { code: string } };
    assert.equal(fromElsewhere.error?.code, 'forbidden');
    assert.deepEqual(await readHostCounts(indexedDB), [
      { featureId: 'alpha', event: HOST_EVENTS.contentError, count: 1 },
      { featureId: 'alpha', event: HOST_EVENTS.error, count: 1 },
    ], 'an error of any kind is host.error too, so that the error rate counts the install once');
    await stopController(controller);
  });

  describe('the uninstall URL', () => {
    /** The URL Firefox was last given, once it is `url` (it follows each plan without holding it up). */
    const waitForUninstallUrl = (browser: ReturnType<typeof createControllerBrowser>, url: string) =>
      waitFor(() => browser.uninstallUrls.at(-1) === url, `the uninstall URL to be "${url}" (given: ${JSON.stringify(browser.uninstallUrls)})`, 5000);
    /** The install id of the first URL Firefox was given: the random id the add-on's usage batches carry too. */
    async function readInstallId(browser: ReturnType<typeof createControllerBrowser>): Promise<string> {
      await waitFor(() => browser.uninstallUrls.some((url) => url !== ''), 'a first uninstall URL', 5000);
      return new URL(browser.uninstallUrls.find((url) => url !== '')!).searchParams.get('i')!;
    }

    it('names this install and the active features, and follows the set of active features', async () => {
      const { browser, controller, server } = await startInstalled();
      const installId = await readInstallId(browser);
      assert.match(installId, /^[A-Za-z0-9-]{8,}$/);
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha,beta`);

      await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'beta', optedOut: true });
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      // The same id the usage batches carry (the opt-out was counted).
      await sendRequest(browser, { type: 'sbc:send-telemetry' });
      const batch = server.requests.find((request) => request.url === `${ORIGIN}/v1/usage`);
      assert.equal(JSON.parse(batch?.body ?? '{}').installId, installId);
      await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: true });
      await waitForUninstallUrl(browser, '');
      const calls = browser.uninstallUrls.length;
      // Nothing active changes: Firefox is not told; then alpha comes back, and that is the one call made since.
      await sendRequest(browser, { type: 'sbc:override', featureId: 'beta', value: 'off' });
      await sendRequest(browser, { type: 'sbc:opt-out', featureId: 'alpha', optedOut: false });
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      assert.deepEqual(browser.uninstallUrls.slice(calls), [`${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`], 'Firefox is told only when the URL changes');
      await stopController(controller);
    });

    it('is cleared when the user turns usage counters off, and set again when they turn them on', async () => {
      const { browser, controller } = await startInstalled(['alpha']);
      const installId = await readInstallId(browser);
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      await sendRequest(browser, { type: 'sbc:telemetry', enabled: false });
      await waitForUninstallUrl(browser, '');
      await sendRequest(browser, { type: 'sbc:telemetry', enabled: true });
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      await stopController(controller);
    });

    it('is cleared when Firefox’s data-collection consent is withdrawn, and set again when granted', async () => {
      const { browser, controller } = await startInstalled(['alpha']);
      const installId = await readInstallId(browser);
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      browser.dataCollection = [];
      await browser.permissions.onRemoved.fire({ data_collection: ['technicalAndInteraction'] });
      await waitForUninstallUrl(browser, '');
      browser.dataCollection = ['technicalAndInteraction'];
      await browser.permissions.onAdded.fire({ data_collection: ['technicalAndInteraction'] });
      await waitForUninstallUrl(browser, `${ORIGIN}/v1/uninstalled?i=${installId}&f=alpha`);
      await stopController(controller);
    });

    it('leaves out the features that would take it past Firefox’s 1023 characters', () => {
      const ids = Array.from({ length: 40 }, (_, i) => `feature-with-a-long-name-${String(i).padStart(2, '0')}`);
      const url = toUninstallUrl('https://beta.services.example.org', 'a'.repeat(36), ids);
      assert.ok(url.length <= MAX_UNINSTALL_URL_LENGTH, `${url.length} characters`);
      const listed = new URL(url).searchParams.get('f')!.split(',');
      assert.ok(listed.length > 20 && listed.length < 40, `${listed.length} features listed`);
      assert.deepEqual(listed, ids.slice(0, listed.length));
    });
  });
});
