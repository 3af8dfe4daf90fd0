import assert from 'node:assert/strict';
import { compareVersions, isVersionInRange, matchesLocale } from '../../protocol/version-compare';

describe('version-compare', () => {
  it('compares dotted versions numerically, ignoring suffixes like "esr"', () => {
    assert.equal(compareVersions('128.0.1esr', '128.0'), 1);
    assert.equal(compareVersions('128.0', '128'), 0);
    assert.equal(compareVersions('99.0', '128.0'), -1);
    assert.equal(compareVersions('128.10', '128.9'), 1);
  });

  it('checks inclusive ranges with optional ends', () => {
    assert.equal(isVersionInRange('128.0', { min: '128.0' }), true);
    assert.equal(isVersionInRange('127.9', { min: '128.0' }), false);
    assert.equal(isVersionInRange('131.0', { max: '130.5' }), false);
    assert.equal(isVersionInRange('0.1.0', {}), true);
  });

  it('matches a language to its regional locales, case-insensitively, but not the reverse', () => {
    assert.equal(matchesLocale('en-US', 'en'), true);
    assert.equal(matchesLocale('en-us', 'EN-US'), true);
    assert.equal(matchesLocale('en_GB', 'en-GB'), true);
    assert.equal(matchesLocale('en', 'en-US'), false);
    assert.equal(matchesLocale('eng', 'en'), false);
  });
});
