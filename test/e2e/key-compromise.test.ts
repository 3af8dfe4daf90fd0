/**
 * The README's "Key compromise" runbook in a real Firefox: the build pins a
 * root key only; the key document it signs lists the manifest key. When that
 * key leaks, a new key document revokes it and the manifest is re-signed with
 * a new key: on its next check the add-on refuses anything the leaked key
 * signs, says which key and why in the QA panel, and accepts the re-signed
 * manifest, with no new add-on.
 */
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { makeManifestPayload, reviewedEntries } from '../helpers/manifests';
import { createSigningKeys, signKeyDocument, signPayload, type SigningKey } from '../helpers/signing';
import { useAddonSession } from './helpers/addon-session';
import { openQaPanel, readFeatureRow, readStatus, refreshManifest, waitForFeatureState } from './helpers/qa-panel';
import { TEST_MS, waitUntil } from './helpers/waits';

const ADDON_UUID = '9d2f4c61-3a0b-4e57-8c19-6b7e2d4f0a13';

describe('the add-on in Firefox: a leaked manifest key is revoked without a new add-on', function () {
  this.timeout(TEST_MS);
  const current = useAddonSession({ addonUuid: ADDON_UUID, features: ['reading-time'] });
  let leaked: SigningKey;
  let fresh: SigningKey;
  let panel: Page;

  before(async () => {
    [leaked, fresh] = await createSigningKeys('e2e-manifest-a', 'e2e-manifest-b');
  });

  const readKeys = async () => {
    const [serial, manifestKeys, revoked] = await panel.evaluate(() =>
      ['keys-serial', 'keys-manifest', 'keys-revoked'].map((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? ''),
    );
    return { serial, manifestKeys, revoked };
  };
  const serve = async (serial: number, signer: SigningKey, options: { killed?: boolean } = {}) => {
    const { server, addon } = current();
    server.setManifest(await signPayload(makeManifestPayload({ serial, features: reviewedEntries(addon.lock, ['reading-time'], options) }), signer));
  };

  it('accepts a manifest signed by a new manifest key that a root-signed key document lists', async function () {
    const { server, key: root, addonUuid } = current();
    panel = current().panel;
    await openQaPanel(panel, addonUuid, 'reading-time');
    await waitForFeatureState(panel, 'reading-time', 'installed');
    server.setKeys(await signKeyDocument(root, [leaked.pinned], { serial: 2 }));
    await serve(2, leaked);
    await refreshManifest(panel);
    await waitUntil(() => readStatus(panel), (status) => status.serial === '2', 'serial 2 signed by e2e-manifest-a accepted');
    assert.deepEqual(await readKeys(), { serial: '2', manifestKeys: 'e2e-manifest-a', revoked: 'none' });
  });

  it('refuses a manifest signed by the revoked key and names the key and why in the QA panel', async function () {
    const { server, key: root } = current();
    server.setKeys(await signKeyDocument(root, [fresh.pinned], { serial: 3, revoked: [{ keyId: 'e2e-manifest-a', reason: 'leaked in a CI log' }] }));
    // Whoever holds the leaked key tries to turn reading-time off everywhere.
    await serve(3, leaked, { killed: true });
    await refreshManifest(panel);
    const { manifestError } = await waitUntil(() => readStatus(panel), (status) => /revoked-key/.test(status.manifestError), 'the revoked-key refusal in the panel');
    assert.match(manifestError, /Signed with a revoked key \(revoked-key, key e2e-manifest-a\)/);
    assert.match(manifestError, /e2e-manifest-a \(revoked: leaked in a CI log\)/);
    assert.deepEqual(await readKeys(), { serial: '3', manifestKeys: 'e2e-manifest-b', revoked: 'e2e-manifest-a (leaked in a CI log)' });
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed', 'the kill switch signed by the revoked key did nothing');
  });

  it('accepts the manifest re-signed with the new key on the next check', async function () {
    await serve(4, fresh);
    await refreshManifest(panel);
    const status = await waitUntil(() => readStatus(panel), (s) => s.serial === '4', 'serial 4 signed by e2e-manifest-b accepted');
    assert.equal(status.manifestError, '');
    assert.equal((await readFeatureRow(panel, 'reading-time'))?.state, 'installed');
  });
});
