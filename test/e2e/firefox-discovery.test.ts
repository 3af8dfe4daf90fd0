import assert from 'node:assert/strict';
import { findFirefox } from './helpers/firefox';

describe('finding Firefox for the end-to-end tests', () => {
  it('fails, saying how to install Firefox or set FIREFOX_BIN, when none is found', () => {
    assert.throws(() => findFirefox({}, ['/nonexistent/firefox']), (error: Error) => {
      assert.match(error.message, /apt-get install -y firefox-esr/);
      assert.match(error.message, /FIREFOX_BIN/);
      return true;
    });
  });

  it('fails when FIREFOX_BIN names a file that does not exist, rather than falling back', () => {
    assert.throws(() => findFirefox({ FIREFOX_BIN: '/nonexistent/firefox-bin' }), /FIREFOX_BIN is set to \/nonexistent\/firefox-bin/);
  });

  it('takes FIREFOX_BIN when it exists', () => {
    assert.equal(findFirefox({ FIREFOX_BIN: process.execPath }, []), process.execPath);
  });
});
