import assert from 'node:assert/strict';
import type { ManifestFeature, ManifestPayload } from '../../protocol/manifest-schema';
import { planFeatures, type PlanDecision, type PlanInput } from '../../protocol/planner';
import { computeBucket } from '../../protocol/rollout';
import { describeReason } from '../../extension/ui/reason-view';
import { makeEntry, makeServiceEntry, sha256 } from '../helpers/manifests';

const UNIT = '6b1f4c3e-2d8a-4e1b-9c7f-0a5d3e2b1c4f';

function manifestOf(...features: ManifestFeature[]): ManifestPayload {
  return { schema: 1, env: 'beta', serial: 3, issuedAt: '2026-11-25T00:00:00Z', expiresAt: '2026-12-25T00:00:00Z', features };
}

function inputFor(features: ManifestFeature[], overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    manifest: manifestOf(...features),
    registry: features.map((f) => ({ id: f.id, requiresAccount: false, owners: ['owner@example.org'] })),
    unit: UNIT,
    environment: { hostVersion: '0.1.0', firefoxVersion: '128.0.3esr', os: 'linux', locale: 'en-US' },
    account: { signedIn: true, termsAccepted: true },
    overrides: {},
    optOuts: [],
    allowUnreviewed: false,
    ...overrides,
  };
}

const entry = (overrides: Partial<ManifestFeature> = {}) => makeEntry('kit', '1.0.0', sha256('kit code'), overrides);

/** The decision for kit, with the sentence QA reads in the panel for it (the planner gives a code and parameters; the panel words them). */
async function decide(features: ManifestFeature[], overrides: Partial<PlanInput> = {}): Promise<PlanDecision & { reason: string }> {
  const input = inputFor(features, overrides);
  const decisions = await planFeatures(input);
  const found = decisions.find((d) => d.id === 'kit');
  assert.ok(found, 'a decision for kit');
  assert.equal(JSON.stringify(found.detail), JSON.stringify(JSON.parse(JSON.stringify(found.detail))), 'the reason travels as plain data');
  return { ...found, reason: describeReason(found, input.dataConsent?.source ?? 'firefox') };
}

describe('planner', () => {
  let bucket: number;
  before(async () => {
    bucket = await computeBucket('kit', UNIT);
  });

  it('installs an eligible feature, saying which bucket and rollout', async () => {
    const d = await decide([entry({ rollout: bucket + 1 })]);
    assert.equal(d.action, 'install');
    assert.equal(d.reasonCode, 'eligible');
    assert.equal(d.bucket, bucket);
    assert.equal(d.rollout, bucket + 1);
    assert.equal(d.entry?.id, 'kit');
    assert.match(d.reason, new RegExp(`bucket ${bucket} is below ${bucket + 1}`));
  });

  it('uninstalls a feature outside its rollout with a sentence QA can read', async () => {
    const d = await decide([entry({ rollout: bucket })]);
    assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'rollout']);
    assert.match(d.reason, new RegExp(`^Rollout [0-9.]+%: this browser's bucket ${bucket} is at or above ${bucket}$`));
  });

  it('keeps everything as it is when there is no manifest, including features only in the ledger', async () => {
    const decisions = await planFeatures({ ...inputFor([entry()]), manifest: null, installed: ['old'] });
    assert.deepEqual(decisions.map((d) => [d.id, d.action, d.reasonCode]), [['kit', 'keep', 'no-manifest'], ['old', 'keep', 'no-manifest']]);
  });

  it('uninstalls what the manifest no longer lists and what this build does not have', async () => {
    const decisions = await planFeatures({
      ...inputFor([entry(), makeEntry('future', '1.0.0', sha256('f'))]),
      registry: [{ id: 'kit', requiresAccount: false, owners: ['owner@example.org'] }],
      installed: ['retired'],
    });
    assert.deepEqual(decisions.map((d) => [d.id, d.action, d.reasonCode]), [
      ['future', 'uninstall', 'not-in-build'],
      ['kit', 'install', 'eligible'],
      ['retired', 'uninstall', 'not-in-manifest'],
    ]);
  });

  it('the kill switch beats a QA force-on', async () => {
    const d = await decide([entry({ killed: true })], { overrides: { kit: 'on' } });
    assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'killed']);
    assert.match(d.reason, /QA force-on does not override it/);
  });

  it('refuses missing sign-offs, even when QA forces it on, unless the build allows unreviewed features', async () => {
    const unsigned = entry({ signOffs: {} });
    const refused = await decide([unsigned], { overrides: { kit: 'on' } });
    assert.deepEqual([refused.action, refused.reasonCode], ['uninstall', 'sign-offs']);
    assert.match(refused.reason, /kit: no security sign-off/);
    const allowed = await decide([unsigned], { allowUnreviewed: true });
    assert.equal(allowed.action, 'install');
    assert.match(allowed.reason, /UNREVIEWED/);
  });

  it('judges self-review against the owners in the build, not those a manifest entry lists', async () => {
    // The entry leaves its owners out, and the owner signed off their own feature.
    const selfReviewed = entry({ owners: [] });
    selfReviewed.signOffs.security = { ...selfReviewed.signOffs.security!, reviewer: 'Dana@Example.org ' };
    const registry = [{ id: 'kit', requiresAccount: false, owners: ['dana@example.org'] }];
    const d = await decide([selfReviewed], { registry, overrides: { kit: 'on' } });
    assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'sign-offs']);
    assert.match(d.reason, /kit: security sign-off by Dana@Example\.org , who owns the feature/);
    // Owners the entry adds count too.
    const listed = entry({ owners: ['sec@example.org'] });
    assert.equal((await decide([listed], { registry })).reasonCode, 'sign-offs');
  });

  it('uninstalls a feature whose content script changed since its sign-offs, even when QA forces it on', async () => {
    const reviewed = entry({ files: [{ path: 'features/kit/content/badge.js', sha256: sha256('badge()') }] });
    assert.equal((await decide([reviewed])).action, 'install');
    // A publisher who copied the new hash from the lock but kept the old sign-offs.
    const edited = { ...reviewed, files: [{ path: 'features/kit/content/badge.js', sha256: sha256('badge() and more') }] };
    const d = await decide([edited], { overrides: { kit: 'on' } });
    assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'sign-offs']);
    assert.match(d.reason, /kit: security sign-off was given for other content-script files \(1 difference\): features\/kit\/content\/badge\.js differs/);
  });

  it('QA off disables, and beats an eligible rollout', async () => {
    const d = await decide([entry()], { overrides: { kit: 'off' } });
    assert.deepEqual([d.action, d.reasonCode], ['disable', 'qa-off']);
  });

  it('QA on bypasses rollout, targeting and the user opt-out', async () => {
    const d = await decide([entry({ rollout: 0, targeting: { os: ['win'] } })], { overrides: { kit: 'on' }, optOuts: ['kit'] });
    assert.deepEqual([d.action, d.reasonCode], ['install', 'qa-on']);
  });

  it('QA on does not bypass the account gate, and says so', async () => {
    const d = await decide([entry({ requiresAccount: true })], { overrides: { kit: 'on' }, account: { signedIn: false, termsAccepted: false } });
    assert.deepEqual([d.action, d.reasonCode], ['disable', 'needs-account']);
    assert.match(d.reason, /not the account gate/);
  });

  it('a user opt-out disables (data kept) before targeting and rollout are considered', async () => {
    const d = await decide([entry({ rollout: 0 })], { optOuts: ['kit'] });
    assert.deepEqual([d.action, d.reasonCode], ['disable', 'opted-out']);
  });

  const targetingCases: Array<[string, ManifestFeature['targeting'], RegExp]> = [
    ['host version', { hostVersion: { min: '0.2.0' } }, /host version 0.1.0 is outside 0.2.0 and later/],
    ['Firefox version', { firefoxVersion: { min: '115.0', max: '127.0' } }, /Firefox 128.0.3esr is outside 115.0–127.0/],
    ['OS', { os: ['win', 'mac'] }, /OS "linux" is not one of win, mac/],
    ['locale', { locales: ['de', 'fr'] }, /locale "en-US" is not one of de, fr/],
  ];
  for (const [rule, targeting, reason] of targetingCases) {
    it(`uninstalls when ${rule} targeting does not match, naming the rule`, async () => {
      const d = await decide([entry({ targeting })]);
      assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'targeting']);
      assert.match(d.reason, reason);
    });
  }

  it('installs when every targeting rule matches ("en" covers "en-US")', async () => {
    const d = await decide([entry({ targeting: { hostVersion: { min: '0.1.0' }, firefoxVersion: { min: '128.0' }, os: ['linux'], locales: ['en'] } })]);
    assert.equal(d.action, 'install');
  });

  it('targeting is checked before the rollout', async () => {
    const d = await decide([entry({ rollout: 0, targeting: { os: ['win'] } })]);
    assert.equal(d.reasonCode, 'targeting');
  });

  it('gates account features: not signed in → needs-account, terms not accepted → terms (data kept)', async () => {
    const gated = entry({ requiresAccount: true });
    const signedOut = await decide([gated], { account: { signedIn: false, termsAccepted: false } });
    assert.deepEqual([signedOut.action, signedOut.reasonCode], ['disable', 'needs-account']);
    const noTerms = await decide([gated], { account: { signedIn: true, termsAccepted: false } });
    assert.deepEqual([noTerms.action, noTerms.reasonCode], ['disable', 'terms']);
    const ok = await decide([gated]);
    assert.equal(ok.action, 'install');
  });

  it('the rollout is checked before the account gate (no sign-in prompt for features you would not get)', async () => {
    const d = await decide([entry({ requiresAccount: true, rollout: bucket })], { account: { signedIn: false, termsAccepted: false } });
    assert.equal(d.reasonCode, 'rollout');
  });

  it('also gates a feature whose build says it needs an account', async () => {
    const d = await decide([entry()], { registry: [{ id: 'kit', requiresAccount: true, owners: ['owner@example.org'] }], account: { signedIn: false, termsAccepted: false } });
    assert.equal(d.reasonCode, 'needs-account');
  });

  describe('declared data collection', () => {
    const sends = { id: 'kit', requiresAccount: false, owners: ['owner@example.org'], dataCollection: ['browsingActivity', 'websiteContent'] };

    it('waits for consent, naming every category still missing, and uninstalls meanwhile', async () => {
      const d = await decide([entry()], { registry: [sends], dataConsent: { source: 'firefox', granted: ['websiteContent'] } });
      assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'needs-consent']);
      assert.match(d.reason, /^Waits for your consent to send browsing activity \(Firefox data collection: allow it in the QA panel, the popup or about:addons\)$/);
    });

    it('installs once every declared category is granted', async () => {
      const d = await decide([entry()], { registry: [sends], dataConsent: { source: 'firefox', granted: ['websiteContent', 'browsingActivity', 'locationInfo'] } });
      assert.deepEqual([d.action, d.reasonCode], ['install', 'eligible']);
    });

    it('treats no consent information as nothing granted', async () => {
      const d = await decide([entry()], { registry: [sends] });
      assert.equal(d.reasonCode, 'needs-consent');
      assert.match(d.reason, /browsing activity and website content/);
    });

    it('asks the add-on’s own question on a Firefox without data-collection permissions (ESR 128–139)', async () => {
      const waiting = await decide([entry()], { registry: [sends], dataConsent: { source: 'add-on', granted: [] } });
      assert.equal(waiting.reasonCode, 'needs-consent');
      assert.match(waiting.reason, /this Firefox has no data-collection consent of its own, so the add-on asks/);
      const granted = await decide([entry()], { registry: [sends], dataConsent: { source: 'add-on', granted: ['browsingActivity', 'websiteContent'] } });
      assert.equal(granted.action, 'install');
    });

    it('is not bypassed by a QA force-on, and says so', async () => {
      const d = await decide([entry({ rollout: 0 })], { registry: [sends], overrides: { kit: 'on' }, dataConsent: { source: 'firefox', granted: [] } });
      assert.deepEqual([d.action, d.reasonCode], ['uninstall', 'needs-consent']);
      assert.match(d.reason, /QA force-on does not bypass the user's consent/);
    });

    it('comes after the rollout and the account gate: no consent asked for a feature you would not get or cannot use yet', async () => {
      const outside = await decide([entry({ rollout: bucket })], { registry: [sends] });
      assert.equal(outside.reasonCode, 'rollout');
      const signedOut = await decide([entry({ requiresAccount: true })], { registry: [sends], account: { signedIn: false, termsAccepted: false } });
      assert.equal(signedOut.reasonCode, 'needs-account');
    });

    it('leaves a feature that declares nothing alone, whatever is granted', async () => {
      const d = await decide([entry()], { dataConsent: { source: 'firefox', granted: [] } });
      assert.equal(d.action, 'install');
    });
  });

  describe('features on beta services', () => {
    const onNotes = { registry: [{ id: 'kit', requiresAccount: false, owners: ['owner@example.org'], services: ['notes'] }] };
    const deployed = (...ids: string[]) => ({ ...manifestOf(entry()), services: ids.map((id) => ({ ...makeServiceEntry('notes'), id })) });

    it('waits for the service while the manifest does not deploy it (data kept), and installs once it does', async () => {
      const waiting = await decide([entry()], { ...onNotes });
      assert.deepEqual([waiting.action, waiting.reasonCode], ['disable', 'needs-service']);
      assert.match(waiting.reason, /^Waiting for service "notes"/);
      const other = await decide([entry()], { ...onNotes, manifest: deployed('other-service') });
      assert.equal(other.reasonCode, 'needs-service');
      const ready = await decide([entry()], { ...onNotes, manifest: deployed('notes') });
      assert.deepEqual([ready.action, ready.reasonCode], ['install', 'eligible']);
    });

    it('needs the beta account first, even when feature.json does not say requiresAccount', async () => {
      const signedOut = await decide([entry()], { ...onNotes, manifest: deployed('notes'), account: { signedIn: false, termsAccepted: false } });
      assert.deepEqual([signedOut.action, signedOut.reasonCode], ['disable', 'needs-account']);
    });

    it('QA force-on does not bypass a missing service', async () => {
      const forced = await decide([entry()], { ...onNotes, overrides: { kit: 'on' } });
      assert.deepEqual([forced.action, forced.reasonCode], ['disable', 'needs-service']);
    });

    it('a feature on no service is not affected by the services list', async () => {
      assert.equal((await decide([entry()], { manifest: deployed() })).action, 'install');
    });
  });
});
