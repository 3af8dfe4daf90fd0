import { lookupMessage } from '../../extension/i18n';
import { toFeatureMessageKey } from '../../protocol/feature-messages';
import assert from 'node:assert/strict';
import { countWords, DEFAULT_WORDS_PER_MINUTE, estimateMinutes, formatBadge, MIN_ARTICLE_WORDS } from '../../features/reading-time/reading-time';

describe('reading-time: estimating how long a page takes to read', () => {
  it('counts words in prose, including contractions, hyphenated words and other scripts', () => {
    assert.equal(countWords("It's a well-known fact: 3 users read 10 pages."), 9);
    assert.equal(countWords('Größe und Übermaß'), 3);
    assert.equal(countWords('  \n\t '), 0);
  });

  it('rounds to whole minutes at the default reading speed, never below one', () => {
    assert.equal(estimateMinutes(DEFAULT_WORDS_PER_MINUTE * 4), 4);
    assert.equal(estimateMinutes(DEFAULT_WORDS_PER_MINUTE * 4.6), 5);
    assert.equal(estimateMinutes(MIN_ARTICLE_WORDS), 1);
    assert.equal(estimateMinutes(1000, 500), 2);
  });

  it('refuses a reading speed that is not positive', () => {
    assert.throws(() => estimateMinutes(1000, 0), RangeError);
    assert.throws(() => estimateMinutes(1000, Number.NaN), RangeError);
  });

  it('says "N min read" on the badge', () => {
    assert.equal(formatBadge(7, (key, substitutions) => lookupMessage(toFeatureMessageKey('reading-time', key), substitutions.map(String))), '7 min read');
  });
});
