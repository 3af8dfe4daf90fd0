import assert from 'node:assert/strict';
import { checkActions, MAX_ACTION_LABEL, MAX_POPUP_ACTIONS } from '../../../extension/ui/popup-actions';

describe('popup feature actions', () => {
  it('keeps what a feature lists as {id, label} pairs only, so its mistake cannot break the popup', () => {
    assert.deepEqual(checkActions([{ id: 'stash', label: 'Stash', extra: 1 }, { id: 3, label: 'x' }, null, 'text', { id: 'b', label: 'B' }]), [
      { id: 'stash', label: 'Stash' },
      { id: 'b', label: 'B' },
    ]);
    assert.deepEqual(checkActions({ id: 'not-a-list', label: 'x' }), []);
    assert.deepEqual(checkActions(undefined), []);
  });

  it('shows at most so many actions, with labels cut to a length the popup holds', () => {
    const many = Array.from({ length: MAX_POPUP_ACTIONS + 5 }, (_, i) => ({ id: `a${i}`, label: 'x'.repeat(MAX_ACTION_LABEL + 10) }));
    const kept = checkActions(many);
    assert.equal(kept.length, MAX_POPUP_ACTIONS);
    assert.equal(kept[0]!.label.length, MAX_ACTION_LABEL);
  });
});
