/** HostStatus values for the UI tests; each test overrides only what it is about. */
import type { FeatureStatus, HostStatus } from '../../../extension/messages';

export const NOW = Date.parse('2025-03-01T12:00:00Z');

export function makeFeature(overrides: Partial<FeatureStatus> = {}): FeatureStatus {
  return {
    id: 'reading-time',
    name: 'Reading time',
    description: 'Shows how long an article takes to read.',
    version: '1.2.0',
    state: 'installed',
    reasonCode: 'rollout',
    detail: {},
    override: null,
    optedOut: false,
    requiresAccount: false,
    dataCollection: [],
    missingConsent: [],
    bucket: 4711,
    rollout: 1000,
    ...overrides,
  };
}

export function makeStatus(overrides: Partial<HostStatus> = {}, manifest: Partial<HostStatus['manifest']> = {}): HostStatus {
  return {
    build: { buildEnv: 'beta', origin: 'https://beta.example.org', hostVersion: '0.1.0', allowUnreviewed: false },
    manifest: {
      serial: 12,
      issuedAt: '2025-03-01T10:00:00Z',
      expiresAt: '2025-03-08T10:00:00Z',
      acceptedAt: '2025-03-01T11:00:00Z',
      checkedAt: '2025-03-01T11:55:00Z',
      nextCheckAt: '2025-03-01T12:55:00Z',
      lastError: null,
      unreviewed: false,
      ...manifest,
    },
    account: null,
    telemetryEnabled: true,
    dataConsentSource: 'firefox',
    unit: 'unit-1',
    features: [makeFeature()],
    ...overrides,
  };
}
