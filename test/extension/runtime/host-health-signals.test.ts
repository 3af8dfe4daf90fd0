// The health signals the host counts for a feature (issue 9 item 1): failed
// installs and activations, errors the feature logs, and the reserved names a
// feature can never count itself. The real host, context and recorder code on
// the fake browser; the usage recorder is the fake one except where consent is
// the point.
import assert from 'node:assert/strict';
import type { HostDb } from '../../../extension/db';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { FeatureHost } from '../../../extension/runtime/feature-host';
import { LEDGER_KEY, type FeatureRecord } from '../../../extension/runtime/feature-state';
import { UsageRecorder } from '../../../extension/telemetry/usage-recorder';
import { HOST_EVENTS } from '../../../protocol/exit-criteria';
import { openFreshDb } from '../../helpers/addon-fixtures';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { sha256 } from '../../helpers/manifests';
import { createTestHost } from '../../helpers/test-host';
import { makeFeature, makeFetchFile, makeLogger, makeServices } from '../../helpers/test-features';

const never = () => new Promise<never>(() => undefined);
const hostCounts = (usage: { counts: Array<{ featureId: string; event: string; by: number }> }) =>
  usage.counts.filter((c) => c.event.startsWith('host.'));

describe('host health signals', () => {
  describe('failed installs and activations count host.install-failed', () => {
    it('when activate throws, for that feature only', async () => {
      const browser = createFakeBrowser();
      const broken = makeFeature('broken', defineFeature({ activate: () => { throw new Error('cannot read settings'); } }));
      const good = makeFeature('good', defineFeature({ activate: () => undefined }));
      const { host, usage } = createTestHost(browser, [broken, good]);
      await host.install(broken.entry);
      await host.install(good.entry);
      assert.equal((await host.getStates()).good?.state, 'installed');
      assert.deepEqual(hostCounts(usage), [{ featureId: 'broken', event: HOST_EVENTS.installFailed, by: 1 }]);
      await host.shutdown();
    });

    it('when the install hook times out', async () => {
      const browser = createFakeBrowser();
      const hanging = makeFeature('hanging', defineFeature({ install: never, activate: () => undefined }));
      const { host, usage } = createTestHost(browser, [hanging], { activateTimeoutMs: 30 });
      await host.install(hanging.entry);
      assert.equal((await host.getStates()).hanging?.error, 'Feature "hanging": install did not finish within 30 ms');
      assert.deepEqual(hostCounts(usage), [{ featureId: 'hanging', event: HOST_EVENTS.installFailed, by: 1 }]);
    });

    it('when the chunk does not match its sign-off (the code never runs)', async () => {
      const browser = createFakeBrowser();
      const feature = makeFeature('alpha', defineFeature({ activate: () => undefined }));
      const { host, usage } = createTestHost(browser, [feature]);
      await host.install({ ...feature.entry, sha256: sha256('the reviewed code') });
      assert.equal(feature.loads(), 0);
      assert.deepEqual(hostCounts(usage), [{ featureId: 'alpha', event: HOST_EVENTS.installFailed, by: 1 }]);
    });

    it('not for a wake whose recorded hashes are an older add-on\'s (an update): the new manifest installs it', async () => {
      const feature = makeFeature('kit', defineFeature({ activate: () => undefined }));
      const record: FeatureRecord = { state: 'installed', version: '1.0.0', sha256: 'f'.repeat(64), files: [], installedAt: '2026-11-20T00:00:00.000Z' };
      const browser = createFakeBrowser({ storage: { [LEDGER_KEY]: { kit: record } } });
      const { host, usage } = createTestHost(browser, [feature]);
      await host.restore();
      assert.equal((await host.getStates()).kit?.state, 'failed');
      await host.install(feature.entry);
      assert.equal((await host.getStates()).kit?.state, 'installed');
      assert.deepEqual(hostCounts(usage), []);
      await host.shutdown();
    });

    it('not for a feature that installs, deactivates and uninstalls cleanly', async () => {
      const browser = createFakeBrowser();
      const feature = makeFeature('kit', defineFeature({ activate: () => undefined, deactivate: () => undefined }));
      const { host, usage } = createTestHost(browser, [feature]);
      await host.install(feature.entry);
      await host.uninstall('kit');
      assert.deepEqual(hostCounts(usage), []);
    });
  });

  describe('errors the feature logs count host.error', () => {
    /** A feature whose logError(n) logs through ctx.log.error. */
    function makeNoisy(id: string, version = '1.0.0') {
      const handle = { logError: (_n: number) => undefined as void };
      const feature = makeFeature(id, defineFeature({
        activate(ctx) {
          handle.logError = (n) => ctx.log.error('sync failed', n);
          ctx.log.warn('only a warning');
        },
      }), { version });
      return { feature, handle };
    }
    /** Polls until `usage` holds `n` host counts of `featureId` (counting is asynchronous, like the page's). */
    async function waitForCounts(usage: { counts: Array<{ featureId: string; event: string; by: number }> }, featureId: string, n: number) {
      const deadline = Date.now() + 2000;
      while (hostCounts(usage).filter((c) => c.featureId === featureId).length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} host count(s) of ${featureId}: ${JSON.stringify(usage.counts)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    it('once per install and version however often it errs, each error still logged; again after a reinstall or an upgrade', async () => {
      const browser = createFakeBrowser();
      const noisy = makeNoisy('noisy');
      const marker = makeNoisy('marker');
      const { host, usage, log } = createTestHost(browser, [noisy.feature, marker.feature]);
      await host.install(noisy.feature.entry);
      await host.install(marker.feature.entry);
      for (let n = 1; n <= 50; n++) noisy.handle.logError(n);
      await waitForCounts(usage, 'noisy', 1);
      // Counted in order: once the marker's error is counted, every noisy one before it was looked at.
      marker.handle.logError(1);
      await waitForCounts(usage, 'marker', 1);
      assert.deepEqual(hostCounts(usage), [
        { featureId: 'noisy', event: HOST_EVENTS.error, by: 1 },
        { featureId: 'marker', event: HOST_EVENTS.error, by: 1 },
      ]);
      assert.ok(log.lines.includes('error [feature noisy] sync failed 1'));
      assert.ok(log.lines.includes('error [feature noisy] sync failed 50'), 'every error is still logged');

      await host.uninstall('noisy');
      await host.install(noisy.feature.entry);
      noisy.handle.logError(51);
      await waitForCounts(usage, 'noisy', 2);
      await host.shutdown();

      const upgraded = makeNoisy('noisy', '1.1.0');
      const next = createTestHost(browser, [upgraded.feature]);
      await next.host.install(upgraded.feature.entry);
      upgraded.handle.logError(1);
      await waitForCounts(next.usage, 'noisy', 1);
      assert.deepEqual(hostCounts(next.usage), [{ featureId: 'noisy', event: HOST_EVENTS.error, by: 1 }], 'a new version counts afresh');
      await next.host.shutdown();
    });

    it('not again after a wake for the same version', async () => {
      const browser = createFakeBrowser();
      const noisy = makeNoisy('noisy');
      const marker = makeNoisy('marker');
      const first = createTestHost(browser, [noisy.feature, marker.feature]);
      await first.host.install(noisy.feature.entry);
      noisy.handle.logError(1);
      await waitForCounts(first.usage, 'noisy', 1);
      browser.suspend();
      const woken = createTestHost(browser, [noisy.feature, marker.feature]);
      await woken.host.restore();
      await woken.host.install(marker.feature.entry);
      noisy.handle.logError(2);
      marker.handle.logError(1);
      await waitForCounts(woken.usage, 'marker', 1);
      assert.deepEqual(hostCounts(woken.usage), [{ featureId: 'marker', event: HOST_EVENTS.error, by: 1 }]);
      await woken.host.shutdown();
    });
  });

  describe('a feature cannot count a host event', () => {
    for (const event of [...Object.values(HOST_EVENTS), 'host.anything-new']) {
      it(`ctx.usage.count("${event}") is refused: nothing recorded, the refusal logged`, async () => {
        const browser = createFakeBrowser();
        let count: () => Promise<void> = async () => undefined;
        const feature = makeFeature('sly', defineFeature({ activate: (ctx) => void (count = () => ctx.usage.count(event)) }));
        const { host, usage, log } = createTestHost(browser, [feature]);
        await host.install(feature.entry);
        await count();
        assert.deepEqual(usage.counts, []);
        assert.ok(log.lines.some((l) => l.startsWith(`warn [feature sly] usage counter "${event}" was not recorded`) && l.includes('reserved for the host')), log.lines.join('\n'));
        await host.shutdown();
      });
    }
  });

  describe('under the same consent as every counter', () => {
    let db: HostDb;
    beforeEach(async () => (db = await openFreshDb()));
    afterEach(() => db.close());

    it('records host.install-failed in IndexedDB under its day while counters are on, and nothing once the user turned them off', async () => {
      const now = new Date('2026-11-25T10:00:00Z');
      const usage = new UsageRecorder({ db, now: () => now });
      const broken = makeFeature('broken', defineFeature({ activate: () => { throw new Error('no'); } }));
      const host = new FeatureHost({
        browser: createFakeBrowser(),
        registry: [broken.registered],
        fetchFile: makeFetchFile(broken.files).fetchFile,
        usage,
        services: makeServices(),
        log: makeLogger(),
      });
      await host.install(broken.entry);
      assert.deepEqual(await db.getAll('usage'), [{ day: '2026-11-25', featureId: 'broken', event: HOST_EVENTS.installFailed, count: 1 }]);
      await host.uninstall('broken');
      await usage.setEnabled(false);
      await host.install(broken.entry);
      assert.deepEqual(await db.getAll('usage'), []);
    });
  });
});
