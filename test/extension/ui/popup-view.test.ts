import assert from 'node:assert/strict';
import { describePopupAccount, describePopupFeatures, FEEDBACK_COMMENT_MAX, validateFeedback } from '../../../extension/ui/popup-view';
import { makeFeature, makeStatus } from './status-fixture';

describe('popup view model', () => {
  describe('describePopupFeatures', () => {
    it('lists installed and opted-out features, sorted by name, and hides the rest', () => {
      const status = makeStatus({
        features: [
          makeFeature({ id: 'tab-notes', name: 'Tab notes', state: 'installed' }),
          makeFeature({ id: 'dark-reader', name: 'Dark reader', state: 'disabled', optedOut: true }),
          makeFeature({ id: 'outside', name: 'Outside', state: 'not-installed', reasonCode: 'rollout' }),
        ],
      });
      const items = describePopupFeatures(status);
      assert.deepEqual(items.map((item) => [item.id, item.on, item.canToggle]), [
        ['dark-reader', false, true],
        ['tab-notes', true, true],
      ]);
      assert.equal(items[0]!.note, 'Turned off by you.');
    });

    it('invites signed-out users to sign in for account features', () => {
      const feature = makeFeature({ id: 'shared-notes', state: 'not-installed', reasonCode: 'needs-account', requiresAccount: true });
      const [item] = describePopupFeatures(makeStatus({ features: [feature] }));
      assert.equal(item?.canToggle, false);
      assert.match(item?.note ?? '', /Needs a beta account/);
      assert.deepEqual(describePopupFeatures(makeStatus({ features: [feature], account: { email: 'a@b.c', termsOutdated: false } })), []);
    });

    it('offers feedback on a running feature but not on one still installing', () => {
      const [installing] = describePopupFeatures(makeStatus({ features: [makeFeature({ state: 'installing' })] }));
      const [installed] = describePopupFeatures(makeStatus({ features: [makeFeature({ state: 'installed' })] }));
      assert.equal(installing?.canGiveFeedback, false);
      assert.equal(installed?.canGiveFeedback, true);
    });
  });

  it('describes the account line, including changed terms', () => {
    assert.equal(describePopupAccount(makeStatus()), 'Not signed in to a beta account.');
    assert.match(describePopupAccount(makeStatus({ account: { email: 'qa@example.org', termsOutdated: true } })), /^Signed in as qa@example.org\. The beta terms changed/);
  });

  describe('validateFeedback', () => {
    it('accepts a rating from 1 to 5 with a trimmed comment', () => {
      assert.deepEqual(validateFeedback('4', '  works well '), { ok: true, feedback: { rating: 4, comment: 'works well' } });
      assert.deepEqual(validateFeedback(1, ''), { ok: true, feedback: { rating: 1, comment: '' } });
    });

    for (const rating of [null, '', '0', '6', '2.5', 'five']) {
      it(`refuses the rating ${JSON.stringify(rating)}`, () => {
        assert.deepEqual(validateFeedback(rating, ''), { ok: false, message: 'Choose a rating from 1 to 5.' });
      });
    }

    it('refuses an overlong comment, saying how long it is', () => {
      const check = validateFeedback('3', 'x'.repeat(FEEDBACK_COMMENT_MAX + 1));
      assert.equal(check.ok, false);
      assert.match(check.ok ? '' : check.message, new RegExp(`it has ${FEEDBACK_COMMENT_MAX + 1}`));
    });
  });
});
