import assert from 'node:assert/strict';
import { concernsUsageConsent, readUsageConsent } from '../../../extension/telemetry/data-consent';

describe("Firefox's built-in data-collection consent for usage counters", () => {
  it('is granted only when technicalAndInteraction is among the granted data-collection permissions', async () => {
    assert.equal(await readUsageConsent({ getAll: async () => ({ data_collection: ['technicalAndInteraction'] }) }), true);
    assert.equal(await readUsageConsent({ getAll: async () => ({ data_collection: [] }) }), false);
  });

  it('is unknown (null) on a Firefox without it, such as ESR 128, so the add-on switch decides', async () => {
    assert.equal(await readUsageConsent({ getAll: async () => ({}) }), null);
    assert.equal(await readUsageConsent(undefined), null);
  });

  it('recognises a permission change that grants or revokes it', () => {
    assert.equal(concernsUsageConsent({ data_collection: ['technicalAndInteraction'] }), true);
    assert.equal(concernsUsageConsent({ data_collection: ['locationInfo'] }), false);
    assert.equal(concernsUsageConsent({}), false);
  });
});
