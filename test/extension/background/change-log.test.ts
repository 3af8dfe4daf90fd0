import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ChangeLog, classifyChange, detectChanges, MAX_CHANGES, type Presence } from '../../../extension/background/change-log';
import { describeChange } from '../../../extension/background/change-sentences';
import type { Ledger } from '../../../extension/runtime/feature-state';
import type { PlanDecision, PlanReasonCode } from '../../../protocol/planner';
import { createFakeBrowser } from '../../helpers/fake-browser';

const AT = '2026-11-30T10:00:00.000Z';
const NAMES: Record<string, string> = { 'reading-time': 'Reading time', 'page-notes': 'Page notes', 'tab-stash': 'Tab stash' };
const names = (id: string) => NAMES[id] ?? id;

function decision(id: string, reasonCode: PlanReasonCode): PlanDecision {
  const action = reasonCode === 'eligible' || reasonCode === 'qa-on' ? 'install' : reasonCode === 'no-manifest' ? 'keep' : 'uninstall';
  return { id, action, reasonCode, detail: {}, bucket: 1, rollout: 10000 };
}

function record(state: Ledger[string]['state']): Ledger[string] {
  return { state, version: '1.0.0', sha256: 'a'.repeat(64), installedAt: AT };
}

const on = (reasonCode = 'eligible'): Presence => ({ state: 'on', reasonCode });
const off = (reasonCode: string): Presence => ({ state: 'off', reasonCode });

describe('background: change log', () => {
  describe('the sentences, chosen by the planner’s reason code', () => {
    const sentence = (before: Presence | undefined, after: Presence) => {
      const kind = classifyChange(before, after);
      return kind && describeChange({ name: 'Page notes', kind });
    };

    it('says a feature was added, turned off by the beta team, removed, or needs a sign-in', () => {
      assert.equal(sentence(undefined, on()), 'Page notes was added');
      assert.equal(sentence(on(), off('killed')), 'Page notes was turned off by the beta team');
      assert.equal(sentence(on(), off('rollout')), 'Page notes was removed by the beta team');
      assert.equal(sentence(on(), off('not-in-manifest')), 'Page notes was removed by the beta team');
      assert.equal(sentence(undefined, { state: 'needs-account', reasonCode: 'needs-account' }), 'Page notes needs you to sign in');
      assert.equal(sentence(on(), { state: 'needs-terms', reasonCode: 'terms' }), 'Page notes needs you to accept the new beta terms');
      assert.equal(sentence(on(), off('sign-offs')), 'Page notes was withdrawn for review');
      assert.equal(sentence(on(), off('targeting')), 'Page notes is no longer offered for this browser');
      assert.equal(sentence(on(), off('not-in-build')), 'Page notes needs a newer version of the add-on');
      assert.equal(sentence(undefined, { state: 'failed', reasonCode: 'eligible' }), 'Page notes could not start');
    });

    it('tells nothing of QA overrides or of the user’s own opt-outs, nor of what did not change', () => {
      assert.equal(sentence(off('rollout'), on('qa-on')), null);
      assert.equal(sentence(on(), off('qa-off')), null);
      assert.equal(sentence(on('qa-on'), off('rollout')), null, 'QA taking their force-on back');
      assert.equal(sentence(on(), off('opted-out')), null);
      assert.equal(sentence(off('opted-out'), on()), null);
      assert.equal(sentence(on(), on()), null);
      assert.equal(sentence(undefined, off('rollout')), null, 'a feature this browser never had says nothing');
    });
  });

  describe('detectChanges', () => {
    it('compares each feature after the reconcile with what it was before', () => {
      const detected = detectChanges(
        { 'page-notes': on() },
        [decision('page-notes', 'killed'), decision('reading-time', 'eligible'), decision('tab-stash', 'needs-account')],
        { 'reading-time': record('installed'), 'tab-stash': record('disabled') },
        names,
        AT,
      );
      assert.ok(detected);
      const { entries, presence } = detected;
      assert.deepEqual(entries.map((entry) => describeChange(entry)), [
        'Page notes was turned off by the beta team',
        'Reading time was added',
        'Tab stash needs you to sign in',
      ]);
      assert.deepEqual(entries[1], { featureId: 'reading-time', name: 'Reading time', kind: 'added', at: AT });
      assert.deepEqual(presence['reading-time'], on());
    });

    it('says nothing while there is no manifest to plan with', () => {
      assert.equal(detectChanges({ 'reading-time': on() }, [decision('reading-time', 'no-manifest')], {}, names, AT), null);
    });

    it('takes the first plan with a manifest as the baseline: a new user’s first features, or an updated add-on’s, are not news', () => {
      const detected = detectChanges(undefined, [decision('reading-time', 'eligible')], { 'reading-time': record('installed') }, names, AT);
      assert.deepEqual(detected, { entries: [], presence: { 'reading-time': on() } });
    });
  });

  describe('ChangeLog', () => {
    function setUp() {
      const browser = createFakeBrowser();
      const action = { setBadgeText: sinon.fake.resolves(undefined), setBadgeBackgroundColor: sinon.fake.resolves(undefined) };
      const notifications = { create: sinon.fake.resolves('sbc-changes') };
      const log = new ChangeLog({ storage: browser.storage, action, notifications, runtime: browser.runtime }, { warn: () => {} }, () => new Date(AT));
      return { browser, action, notifications, log };
    }

    /** The first manifest, without the feature: the baseline. */
    const baseline = (log: ChangeLog) => log.record([decision('reading-time', 'not-in-manifest')], {}, names);

    it('shows the count on the toolbar button until the popup is opened, and notifies in plain words', async () => {
      const { action, notifications, log } = setUp();
      assert.deepEqual(await baseline(log), []);
      assert.equal(action.setBadgeText.callCount, 0, 'no badge for the baseline');
      await log.record([decision('reading-time', 'eligible')], { 'reading-time': record('installed') }, names);
      assert.deepEqual(action.setBadgeText.lastCall.args[0], { text: '1' });
      assert.equal(notifications.create.callCount, 1);
      assert.equal(notifications.create.lastCall.args[1].message, 'Reading time was added');

      const view = await log.read();
      assert.equal(view.unseen, 1);
      assert.deepEqual(view.entries.map((entry) => entry.featureId), ['reading-time']);

      assert.equal((await log.markSeen()).unseen, 0);
      assert.deepEqual(action.setBadgeText.lastCall.args[0], { text: '' });
      assert.equal((await log.read()).entries.length, 1, 'the list keeps the change after it was seen');
    });

    it('tells a change once, however often the same plan is applied again', async () => {
      const { action, log } = setUp();
      await baseline(log);
      const plan = [decision('reading-time', 'eligible')];
      await log.record(plan, { 'reading-time': record('installed') }, names);
      await log.record(plan, { 'reading-time': record('installed') }, names);
      assert.equal((await log.read()).entries.length, 1);
      assert.equal(action.setBadgeText.callCount, 1);
    });

    it('raises no notification once the user turned them off, and keeps the newest changes only', async () => {
      const { notifications, log } = setUp();
      await log.setNotify(false);
      await baseline(log);
      for (let i = 0; i < MAX_CHANGES + 5; i++) {
        const installed = i % 2 === 0;
        await log.record([decision('reading-time', installed ? 'eligible' : 'killed')], installed ? { 'reading-time': record('installed') } : {}, names);
      }
      assert.equal(notifications.create.callCount, 0);
      const view = await log.read();
      assert.equal(view.entries.length, MAX_CHANGES);
      assert.equal(view.entries[0]!.kind, 'added', 'newest first');
      assert.equal(view.notify, false);
    });

    it('sets the badge again from storage when the browser starts', async () => {
      const { browser, action, log } = setUp();
      await baseline(log);
      await log.record([decision('reading-time', 'eligible')], { 'reading-time': record('installed') }, names);
      const again = new ChangeLog({ storage: browser.storage, action }, { warn: () => {} });
      action.setBadgeText.resetHistory();
      await again.restoreBadge();
      assert.deepEqual(action.setBadgeText.lastCall.args[0], { text: '1' });
    });
  });
});
