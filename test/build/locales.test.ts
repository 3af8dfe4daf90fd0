/**
 * The build merges each feature's `_locales/<lang>/messages.json` into the
 * add-on's, under the feature's prefix, and stops on a clash or a malformed
 * file, naming the file and the key.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listLocaleAssets, pseudoLocalize } from '../../build/locales';
import { useTempDir } from '../helpers/temp-dir';

function writeMessages(dir: string, lang: string, content: unknown): string {
  mkdirSync(join(dir, '_locales', lang), { recursive: true });
  const path = join(dir, '_locales', lang, 'messages.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const readAsset = (assets: ReturnType<typeof listLocaleAssets>, lang: string) =>
  JSON.parse(String(assets.find((asset) => asset.name === `_locales/${lang}/messages.json`)!.content)) as Record<string, { message: string }>;

describe('build: the features\' words', () => {
  const dir = useTempDir('sbc-locales-');
  const host = () => join(dir(), 'addon');
  const feature = (id: string) => ({ id, dir: join(dir(), 'features', id) });

  beforeEach(() => {
    writeMessages(host(), 'en', { popupTitle: { message: 'Beta features' } });
    writeMessages(host(), 'fr', { popupTitle: { message: 'Fonctions bêta' } });
  });

  it('merges every feature\'s messages into the add-on\'s, per language, under f_<id>__', () => {
    writeMessages(feature('tab-stash').dir, 'en', { name: { message: 'Tab stash' }, stashAction: { message: 'Stash $1', placeholders: {} } });
    writeMessages(feature('tab-stash').dir, 'de', { name: { message: 'Tab-Ablage' } });
    writeMessages(feature('page-notes').dir, 'en', { name: { message: 'Page notes' } });
    const assets = listLocaleAssets(join(host(), '_locales'), { pseudo: false, features: [feature('page-notes'), feature('tab-stash')] });
    assert.deepEqual(assets.map((asset) => asset.name), ['_locales/de/messages.json', '_locales/en/messages.json', '_locales/fr/messages.json']);
    assert.deepEqual(readAsset(assets, 'en'), {
      popupTitle: { message: 'Beta features' },
      f_page_notes__name: { message: 'Page notes' },
      f_tab_stash__name: { message: 'Tab stash' },
      f_tab_stash__stashAction: { message: 'Stash $1', placeholders: {} },
    });
    assert.deepEqual(readAsset(assets, 'de'), { f_tab_stash__name: { message: 'Tab-Ablage' } });
    assert.deepEqual(readAsset(assets, 'fr'), { popupTitle: { message: 'Fonctions bêta' } });
  });

  it('pseudo-localises the features\' English words with the add-on\'s', () => {
    writeMessages(feature('tab-stash').dir, 'en', { name: { message: 'Tab stash' } });
    const en = readAsset(listLocaleAssets(join(host(), '_locales'), { pseudo: true, features: [feature('tab-stash')] }), 'en');
    assert.equal(en.f_tab_stash__name!.message, pseudoLocalize('Tab stash'));
    assert.equal(en.popupTitle!.message, pseudoLocalize('Beta features'));
  });

  it('refuses a feature key that clashes with the add-on\'s, naming the file and the key', () => {
    writeMessages(host(), 'en', { popupTitle: { message: 'Beta features' }, F_TAB_STASH__NAME: { message: 'taken' } });
    const path = writeMessages(feature('tab-stash').dir, 'en', { name: { message: 'Tab stash' } });
    assert.throws(
      () => listLocaleAssets(join(host(), '_locales'), { pseudo: false, features: [feature('tab-stash')] }),
      (error: Error) => error.message.includes(path) && error.message.includes('"name" becomes "f_tab_stash__name"') && error.message.includes(join(host(), '_locales', 'en', 'messages.json')),
    );
  });

  it('refuses two features whose prefixed keys clash', () => {
    writeMessages(feature('ab').dir, 'en', { c__x: { message: 'one' } });
    const path = writeMessages(feature('ab--c').dir, 'en', { x: { message: 'two' } });
    assert.throws(
      () => listLocaleAssets(join(host(), '_locales'), { pseudo: false, features: [feature('ab'), feature('ab--c')] }),
      (error: Error) => error.message.includes(`${path}: message "x" becomes "f_ab__c__x"`),
    );
  });

  it('refuses a malformed messages file, naming the file and the key', () => {
    const badJson = writeMessages(feature('tab-stash').dir, 'en', '{ "name": ');
    assert.throws(() => listLocaleAssets(join(host(), '_locales'), { pseudo: false, features: [feature('tab-stash')] }), (error: Error) => error.message.startsWith(`${badJson}: not valid JSON`));
    const badKey = writeMessages(feature('tab-stash').dir, 'en', { 'stash-action': { message: 'Stash' }, name: { text: 'Tab stash' } });
    assert.throws(
      () => listLocaleAssets(join(host(), '_locales'), { pseudo: false, features: [feature('tab-stash')] }),
      (error: Error) => error.message.includes(`${badKey}  stash-action`) && error.message.includes(`${badKey}  name`),
    );
  });
});
