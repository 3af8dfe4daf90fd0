/**
 * What the host tells about itself, through the real controller on a fake
 * browser: the change log behind the badge, the server's reachability, and
 * diagnostics that carry no token and no email.
 */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { PRESENCE_KEY } from '../../../extension/background/change-log';
import { captureErrors } from '../../../extension/background/diagnostics';
import { buildDiagnostics, redact } from '../../../extension/ui/diagnostics-report';
import { ServerReachability } from '../../../extension/background/server-reachability';
import { SESSION_STORAGE_KEY } from '../../../extension/account/account-session';
import type { HostResponse } from '../../../extension/messages';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { manifestResponse, scriptedFetch } from '../../helpers/addon-fixtures';
import { makeFeature } from '../../helpers/test-features';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { makeFeature as makeFeatureStatus, makeStatus } from '../ui/status-fixture';
import { createControllerBrowser, createTestController, readHostState, requestStatus, sendRequest, signManifest, stopController, useSignedAddon, waitFor, waitForLedgerState } from './controller-harness';

const TOKEN = 'tok_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a';
const EMAIL = 'beta.tester@example.org';

const quiet = () => makeFeature('quiet', defineFeature({ activate() {} }));

describe('background: host insights', () => {
  const addon = useSignedAddon();

  it('lights the badge and lists the change when a newly accepted manifest adds a feature', async () => {
    const browser = createControllerBrowser();
    const action = { setBadgeText: sinon.fake.resolves(undefined), setBadgeBackgroundColor: sinon.fake.resolves(undefined) };
    Object.assign(browser, { action });
    const feature = quiet();
    addon.serve([feature]);
    const empty = await signManifest(addon.key, [], 5);
    const withFeature = await signManifest(addon.key, [feature.entry], 6);
    let envelope = empty;
    const server = { fetch: async () => manifestResponse(envelope, `"${envelope.length}"`) };
    const { controller } = createTestController({ browser, key: addon.key, features: [feature], fetch: server.fetch as typeof fetch });
    await controller.start();
    await waitFor(async () => (await requestStatus(browser)).manifest.serial === 5, 'the first manifest');
    // That check ends with the change log; a refresh asked before then would share it.
    await waitFor(async () => (await readHostState(browser, PRESENCE_KEY)) !== undefined, 'the first manifest check to finish');
    assert.deepEqual((await sendRequest<HostResponse<{ type: 'sbc:changes' }>>(browser, { type: 'sbc:changes' })).entries, []);

    envelope = withFeature;
    await sendRequest(browser, { type: 'sbc:refresh' });
    await waitForLedgerState(browser, 'quiet', 'installed');
    const changes = await sendRequest<HostResponse<{ type: 'sbc:changes' }>>(browser, { type: 'sbc:changes' });
    assert.deepEqual(changes.entries.map((entry) => [entry.featureId, entry.kind]), [['quiet', 'added']]);
    assert.equal(changes.unseen, 1);
    assert.deepEqual(action.setBadgeText.lastCall.args[0], { text: '1' });

    assert.equal((await sendRequest<HostResponse<{ type: 'sbc:changes-seen' }>>(browser, { type: 'sbc:changes-seen' })).unseen, 0);
    assert.deepEqual(action.setBadgeText.lastCall.args[0], { text: '' });
    await stopController(controller);
  });

  it('copies diagnostics with the build, manifest key, decisions and errors, and no token or email', async () => {
    const browser = createControllerBrowser({
      storage: { [SESSION_STORAGE_KEY]: { email: EMAIL, token: TOKEN, expiresAt: '2099-01-01T00:00:00Z', acceptedTerms: '1', termsOutdated: false } },
    });
    const feature = quiet();
    addon.serve([feature]);
    const envelope = await signManifest(addon.key, [feature.entry]);
    const server = scriptedFetch(() => manifestResponse(envelope));
    const { controller } = createTestController({ browser, key: addon.key, features: [feature], fetch: server.fetch as typeof fetch });
    await controller.start();
    await waitForLedgerState(browser, 'quiet', 'installed');
    assert.equal((await requestStatus(browser)).account?.email, EMAIL, 'the test is signed in');

    // The background sends the facts; the QA panel assembles and scrubs the report it copies.
    const report = buildDiagnostics({ ...(await sendRequest<HostResponse<{ type: 'sbc:diagnostics' }>>(browser, { type: 'sbc:diagnostics' })), now: new Date() });
    const text = JSON.stringify(report);
    assert.ok(!text.includes(TOKEN), 'no token');
    assert.ok(!text.includes(EMAIL), 'no email');
    assert.equal(report.kind, 'services-beta-channel-diagnostics');
    assert.equal(report.build.buildEnv, 'beta');
    assert.equal(report.environment.os, 'linux');
    assert.deepEqual([report.manifest.serial, report.manifest.keyIds], [5, ['beta-1']]);
    assert.deepEqual(report.account, { signedIn: true, termsOutdated: false });
    assert.deepEqual(report.features.map((f) => [f.id, f.state, f.decision]), [['quiet', 'installed', 'eligible']]);
    assert.match(report.features[0]!.reason, /Rollout 100%/);
    await stopController(controller);
  });

  describe('redaction', () => {
    it('drops secret keys and masks emails and bearer tokens wherever they hide', () => {
      const status = makeStatus({ account: { email: EMAIL, termsOutdated: false }, features: [makeFeatureStatus({ error: `401 for ${EMAIL} with Bearer ${TOKEN}` })] });
      const report = buildDiagnostics({
        status,
        environment: { hostVersion: '0.1.0', firefoxVersion: '128.0', os: 'linux', locale: 'en-US' },
        keyIds: ['beta-1'],
        errors: [{ at: '2025-03-01T12:00:00Z', message: `session ${TOKEN} refused for ${EMAIL}` }],
        now: new Date('2025-03-01T12:00:00Z'),
      });
      const text = JSON.stringify(report);
      assert.ok(!text.includes(EMAIL) && !text.includes(TOKEN), text);
      assert.match(report.features[0]!.error ?? '', /401 for \[email\] with Bearer \[token\]/);
      assert.deepEqual(redact({ token: 'x', password: 'y', nested: [{ authorization: 'z', keep: 'ok' }] }), { nested: [{ keep: 'ok' }] });
    });

    it('keeps the host’s last errors for the report, and still logs them', () => {
      const errors: Array<{ at: string; message: string }> = [];
      const logged: unknown[] = [];
      const log = captureErrors({ error: (...args: unknown[]) => logged.push(args) }, errors, () => new Date('2025-03-01T12:00:00Z'));
      log.error('the manifest could not be stored', new Error('quota exceeded'));
      assert.deepEqual(errors, [{ at: '2025-03-01T12:00:00.000Z', message: 'the manifest could not be stored quota exceeded' }]);
      assert.equal(logged.length, 1);
    });
  });

  describe('server reachability', () => {
    it('learns from every request whether the server answers, and calls back once it is back', async () => {
      const browser = createFakeBrowser();
      let now = new Date('2025-03-01T12:00:00Z');
      const reachability = new ServerReachability(browser.storage.local, () => now, { warn: () => {} });
      let up = false;
      const fetchImpl = reachability.wrap(async (_input: string | URL, _init?: RequestInit) => {
        if (!up) throw new TypeError('NetworkError when attempting to fetch resource.');
        return new Response('{}', { status: 503 });
      });
      const recovered = sinon.fake();
      reachability.onRecovered(recovered);

      await assert.rejects(fetchImpl('https://beta.example.test/v1/terms'), /NetworkError/);
      assert.deepEqual(await reachability.snapshot(), {
        reachable: false,
        lastReachedAt: null,
        lastFailureAt: '2025-03-01T12:00:00.000Z',
        lastFailure: 'NetworkError when attempting to fetch resource.',
      });
      up = true;
      now = new Date('2025-03-01T12:00:05Z');
      assert.equal((await fetchImpl('https://beta.example.test/v1/terms')).status, 503, 'an HTTP error is still an answer');
      const back = await reachability.snapshot();
      assert.deepEqual([back.reachable, back.lastReachedAt], [true, '2025-03-01T12:00:05.000Z']);
      assert.equal(recovered.callCount, 1);

      // The next life of the event page starts from what was stored.
      const again = new ServerReachability(browser.storage.local, () => now, { warn: () => {} });
      assert.equal((await again.snapshot()).reachable, true);
    });
  });
});
