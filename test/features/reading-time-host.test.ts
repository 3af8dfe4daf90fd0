/**
 * The real reading-time feature, run by the real FeatureHost on a fake
 * browser: what it registers, how it answers its content script, and that
 * uninstall leaves nothing behind.
 */
import assert from 'node:assert/strict';
import readingTime from '../../features/reading-time/index';
import { DEFAULT_WORDS_PER_MINUTE } from '../../features/reading-time/reading-time';
import { createFakeBrowser } from '../helpers/fake-browser';
import { createTestHost } from '../helpers/test-host';
import { makeFeature } from '../helpers/test-features';

const CONTENT = 'features/reading-time/content/badge.js';

/** A host as the event page starts it: restored from (empty) local state first. */
async function setUp() {
  const browser = createFakeBrowser();
  const feature = makeFeature('reading-time', readingTime, { files: { [CONTENT]: '/* badge */' } });
  const { host, usage } = createTestHost(browser, [feature], { activateTimeoutMs: 2000 });
  await host.restore();
  return { browser, feature, host, usage };
}

describe('reading-time in the host', () => {
  it('registers its badge content script on web pages and stores the default reading speed on first install', async () => {
    const { browser, feature, host } = await setUp();
    await host.install(feature.entry);

    const scripts = [...browser.state.contentScripts.values()];
    assert.equal(scripts.length, 1);
    assert.deepEqual(scripts[0]!.js, [CONTENT]);
    assert.deepEqual(scripts[0]!.matches, ['http://*/*', 'https://*/*']);
    assert.equal(browser.state.storage.get('feature:reading-time:wordsPerMinute'), DEFAULT_WORDS_PER_MINUTE);
    await host.uninstall('reading-time');
  });

  it('answers its content script with the reading speed and counts each badge shown', async () => {
    const { feature, host, usage } = await setUp();
    await host.install(feature.entry);
    const sender = { tab: { id: 1, url: 'https://example.org/story' } };

    const settings = await host.dispatchMessage({ type: 'sbc:feature', featureId: 'reading-time', payload: { kind: 'get-settings' } }, sender);
    assert.deepEqual(settings, { wordsPerMinute: DEFAULT_WORDS_PER_MINUTE });
    await host.dispatchMessage({ type: 'sbc:feature', featureId: 'reading-time', payload: { kind: 'badge-shown', minutes: 4 } }, sender);
    assert.deepEqual(usage.counts, [{ featureId: 'reading-time', event: 'badge-shown', by: 1 }]);
    await host.uninstall('reading-time');
  });

  it('leaves no content script, listener or stored key after uninstall', async () => {
    const { browser, feature, host } = await setUp();
    await host.install(feature.entry);
    await host.uninstall('reading-time');

    assert.deepEqual(browser.leaks(), []);
    assert.equal([...browser.state.storage.keys()].filter((key) => key.startsWith('feature:reading-time:')).length, 0);
    await assert.rejects(
      host.dispatchMessage({ type: 'sbc:feature', featureId: 'reading-time', payload: { kind: 'get-settings' } }, {}),
      /not installed/,
    );
  });
});
