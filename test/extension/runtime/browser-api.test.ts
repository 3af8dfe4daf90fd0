import assert from 'node:assert/strict';
import type { Browser } from 'webextension-polyfill';
import { findBrowserEvent, type BrowserApi } from '../../../extension/runtime/browser-api';
import { createFakeBrowser } from '../../helpers/fake-browser';

// Type test: the real polyfill `browser` must be accepted wherever the runtime wants a BrowserApi.
export const acceptRealBrowser = (browser: Browser): BrowserApi => browser;

describe('browser-api', () => {
  it('finds the event object behind a declared event name', () => {
    const fake = createFakeBrowser();
    assert.equal(findBrowserEvent(fake, 'tabs.onCreated'), fake.tabs.onCreated);
    assert.equal(findBrowserEvent(fake, 'storage.onChanged'), fake.storage.onChanged);
  });
});
