import assert from 'node:assert/strict';
import { ManifestRefusedError } from '../../protocol/envelope';
import { checkHaltDocument, verifyHaltDocument, type HaltEntry, type HaltPayload } from '../../protocol/halt-document';
import type { ManifestFeature } from '../../protocol/manifest-schema';
import { planFeatures } from '../../protocol/planner';
import { readRolloutsInForce } from '../../protocol/stage-clock';
import { computeBucket } from '../../protocol/rollout';
import { makeEntry, makeManifestPayload, sha256 } from '../helpers/manifests';
import { createSigningKey, signPayload, type SigningKey } from '../helpers/signing';

const START = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const NOW = new Date(START + 30 * HOUR);
const DAY = 24 * HOUR;

const staged = makeEntry('kit', '1.0.0', sha256('kit'), {
  rollout: 100,
  stages: {
    startAt: new Date(START).toISOString(),
    steps: [
      { rollout: 100, minMinutes: 24 * 60, gates: [] },
      { rollout: 500, minMinutes: 48 * 60, gates: [] },
      { rollout: 10000, gates: [] },
    ],
  },
});
const plain = makeEntry('notes', '1.0.0', sha256('notes'), { rollout: 10000 });
const manifest = makeManifestPayload({ serial: 40, features: [staged, plain] }, START - HOUR, 20);

function haltDoc(halts: Array<Partial<HaltEntry> & Pick<HaltEntry, 'featureId'>>, overrides: Partial<HaltPayload> = {}): HaltPayload {
  return {
    schema: 1,
    kind: 'halt',
    env: 'beta',
    serial: 100,
    issuedAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
    manifestSerial: 40,
    halts: halts.map((halt) => ({ action: 'freeze', reason: 'failureRate exceeds its ceiling', haltedAt: NOW.toISOString(), ...halt })),
    ...overrides,
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ManifestRefusedError, String(error));
    return `${error.reason}: ${error.message}`;
  }
  return 'accepted';
}

describe('halt documents (protocol/halt-document.ts)', () => {
  let haltKey: SigningKey;
  let manifestKey: SigningKey;
  before(async () => {
    haltKey = await createSigningKey('halt-2026');
    manifestKey = await createSigningKey('manifest-2026');
  });
  const verify = (text: string, options: Partial<Parameters<typeof verifyHaltDocument>[1]> = {}) =>
    verifyHaltDocument(text, { signers: { keys: [haltKey.pinned] }, env: 'beta', now: NOW, ...options });
  const refusalOf = async (text: string, options: Partial<Parameters<typeof verifyHaltDocument>[1]> = {}) => {
    try {
      await verify(text, options);
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof ManifestRefusedError, String(error));
      return error.reason;
    }
  };

  it('verifies a halt signed by a halt key, and refuses one signed by any other key (a manifest key included)', async () => {
    const doc = haltDoc([{ featureId: 'kit', action: 'kill' }]);
    assert.deepEqual(await verify(await signPayload(doc, haltKey)), doc);
    assert.equal(await refusalOf(await signPayload(doc, manifestKey)), 'unknown-key');
  });

  it('refuses an expired halt, a serial that goes back, a serial reused for other bytes and one for another environment', async () => {
    const doc = haltDoc([{ featureId: 'kit', action: 'kill' }]);
    assert.equal(await refusalOf(await signPayload(doc, haltKey), { now: new Date(NOW.getTime() + 8 * DAY) }), 'expired');
    assert.equal(await refusalOf(await signPayload(doc, haltKey), { lastSerial: 101 }), 'rollback');
    assert.equal(await refusalOf(await signPayload(doc, haltKey), { lastSerial: 100, lastPayloadSha256: 'f'.repeat(64) }), 'serial-reused');
    assert.equal(await refusalOf(await signPayload({ ...doc, env: 'local' }, haltKey)), 'wrong-env');
    assert.equal(await refusalOf(await signPayload({ ...doc, halts: [{ featureId: 'kit', action: 'raise', reason: 'x', haltedAt: doc.issuedAt }] }, haltKey)), 'malformed-payload');
    // An expired halt accepted before is still read: a halt never lapses by the clock.
    assert.deepEqual(await verify(await signPayload(doc, haltKey), { now: new Date(NOW.getTime() + 8 * DAY), checkExpiry: false }), doc);
  });

  it('accepts a freeze at the stage reached and a kill, of features the manifest lists', () => {
    assert.equal(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'kit', stage: 1 }, { featureId: 'notes', action: 'kill' }]), manifest)), 'accepted');
    assert.equal(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'kit', stage: 0 }]), manifest)), 'accepted');
  });

  it('refuses a halt that raises a stage, names an unknown feature or another manifest', () => {
    assert.match(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'kit', stage: 2 }]), manifest)), /^halt-raises: .*stage 3 of 3 \(100%\), above the stage 2 of 3 \(5%\)/);
    assert.match(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'kit' }]), manifest)), /^halt-raises: .*without naming the stage/);
    assert.match(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'brand-new', action: 'kill' }]), manifest)), /^halt-unknown-feature: .*"brand-new".*may not add a feature/);
    assert.match(refusal(() => checkHaltDocument(haltDoc([{ featureId: 'kit', action: 'kill' }], { manifestSerial: 41 }), manifest)), /^halt-wrong-manifest: /);
  });

  it('refuses a halt that un-kills, lifts a freeze or raises a frozen stage of the halt before it', () => {
    const before = haltDoc([{ featureId: 'kit', stage: 0 }, { featureId: 'notes', action: 'kill' }], { serial: 90 });
    const next = (halts: Parameters<typeof haltDoc>[0]) => refusal(() => checkHaltDocument(haltDoc(halts), manifest, before));
    assert.equal(next([{ featureId: 'kit', stage: 0 }, { featureId: 'notes', action: 'kill' }]), 'accepted');
    assert.equal(next([{ featureId: 'kit', action: 'kill' }, { featureId: 'notes', action: 'kill' }]), 'accepted');
    assert.match(next([{ featureId: 'kit', stage: 0 }]), /^halt-unkills: .*bring back "notes", which halt serial 90 killed/);
    assert.match(next([{ featureId: 'kit', stage: 0 }, { featureId: 'notes', action: 'freeze' }]), /^halt-unkills: /);
    assert.match(next([{ featureId: 'notes', action: 'kill' }]), /^halt-raises: .*drops the freeze/);
    assert.match(next([{ featureId: 'kit', stage: 1 }, { featureId: 'notes', action: 'kill' }]), /^halt-raises: .*from stage 1 up to stage 2/);
    // A halt of an older manifest says nothing about this one's.
    assert.equal(refusal(() => checkHaltDocument(haltDoc([]), manifest, { ...before, manifestSerial: 39 })), 'accepted');
  });

  it('the planner applies a kill (QA force-on included) and holds a frozen stage while the clock moves on, for this manifest only', async () => {
    const unit = (await findUnitInBucket('kit', 100, 500))!;
    const input = (halt: HaltPayload | null, hours: number, overrides = {}) => ({
      manifest,
      registry: [staged, plain].map((f: ManifestFeature) => ({ id: f.id, requiresAccount: false, owners: ['owner@example.org'] })),
      unit,
      environment: { hostVersion: '0.1.0', firefoxVersion: '128.0', os: 'linux', locale: 'en-US' },
      account: { signedIn: false, termsAccepted: false },
      overrides,
      optOuts: [],
      allowUnreviewed: false,
      inForce: readRolloutsInForce(manifest, halt, new Date(START + hours * HOUR)),
    });
    const kit = async (...args: Parameters<typeof input>) => (await planFeatures(input(...args))).find((d) => d.id === 'kit')!;
    // A bucket in the second stage: out on day 1, in from day 2.
    assert.equal((await kit(null, 12)).action, 'uninstall');
    assert.deepEqual([(await kit(null, 30)).action, (await kit(null, 30)).rollout, (await kit(null, 30)).stage?.index], ['install', 500, 1]);
    const frozen = await kit(haltDoc([{ featureId: 'kit', stage: 0 }], { issuedAt: new Date(START + 20 * HOUR).toISOString() }), 30);
    assert.deepEqual([frozen.action, frozen.reasonCode, frozen.rollout, frozen.stage], ['uninstall', 'rollout', 100, { index: 0, count: 3, nextAt: null }]);
    assert.deepEqual(frozen.detail, { held: true });
    assert.deepEqual(frozen.halt, { action: 'freeze', reason: 'failureRate exceeds its ceiling', haltedAt: NOW.toISOString() });
    const killed = await kit(haltDoc([{ featureId: 'kit', action: 'kill' }]), 100, { kit: 'on' });
    assert.deepEqual([killed.action, killed.reasonCode, killed.halt?.action], ['uninstall', 'halted', 'kill']);
    assert.deepEqual(killed.detail, { forcedOn: true });
    // A halt issued for another manifest does nothing.
    assert.equal((await kit(haltDoc([{ featureId: 'kit', action: 'kill' }], { manifestSerial: 39 }), 100)).action, 'install');
  });
});

async function findUnitInBucket(featureId: string, from: number, below: number): Promise<string | undefined> {
  for (let i = 0; i < 5000; i++) {
    const bucket = await computeBucket(featureId, `u-${i}`);
    if (bucket >= from && bucket < below) return `u-${i}`;
  }
  return undefined;
}
