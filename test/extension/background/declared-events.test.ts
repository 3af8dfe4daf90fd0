import assert from 'node:assert/strict';
import { addDeclaredEventListeners, collectDeclaredEvents } from '../../../extension/background/declared-events';
import { defineFeature } from '../../../extension/runtime/feature-api';
import type { FeatureEventName } from '../../../protocol/feature-events';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { makeFeature } from '../../helpers/test-features';

const registryOf = (...events: FeatureEventName[][]) =>
  events.map((declared, i) => makeFeature(`feature-${i}`, defineFeature({ activate: () => undefined }), { events: declared }).registered);

describe('background: declared events', () => {
  it('registers exactly one waking listener per declared event, however many features declare it', () => {
    const browser = createFakeBrowser();
    const registry = registryOf(['tabs.onCreated', 'tabs.onUpdated'], ['tabs.onCreated', 'bookmarks.onCreated'], ['tabs.onUpdated']);
    const warnings: string[] = [];

    const added = addDeclaredEventListeners(browser, registry, () => undefined, (message) => void warnings.push(message));

    assert.deepEqual(added.events, ['bookmarks.onCreated', 'tabs.onCreated', 'tabs.onUpdated']);
    assert.equal(browser.event('tabs.onCreated').listenerCount, 1);
    assert.equal(browser.event('tabs.onUpdated').listenerCount, 1);
    assert.equal(browser.event('bookmarks.onCreated').listenerCount, 1);
    assert.equal(browser.event('tabs.onRemoved').listenerCount, 0, 'an event no feature declares does not wake the page');
    assert.deepEqual(warnings, []);
    // The page going to sleep is what drops these listeners.
    browser.suspend();
  });

  it('dispatches each browser event with its name and arguments', async () => {
    const browser = createFakeBrowser();
    const dispatched: Array<{ name: string; args: unknown[] }> = [];
    addDeclaredEventListeners(browser, registryOf(['tabs.onUpdated', 'idle.onStateChanged']), (name, args) => void dispatched.push({ name, args }));

    await browser.event('tabs.onUpdated').fire(3, { status: 'complete' }, { id: 3, url: 'https://example.org/' });
    await browser.event('idle.onStateChanged').fire('idle');

    assert.deepEqual(dispatched, [
      { name: 'tabs.onUpdated', args: [3, { status: 'complete' }, { id: 3, url: 'https://example.org/' }] },
      { name: 'idle.onStateChanged', args: ['idle'] },
    ]);
    browser.suspend();
  });

  it('skips, with a warning naming it, an event whose namespace this browser lacks, and still registers the rest', () => {
    const browser = createFakeBrowser();
    const withoutNotifications = { ...browser, notifications: undefined };
    const warnings: string[] = [];

    const added = addDeclaredEventListeners(
      withoutNotifications,
      registryOf(['notifications.onClicked', 'downloads.onCreated']),
      () => undefined,
      (message) => void warnings.push(message),
    );

    assert.deepEqual(added.events, ['downloads.onCreated']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /browser\.notifications\.onClicked is not available/);
    assert.equal(browser.event('notifications.onClicked').listenerCount, 0);
    assert.equal(browser.event('downloads.onCreated').listenerCount, 1);
    browser.suspend();
  });

  it('removes every listener it added when disposed', () => {
    const browser = createFakeBrowser();
    const added = addDeclaredEventListeners(browser, registryOf(['tabs.onCreated', 'idle.onStateChanged']), () => undefined);
    assert.equal(browser.event('tabs.onCreated').listenerCount, 1);

    added.dispose();
    assert.equal(browser.event('tabs.onCreated').listenerCount, 0);
    assert.equal(browser.event('idle.onStateChanged').listenerCount, 0);
  });

  it('collects the union of declared events, sorted and without duplicates', () => {
    assert.deepEqual(collectDeclaredEvents(registryOf(['tabs.onUpdated', 'commands.onCommand'], ['commands.onCommand'], [])), [
      'commands.onCommand',
      'tabs.onUpdated',
    ]);
  });
});
