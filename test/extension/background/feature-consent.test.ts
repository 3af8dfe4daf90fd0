/**
 * Declared data collection in the background: a feature that sends data
 * waits for the user's consent, is installed when it is granted (in Firefox,
 * or by the add-on's own question on a Firefox without data-collection
 * permissions) and uninstalled when it is withdrawn.
 */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ADDON_CONSENT_KEY } from '../../../extension/background/feature-consent';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { describeReason } from '../../../extension/ui/reason-view';
import { manifestResponse, scriptedFetch } from '../../helpers/addon-fixtures';
import { makeFeature } from '../../helpers/test-features';
import { createControllerBrowser, createTestController, findFeature, OPTIONS_PAGE_SENDER, readHostLedger, readHostState, requestStatus, sendMessage, sendRequest, signManifest, stopController, useSignedAddon, waitFor, waitForLedgerState } from './controller-harness';

const SENDS = ['browsingActivity', 'websiteContent'];

/** A feature that declares what it sends and registers a content script, so its presence shows. */
function makeNotesFeature() {
  return makeFeature(
    'notes',
    defineFeature({
      async activate(ctx) {
        await ctx.storage.set('seen', true);
        await ctx.contentScripts.register({ id: 'panel', matches: ['https://*/*'], js: ['content/panel.js'] });
      },
    }),
    { files: { 'features/notes/content/panel.js': 'panel()' }, dataCollection: SENDS },
  );
}


describe('background: consent to what features send', () => {
  const addon = useSignedAddon();

  /** A started host whose manifest lists the notes feature; `granted` null is a Firefox without data-collection permissions. */
  async function startWaiting(granted: string[] | null) {
    const notes = makeNotesFeature();
    const browser = createControllerBrowser();
    browser.dataCollection = granted;
    addon.serve([notes]);
    const envelope = await signManifest(addon.key, [notes.entry]);
    const server = scriptedFetch(() => manifestResponse(envelope));
    const { controller } = createTestController({ browser, key: addon.key, features: [notes], fetch: server.fetch as typeof fetch });
    await controller.start();
    await waitFor(async () => findFeature(await requestStatus(browser), 'notes').reasonCode === 'needs-consent', 'notes to wait for consent');
    return { browser, controller };
  }

  it('waits for Firefox’s consent, installs the feature when it is granted in Firefox, and uninstalls it when it is withdrawn', async () => {
    const { browser, controller } = await startWaiting(['technicalAndInteraction']);
    const status = await requestStatus(browser);
    const waiting = findFeature(status, 'notes');
    assert.equal(waiting.state, 'not-installed');
    assert.deepEqual(waiting.missingConsent, SENDS);
    assert.match(describeReason(waiting, status.dataConsentSource), /browsing activity and website content/);
    assert.ok(!browser.state.contentScripts.has('sbc:notes:panel'));

    // Granted in about:addons: only Firefox's event tells the background.
    browser.dataCollection = ['technicalAndInteraction', ...SENDS];
    await browser.permissions.onAdded.fire({ data_collection: SENDS });
    await waitForLedgerState(browser, 'notes', 'installed');
    assert.ok(browser.state.contentScripts.has('sbc:notes:panel'), 'the feature runs');
    assert.equal(browser.state.storage.get('feature:notes:seen'), true);
    assert.deepEqual(findFeature(await requestStatus(browser), 'notes').missingConsent, []);

    browser.dataCollection = ['technicalAndInteraction', 'websiteContent'];
    await browser.permissions.onRemoved.fire({ data_collection: ['browsingActivity'] });
    await waitFor(async () => (await readHostLedger(browser)).notes === undefined, 'notes to be uninstalled');
    assert.ok(!browser.state.contentScripts.has('sbc:notes:panel'), 'its content script is gone');
    assert.ok(!browser.state.storage.has('feature:notes:seen'), 'its data is wiped');
    const after = findFeature(await requestStatus(browser), 'notes');
    assert.equal(after.reasonCode, 'needs-consent');
    assert.deepEqual(after.missingConsent, ['browsingActivity']);
    await stopController(controller);
  });

  it('does not plan again when consent no feature declares changes', async () => {
    const { browser, controller } = await startWaiting([]);
    const plans = sinon.spy(browser.runtime, 'getPlatformInfo');
    await browser.permissions.onAdded.fire({ data_collection: ['locationInfo'] });
    await browser.permissions.onRemoved.fire({ data_collection: ['locationInfo'] });
    await browser.permissions.onRemoved.fire({ permissions: ['tabs'] } as never);
    assert.equal(plans.callCount, 0);
    await stopController(controller);
  });

  it('on a Firefox without data-collection permissions, records the answer the add-on asked for itself', async () => {
    const { browser, controller } = await startWaiting(null);
    const waiting = await requestStatus(browser);
    assert.equal(waiting.dataConsentSource, 'add-on');
    assert.match(describeReason(findFeature(waiting, 'notes'), waiting.dataConsentSource), /the add-on asks/);

    const granted = await sendRequest(browser, { type: 'sbc:data-consent', featureId: 'notes', granted: true });
    assert.equal(findFeature(granted, 'notes').state, 'installed');
    assert.deepEqual(await readHostState(browser, ADDON_CONSENT_KEY), SENDS);

    const withdrawn = await sendRequest(browser, { type: 'sbc:data-consent', featureId: 'notes', granted: false });
    assert.equal(findFeature(withdrawn, 'notes').state, 'not-installed');
    assert.equal(findFeature(withdrawn, 'notes').reasonCode, 'needs-consent');
    assert.ok(!browser.state.contentScripts.has('sbc:notes:panel'));
    await stopController(controller);
  });

  it('on Firefox 140 and later leaves the answer to Firefox: the request only plans again', async () => {
    const { browser, controller } = await startWaiting([]);
    const status = await sendRequest(browser, { type: 'sbc:data-consent', featureId: 'notes', granted: true });
    assert.equal(findFeature(status, 'notes').reasonCode, 'needs-consent', 'Firefox was not asked, so nothing is granted');
    assert.equal(await readHostState(browser, ADDON_CONSENT_KEY), undefined);
    await stopController(controller);
  });

  it('answers consent for a feature this build does not have with an error naming it', async () => {
    const { browser, controller } = await startWaiting(null);
    const answer = (await sendMessage(browser, { type: 'sbc:data-consent', featureId: 'ghost', granted: true }, OPTIONS_PAGE_SENDER)) as {
      error: { code: string; message: string };
    };
    assert.equal(answer.error.code, 'unknown-feature');
    assert.match(answer.error.message, /"ghost"/);
    await stopController(controller);
  });
});
