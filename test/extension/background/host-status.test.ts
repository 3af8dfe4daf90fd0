import assert from 'node:assert/strict';
import { buildHostStatus, type HostStatusInput } from '../../../extension/background/host-status';
import { defineFeature } from '../../../extension/runtime/feature-api';
import type { ManifestStatus } from '../../../extension/messages';
import { describeReason } from '../../../extension/ui/reason-view';
import { createSigningKey as makeKey } from '../../helpers/signing';
import { makeFeature } from '../../helpers/test-features';
import { makeBuildConfig } from './controller-harness';

const noManifest: ManifestStatus = {
  serial: null,
  issuedAt: null,
  expiresAt: null,
  acceptedAt: null,
  checkedAt: null,
  nextCheckAt: null,
  lastError: null,
  unreviewed: false,
};

async function makeInput(overrides: Partial<HostStatusInput>): Promise<HostStatusInput> {
  return {
    config: makeBuildConfig(await makeKey('beta-1')),
    registry: [],
    manifestPayload: null,
    manifest: noManifest,
    session: null,
    telemetryEnabled: true,
    dataConsent: { source: 'firefox', granted: [] },
    unit: 'unit-1',
    overrides: {},
    optOuts: [],
    ledger: {},
    decisions: [],
    startedAt: '2026-11-25T12:00:00.000Z',
    ...overrides,
  };
}

describe('background: host status', () => {
  it('shows a failed install with its error as the reason, whatever the plan said', async () => {
    const alpha = makeFeature('alpha', defineFeature({ activate: () => undefined }));
    const status = buildHostStatus(
      await makeInput({
        registry: [alpha.registered],
        ledger: { alpha: { state: 'failed', version: '1.0.0', sha256: alpha.entry.sha256, installedAt: null, error: 'cannot read settings' } },
        decisions: [{ id: 'alpha', action: 'install', entry: alpha.entry, reasonCode: 'eligible', detail: {}, bucket: 12, rollout: 10000 }],
      }),
    );
    const [feature] = status.features;
    assert.equal(feature?.state, 'failed');
    assert.equal(describeReason(feature!, 'firefox'), 'Install failed: cannot read settings');
    assert.equal(feature?.reasonCode, 'failed');
    assert.equal(feature?.error, 'cannot read settings');
    assert.equal(feature?.bucket, 12);
  });

  it('still lists a feature known only to the ledger, with its recorded version and state', async () => {
    const alpha = makeFeature('alpha', defineFeature({ activate: () => undefined }));
    const status = buildHostStatus(
      await makeInput({
        registry: [alpha.registered],
        ledger: { retired: { state: 'installed', version: '0.9.0', sha256: 'b'.repeat(64), installedAt: '2026-11-01T00:00:00.000Z' } },
      }),
    );
    assert.deepEqual(status.features.map((f) => f.id), ['alpha', 'retired']);
    const retired = status.features[1]!;
    assert.equal(retired.state, 'installed');
    assert.equal(retired.name, 'retired');
    assert.equal(retired.version, '0.9.0');
    assert.equal(retired.reasonCode, 'no-manifest');
    assert.equal(status.features[0]?.state, 'not-installed');
  });
});
