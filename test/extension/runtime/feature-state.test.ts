import assert from 'node:assert/strict';
import { sendToFeature } from '../../../extension/runtime/content-messaging';
import {
  deleteFeatureRecord,
  readLedger,
  readOptOuts,
  readOrCreateUnit,
  readOverrides,
  writeFeatureRecord,
  writeOptOut,
  writeOverride,
} from '../../../extension/runtime/feature-state';
import { createFakeBrowser } from '../../helpers/fake-browser';

describe('feature state', () => {
  it('makes the rollout unit once and keeps it across restarts', async () => {
    const browser = createFakeBrowser();
    let made = 0;
    const make = () => `unit-${++made}`;
    const first = await readOrCreateUnit(browser.storage.local, make);
    const again = await readOrCreateUnit(browser.storage.local, make);
    assert.equal(first, 'unit-1');
    assert.equal(again, 'unit-1');
    assert.match(await readOrCreateUnit(createFakeBrowser().storage.local), /^[0-9a-f-]{36}$/);
  });

  it('keeps ledger records per feature and forgets one without touching the others', async () => {
    const { storage } = createFakeBrowser();
    await writeFeatureRecord(storage.local, 'a', { state: 'installing', version: '1.0.0', sha256: 'x', installedAt: null });
    await writeFeatureRecord(storage.local, 'b', { state: 'installed', version: '2.0.0', sha256: 'y', installedAt: '2026-11-25T00:00:00Z' });
    await deleteFeatureRecord(storage.local, 'a');
    assert.deepEqual(Object.keys(await readLedger(storage.local)), ['b']);
  });

  it('stores QA overrides and user opt-outs, and clears them', async () => {
    const { storage } = createFakeBrowser();
    await writeOverride(storage.local, 'a', 'on');
    await writeOverride(storage.local, 'b', 'off');
    await writeOverride(storage.local, 'a', null);
    assert.deepEqual(await readOverrides(storage.local), { b: 'off' });
    await writeOptOut(storage.local, 'z', true);
    await writeOptOut(storage.local, 'y', true);
    await writeOptOut(storage.local, 'z', false);
    assert.deepEqual(await readOptOuts(storage.local), ['y']);
  });
});

describe('content messaging', () => {
  it('wraps a content script\'s payload for the host, addressed to its feature', async () => {
    const sent: unknown[] = [];
    const answer = await sendToFeature('page-notes', { kind: 'get-note' }, { sendMessage: async (m) => (sent.push(m), 'note') });
    assert.deepEqual(sent, [{ type: 'sbc:feature', featureId: 'page-notes', payload: { kind: 'get-note' } }]);
    assert.equal(answer, 'note');
  });
});
