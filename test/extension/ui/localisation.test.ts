/**
 * Every word the add-on's pages show comes from _locales/en/messages.json:
 * none is written into their HTML or scripts, every key they ask for
 * exists, and every message is asked for somewhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoLocalize, pseudoLocalizeMessages, readLocaleMessages } from '../../../build/locales';
import { describeChange } from '../../../extension/background/change-sentences';
import { createMessageLookup, setMessageLookup, type MessagesFile } from '../../../extension/i18n';
import { describePopupFeatures } from '../../../extension/ui/popup-view';
import { describeFeatureRow } from '../../../extension/ui/render-status';
import { makeFeature, makeStatus } from './status-fixture';
import { findInHtml, findInScript, looksLikeProse, type Finding } from './hard-coded-strings';

const ROOT = join(__dirname, '..', '..', '..');
const UI = join(ROOT, 'extension', 'ui');
const messages = JSON.parse(readFileSync(join(ROOT, '_locales', 'en', 'messages.json'), 'utf8')) as MessagesFile;

function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

const describeFindings = (findings: Finding[]) => findings.map((f) => `  ${f.file.slice(ROOT.length + 1)}:${f.line}  ${JSON.stringify(f.text)}  (${f.why})`).join('\n');

describe('localisation: every word from the messages file', () => {
  it('finds no hard-coded words in the pages’ HTML or scripts in extension/ui', () => {
    const findings = [
      ...listFiles(UI, '.ts').flatMap((file) => findInScript(file, readFileSync(file, 'utf8'))),
      ...listFiles(UI, '.html').flatMap((file) => findInHtml(file, readFileSync(file, 'utf8'))),
    ];
    assert.deepEqual(findings, [], `words that skip _locales/en/messages.json:\n${describeFindings(findings)}`);
  });

  it('catches words written into a script, wherever they are shown', () => {
    const source = [
      "row.append(el('td', {}, 'needs account'));",
      "status.textContent = 'Saved';",
      "const select = el('select', { 'aria-label': 'Choose' });",
      "throw new Error('Something broke.');",
      'showMessage(result, `Sent ${count} items`);',
      "link.setAttribute('title', 'Opens the terms');",
      "const label = 'Send feedback now';",
    ].join('\n');
    assert.deepEqual(findInScript('sample.ts', source).map((finding) => finding.line), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('leaves keys, selectors, module names and comparisons alone', () => {
    const source = [
      "import browser from 'webextension-polyfill';",
      "showMessage(result, t('feedbackThanks'));",
      "el('li', { 'data-testid': 'change', class: 'change new' }, item.text);",
      "document.querySelector('a[data-terms-link]');",
      "if (request.type === 'sbc:status') run();",
      "type Kind = 'added' | 'removed';",
      "const stored = items['host:changes'];",
      "throw new HostRequestError(request.type, 'no-answer', t('errorNoAnswer', request.type));",
    ].join('\n');
    assert.deepEqual(findInScript('sample.ts', source), []);
  });

  it('catches text and shown attributes written into the markup', () => {
    const html = '<main>\n<button data-i18n="ok"></button>\n<button>Save</button>\n<input placeholder="Your name">\n<p data-i18n-attr="title:hint"></p>\n</main>';
    assert.deepEqual(findInHtml('sample.html', html).map((finding) => [finding.line, finding.text]), [[3, 'Save'], [4, 'Your name']]);
    assert.equal(looksLikeProse('sbc:status'), false);
    assert.equal(looksLikeProse('Rating'), true);
  });

  it('has every key the pages ask for, and asks for every key it has', () => {
    const scripts = listFiles(join(ROOT, 'extension'), '.ts').map((file) => readFileSync(file, 'utf8'));
    const pages = listFiles(UI, '.html').map((file) => readFileSync(file, 'utf8'));
    const asked = new Set<string>();
    for (const script of scripts) for (const match of script.matchAll(/\bt\('([A-Za-z0-9_@]+)'/g)) asked.add(match[1]!);
    for (const page of pages) {
      for (const match of page.matchAll(/data-i18n="([^"]+)"/g)) asked.add(match[1]!);
      for (const match of page.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of match[1]!.split(/\s+/)) asked.add(pair.split(':')[1]!);
    }
    const missing = [...asked].filter((key) => !key.startsWith('@@') && !(key in messages));
    assert.deepEqual(missing, [], 'keys asked for but not in messages.json');

    const manifest = readFileSync(join(ROOT, 'manifest.json'), 'utf8');
    const everything = [...scripts, ...pages, manifest].join('\n');
    const unused = Object.keys(messages).filter((key) => !everything.includes(`'${key}'`) && !everything.includes(`"${key}"`) && !everything.includes(`__MSG_${key}__`) && !everything.includes(`:${key}"`));
    assert.deepEqual(unused, [], 'messages nobody asks for');
  });

  it('takes the add-on’s name, description and button title from the messages file', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
    assert.equal(manifest.default_locale, 'en');
    assert.equal(manifest.name, '__MSG_extensionName__');
    assert.equal(manifest.description, '__MSG_extensionDescription__');
    assert.equal(manifest.action.default_title, '__MSG_actionTitle__');
  });

  it('fills $1… and named placeholders as browsers do', () => {
    const lookup = createMessageLookup({
      plain: { message: 'Up to date: serial $1.' },
      named: { message: 'Hello, $USER$ ($$5)', placeholders: { user: { content: '$1' } } },
    });
    assert.equal(lookup('plain', ['12']), 'Up to date: serial 12.');
    assert.equal(lookup('NAMED', ['Ann']), 'Hello, Ann ($5)');
    assert.equal(lookup('absent'), '');
  });

  it('makes a pseudo-locale that changes every message, is longer, and keeps the placeholders', () => {
    assert.equal(pseudoLocalize('Send $1 now'), '[Šééñð $1 ñööŵ]');
    const pseudo = pseudoLocalizeMessages(messages);
    for (const [key, entry] of Object.entries(messages)) {
      const changed = pseudo[key]!.message;
      assert.notEqual(changed, entry.message, key);
      assert.ok(changed.length > entry.message.length, key);
      assert.deepEqual(changed.match(/\$[1-9]/g), entry.message.match(/\$[1-9]/g), `${key} keeps its placeholders`);
    }
  });

  describe('a feature\'s words', () => {
    const features = readdirSync(join(ROOT, 'features'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !/^[._]/.test(entry.name))
      .map((entry) => ({ id: entry.name, dir: join(ROOT, 'features', entry.name) }));
    const merged = readLocaleMessages(join(ROOT, '_locales'), features).get('en')!.messages;
    afterEach(() => setMessageLookup(createMessageLookup(merged)));

    it('shows a feature\'s name and description from its messages when it ships them, else from feature.json', () => {
      setMessageLookup(createMessageLookup(pseudoLocalizeMessages(merged)));
      const status = makeStatus({ features: [makeFeature(), makeFeature({ id: 'no-words', name: 'No words', description: 'Ships no messages.' })] });
      const shown = describePopupFeatures(status).map((item) => [item.id, item.name, item.description]);
      assert.deepEqual(shown, [
        ['reading-time', pseudoLocalize('Reading time'), pseudoLocalize('Shows how long an article takes to read, in a small badge at the top right of article pages.')],
        ['no-words', 'No words', 'Ships no messages.'],
      ]);
      assert.equal(describeFeatureRow(makeFeature(), 'add-on').name, pseudoLocalize('Reading time'));
      assert.equal(describeChange({ featureId: 'reading-time', name: 'Reading time', kind: 'added' }), pseudoLocalize('$1 was added').replace('$1', pseudoLocalize('Reading time')));
    });

    for (const { id, dir } of features) {
      it(`${id}: ships its name and description as messages and writes no shown word into its code`, () => {
        const own = JSON.parse(readFileSync(join(dir, '_locales', 'en', 'messages.json'), 'utf8')) as MessagesFile;
        const json = JSON.parse(readFileSync(join(dir, 'feature.json'), 'utf8')) as { name: string; description: string };
        assert.equal(own.name?.message, json.name, 'the "name" message is feature.json\'s English name');
        assert.equal(own.description?.message, json.description, 'the "description" message is feature.json\'s English description');
        // Comments may quote the words; only code counts.
        const sources = listFiles(dir, '.ts').map((file) => [file, readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')] as const);
        const written = sources.flatMap(([file, text]) =>
          [...text.matchAll(/\b(?:title|label)\s*[:=]\s*['"`]|setAttribute\('(?:aria-label|title)',\s*['"`]|textContent\s*=\s*['"`][A-Za-z]/g)].map((match) => `${file.slice(ROOT.length + 1)}: ${match[0]}`),
        );
        assert.deepEqual(written, [], 'menu titles, popup labels and page text come from the feature\'s messages');
        const asked = sources.flatMap(([, text]) => [...text.matchAll(/(?:getMessage|words|getFeatureMessage\([^,]+,)\s*\(?\s*'([A-Za-z0-9_@]+)'/g)].map((match) => match[1]!));
        assert.deepEqual(asked.filter((key) => !(key in own)), [], 'keys the feature asks for but does not ship');
      });
    }
  });
});
