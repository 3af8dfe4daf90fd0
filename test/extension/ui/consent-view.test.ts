import assert from 'node:assert/strict';
import type { HostStatus } from '../../../extension/messages';
import { describeFeatureConsent } from '../../../extension/ui/consent-view';
import { changeFeatureConsent } from '../../../extension/ui/feature-consent';
import type { HostClient } from '../../../extension/ui/host-client';
import { describePopupFeatures } from '../../../extension/ui/popup-view';
import { makeFeature, makeStatus } from './status-fixture';

const SENDS = ['browsingActivity', 'websiteContent'];

describe('what a feature sends, in the QA panel and the popup', () => {
  it('says nothing for a feature that declares nothing', () => {
    assert.equal(describeFeatureConsent(makeFeature(), 'firefox'), null);
  });

  it('says what the feature sends, what is missing, and offers to allow it', () => {
    const view = describeFeatureConsent(makeFeature({ dataCollection: SENDS, missingConsent: ['websiteContent'] }), 'firefox');
    assert.equal(view?.text, 'Sends browsing activity and website content to the beta server. Not installed until you allow website content (Firefox asks you).');
    assert.deepEqual([view?.canGrant, view?.grantLabel, view?.canWithdraw], [true, 'Allow website content', false]);
  });

  it('offers to withdraw once everything is allowed, and says the add-on asks on a Firefox without its own consent', () => {
    const granted = describeFeatureConsent(makeFeature({ dataCollection: SENDS, missingConsent: [] }), 'firefox');
    assert.deepEqual([granted?.canGrant, granted?.canWithdraw], [false, true]);
    assert.match(granted?.text ?? '', /withdrawing it uninstalls the feature/);
    const older = describeFeatureConsent(makeFeature({ dataCollection: SENDS, missingConsent: SENDS }), 'add-on');
    assert.match(older?.text ?? '', /This Firefox has no data-collection consent of its own, so the add-on asks you/);
  });

  it('lists a feature waiting for consent in the popup, with the grant button', () => {
    const feature = makeFeature({ id: 'page-notes', name: 'Page notes', state: 'not-installed', reasonCode: 'needs-consent', dataCollection: SENDS, missingConsent: SENDS });
    const [item] = describePopupFeatures(makeStatus({ features: [feature] }));
    assert.deepEqual([item?.id, item?.on, item?.canToggle, item?.grant], ['page-notes', false, false, 'Allow browsing activity and website content']);
    assert.match(item?.note ?? '', /Not installed until you allow/);
  });

  describe('changeFeatureConsent', () => {
    function fakes(source: HostStatus['dataConsentSource']) {
      const calls: string[] = [];
      const permissions = {
        request: async (wanted: { data_collection: string[] }) => (calls.push(`request ${wanted.data_collection.join(',')}`), true),
        remove: async (wanted: { data_collection: string[] }) => (calls.push(`remove ${wanted.data_collection.join(',')}`), true),
      };
      const request = (async (message: { type: string; featureId?: string; granted?: boolean }) => {
        calls.push(`${message.type} ${message.featureId} ${message.granted}`);
        return makeStatus({ dataConsentSource: source });
      }) as unknown as HostClient;
      return { calls, permissions, request };
    }

    it('asks Firefox in the same turn as the click, then tells the background', async () => {
      const { calls, permissions, request } = fakes('firefox');
      const done = changeFeatureConsent({ id: 'page-notes', dataCollection: SENDS }, true, 'firefox', permissions, request);
      assert.deepEqual(calls, ['request browsingActivity,websiteContent'], 'permissions.request ran before anything was awaited');
      await done;
      assert.deepEqual(calls, ['request browsingActivity,websiteContent', 'sbc:data-consent page-notes true']);
    });

    it('withdraws in Firefox, and on an older Firefox leaves it all to the background', async () => {
      const firefox = fakes('firefox');
      await changeFeatureConsent({ id: 'page-notes', dataCollection: SENDS }, false, 'firefox', firefox.permissions, firefox.request);
      assert.deepEqual(firefox.calls, ['remove browsingActivity,websiteContent', 'sbc:data-consent page-notes false']);
      const older = fakes('add-on');
      await changeFeatureConsent({ id: 'page-notes', dataCollection: SENDS }, true, 'add-on', older.permissions, older.request);
      assert.deepEqual(older.calls, ['sbc:data-consent page-notes true']);
    });
  });
});
