import assert from 'node:assert/strict';
import {
  addStash,
  describeStash,
  encodeStashes,
  makeStash,
  MAX_PAYLOAD_BYTES,
  MAX_STASHES,
  MAX_TABS_PER_STASH,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  parseStashes,
  removeStash,
  type Stash,
  type StashWords,
  wordStashError,
} from '../../../features/tab-stash/stashes';
import { lookupMessage } from '../../../extension/i18n';
import { toFeatureMessageKey } from '../../../protocol/feature-messages';

// The feature's own messages file, as ctx.i18n reads it.
const words: StashWords = (key, substitutions = []) => lookupMessage(toFeatureMessageKey('tab-stash', key), substitutions.map(String));

/** A refusal, as the user reads it: the StashError worded through the feature's messages. */
const worded = (sentence: RegExp) => (error: unknown) => {
  assert.match(wordStashError(error, words), sentence);
  return true;
};

const tab = (url: string, title = 'T', pinned = false) => ({ url, title, pinned });
const stashAt = (id: string, createdAt: number, urls = ['https://example.org/']): Stash => ({ id, createdAt, tabs: urls.map((url) => tab(url)) });

describe('tab-stash stashes', () => {
  it('keeps web pages only, titles cut short and over-long addresses left out', () => {
    const long = `https://example.org/${'x'.repeat(MAX_URL_LENGTH)}`;
    const stash = makeStash([tab('https://a.example/', 'y'.repeat(500), true), tab('about:blank'), tab('file:///home/me'), tab(long), tab('HTTP://b.example/')], 5, 's1');
    assert.deepEqual(stash.tabs.map((t) => t.url), ['https://a.example/', 'HTTP://b.example/']);
    assert.equal(stash.tabs[0]!.title.length, MAX_TITLE_LENGTH);
    assert.equal(stash.tabs[0]!.pinned, true);
  });

  it('refuses a window without web pages, or with more than a stash keeps', () => {
    assert.throws(() => makeStash([tab('about:newtab')], 1, 's'), worded(/This window has no web pages to stash\./));
    const many = Array.from({ length: MAX_TABS_PER_STASH + 1 }, (_, i) => tab(`https://example.org/${i}`));
    assert.throws(() => makeStash(many, 1, 's'), worded(/has 501 web pages; a stash keeps at most 500\. Nothing was stashed\./));
  });

  it('reads back what it writes, newest first', () => {
    const stashes = [stashAt('old', 1), stashAt('new', 2)];
    assert.deepEqual(parseStashes(encodeStashes(stashes)).map((s) => s.id), ['new', 'old']);
  });

  for (const payload of ['not json', '{"format":2,"stashes":[]}', '{"format":1}', '{"format":1,"stashes":[{"id":"a","createdAt":1,"tabs":[{"url":"javascript:x","title":"","pinned":false}]}]}']) {
    it(`refuses to read ${payload}, rather than take it for no stashes`, () => {
      assert.throws(() => parseStashes(payload), worded(/cannot read; nothing was changed/));
    });
  }

  it('adds a stash to what the account holds now, and refuses beyond the most it keeps', () => {
    const held = [stashAt('a', 1), stashAt('b', 3)];
    assert.deepEqual(addStash(stashAt('c', 2))(held).map((s) => s.id), ['b', 'c', 'a']);
    const full = Array.from({ length: MAX_STASHES }, (_, i) => stashAt(`s${i}`, i));
    assert.throws(() => addStash(stashAt('one-more', 99))(full), worded(/already keeps 20 stashes: restore one before stashing more/));
    assert.equal(addStash(stashAt('s3', 3))(full).length, MAX_STASHES, 'the same stash again replaces itself');
  });

  it('removes one stash, and takes one already removed elsewhere in its stride', () => {
    const held = [stashAt('a', 1), stashAt('b', 2)];
    assert.deepEqual(removeStash('a')(held).map((s) => s.id), ['b']);
    assert.deepEqual(removeStash('gone')(held), held);
  });

  it('refuses stashes over the storage service’s payload limit instead of dropping any', () => {
    const page = `https://example.org/${'p'.repeat(2000)}`;
    const big = Array.from({ length: 10 }, (_, i) => stashAt(`s${i}`, i, Array(15).fill(page)));
    assert.ok(encodeStashes(big.slice(0, 5)).length < MAX_PAYLOAD_BYTES);
    assert.throws(() => encodeStashes(big), worded(/over the 256 KB your beta account keeps for them: restore a stash first/));
  });

  it('names a stash by its size and time', () => {
    assert.equal(describeStash(stashAt('a', 0, ['https://a/', 'https://b/']), words, () => '30 Nov 2026, 08:12'), 'Restore 2 tabs stashed 30 Nov 2026, 08:12');
    assert.equal(describeStash(stashAt('a', 0), words, () => 'today'), 'Restore 1 tab stashed today');
  });
});
