/**
 * What a wake of the event page costs in local work: its state read in one
 * IndexedDB transaction, no network, nothing redone that an earlier life
 * did and stored (the manifest's verification, the chunks' hashes), and
 * nothing written when nothing changed. An add-on updated from the version
 * that kept its state in storage.local keeps QA's overrides, the user's
 * opt-outs, the rollout unit and the ledger.
 */
import assert from 'node:assert/strict';
import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import sinon from 'sinon';
import { PRESENCE_KEY } from '../../../extension/background/change-log';
import { HOST_DB_NAME, openHostDb } from '../../../extension/db';
import { MIGRATED_KEY } from '../../../extension/host-state';
import { defineFeature } from '../../../extension/runtime/feature-api';
import { LEDGER_KEY, OPT_OUTS_KEY, OVERRIDES_KEY, UNIT_KEY } from '../../../extension/runtime/feature-state';
import { manifestResponse, scriptedFetch } from '../../helpers/addon-fixtures';
import { createSigningKey as makeKey, type SigningKey as TestKey } from '../../helpers/signing';
import { makeFeature } from '../../helpers/test-features';
import {
  createControllerBrowser,
  createTestController,
  readHostLedger,
  readHostState,
  requestStatus,
  serveAddonFiles,
  signManifest,
  stopController,
  waitFor,
  waitForLedgerState,
} from './controller-harness';

function makeNoteFeature(id: string) {
  return makeFeature(
    id,
    defineFeature({
      async activate(ctx) {
        await ctx.contentScripts.register({ id: 'note', matches: ['https://*/*'], js: ['content/note.js'] });
      },
    }),
    { files: { [`features/${id}/content/note.js`]: `note('${id}')` } },
  );
}

/** The first life's manifest check ends with the change log; what it writes later would count as the wake's. */
function waitForFirstCheck(browser: Parameters<typeof readHostState>[0]): Promise<void> {
  return waitFor(async () => (await readHostState(browser, PRESENCE_KEY)) !== undefined, 'the first manifest check to finish');
}

/** Every IndexedDB transaction opened from now on, with its stores and mode. */
function countTransactions(): Array<{ stores: string[]; mode: string }> {
  const seen: Array<{ stores: string[]; mode: string }> = [];
  const open = IDBDatabase.prototype.transaction;
  sinon.stub(IDBDatabase.prototype, 'transaction').callsFake(function (this: IDBDatabase, stores: string | Iterable<string>, mode?: IDBTransactionMode) {
    seen.push({ stores: (typeof stores === 'string' ? [stores] : [...stores]).sort(), mode: mode ?? 'readonly' });
    return open.call(this, stores, mode);
  });
  return seen;
}

describe('background: what a wake reads and writes', () => {
  let key: TestKey;
  let addonFiles: ReturnType<typeof serveAddonFiles> | undefined;

  before(async () => {
    key = await makeKey('beta-1');
  });

  afterEach(() => {
    addonFiles?.restore();
    addonFiles = undefined;
    sinon.restore();
  });

  it('reads its state in one readonly transaction, sends nothing, hashes nothing again and writes nothing', async () => {
    const features = [makeNoteFeature('alpha'), makeNoteFeature('beta')];
    const browser = createControllerBrowser();
    addonFiles = serveAddonFiles(features);
    const server = scriptedFetch(async () => manifestResponse(await signManifest(key, features.map((feature) => feature.entry))));
    const first = createTestController({ browser, key, features, fetch: server.fetch });
    await first.controller.start();
    await waitForLedgerState(browser, 'alpha', 'installed');
    await waitForLedgerState(browser, 'beta', 'installed');
    // A page asked for the status once: the overrides, the unit and the change log all exist.
    await requestStatus(browser);
    await waitForFirstCheck(browser);
    first.suspend();
    const requests = server.requests.length;
    const fileReads = addonFiles.reads.length;

    const transactions = countTransactions();
    const wake = createTestController({ browser, key, features, fetch: server.fetch, indexedDB: first.indexedDB });
    await wake.controller.start();

    assert.deepEqual(transactions, [{ stores: ['channel', 'manifest', 'state'], mode: 'readonly' }], 'one readonly transaction, nothing written');
    assert.equal(server.requests.length, requests, 'no request to the beta server');
    assert.equal(addonFiles.reads.length, fileReads, 'no chunk or content script read and hashed again');
    assert.deepEqual(wake.log.lines.filter((line) => line.startsWith('error')), []);
    assert.ok(browser.state.contentScripts.has('sbc:alpha:note') && browser.state.contentScripts.has('sbc:beta:note'), 'both features run again');
    await stopController(wake.controller);
  });

  it('keeps what an add-on that kept its state in storage.local had: overrides, opt-outs, the unit and the ledger, moved once', async () => {
    const alpha = makeNoteFeature('alpha');
    const features = [alpha, makeNoteFeature('beta')];
    // The older add-on's database (version 1, before the state store) and its storage.local.
    const indexedDB = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(HOST_DB_NAME, 1);
      request.onupgradeneeded = () => {
        for (const name of ['manifest', 'channel']) request.result.createObjectStore(name);
        request.result.createObjectStore('usage', { keyPath: ['day', 'featureId', 'event'] });
        request.result.createObjectStore('outbox', { keyPath: 'batchId' });
        request.result.createObjectStore('feedback', { keyPath: 'id', autoIncrement: true });
        request.result.createObjectStore('channel-extra-test-marker');
      };
      request.onsuccess = () => (request.result.close(), resolve());
      request.onerror = () => reject(request.error);
    });
    const legacy = {
      [OVERRIDES_KEY]: { beta: 'off' },
      [OPT_OUTS_KEY]: ['gamma'],
      [UNIT_KEY]: 'unit-from-the-older-add-on',
      // alpha was installed by the older add-on: restored from this record, its install hook does not run again.
      [LEDGER_KEY]: { alpha: { state: 'installed', version: alpha.entry.version, sha256: alpha.entry.sha256, files: alpha.entry.files, installedAt: '2026-01-01T00:00:00.000Z' } },
      'feature:alpha:seen': true,
    };
    const browser = createControllerBrowser({ storage: legacy });
    addonFiles = serveAddonFiles(features);
    const server = scriptedFetch(async () => manifestResponse(await signManifest(key, features.map((feature) => feature.entry))));
    const first = createTestController({ browser, key, features, fetch: server.fetch, indexedDB });
    await first.controller.start();
    // alpha runs again from the moved ledger at once; the manifest arrives afterwards.
    await waitFor(async () => (await requestStatus(browser)).manifest.serial === 5, 'the manifest to be accepted');
    await waitForFirstCheck(browser);

    const status = await requestStatus(browser);
    assert.equal(status.unit, 'unit-from-the-older-add-on', 'buckets do not move');
    assert.equal(status.features.find((feature) => feature.id === 'beta')?.override, 'off', 'QA’s override holds');
    assert.equal(status.features.find((feature) => feature.id === 'beta')?.state, 'not-installed');
    assert.deepEqual(await readHostState(browser, OPT_OUTS_KEY), ['gamma']);
    assert.deepEqual([(await readHostLedger(browser)).alpha?.state, (await readHostLedger(browser)).alpha?.installedAt], ['installed', '2026-01-01T00:00:00.000Z']);
    assert.ok(browser.state.contentScripts.has('sbc:alpha:note'));
    assert.equal(await readHostState(browser, MIGRATED_KEY), true);
    const left = await browser.storage.local.get(null);
    assert.deepEqual(Object.keys(left).filter((key) => key.startsWith('host:')), [], 'moved, not copied: storage.local holds no host state');
    assert.equal(left['feature:alpha:seen'], true, 'features’ own data stays where they keep it');
    first.suspend();

    // The next wake moves nothing: storage.local now holding a stray host key is not read.
    await browser.storage.local.set({ [OVERRIDES_KEY]: { alpha: 'off' } });
    const transactions = countTransactions();
    const wake = createTestController({ browser, key, features, fetch: server.fetch, indexedDB });
    await wake.controller.start();
    assert.deepEqual(transactions, [{ stores: ['channel', 'manifest', 'state'], mode: 'readonly' }]);
    assert.equal((await requestStatus(browser)).features.find((feature) => feature.id === 'alpha')?.override, null);
    const db = await openHostDb(indexedDB);
    assert.ok([...(db.objectStoreNames as DOMStringList)].includes('channel-extra-test-marker'), 'the same database, upgraded');
    db.close();
    await stopController(wake.controller);
  });
});
