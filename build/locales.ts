/**
 * The add-on's words: `_locales/<lang>/messages.json`, copied into the
 * add-on as they are, or, for a pseudo-locale build (SBC_PSEUDO_LOCALE=1),
 * with the default language's messages accented and lengthened so that a
 * person can see at a glance which words skipped the messages file and
 * which layouts would cut a longer translation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildSettingsError } from './channel-config';
import type { StaticAsset } from './emit-assets-plugin';
import { toFeatureMessageKey } from '../protocol/feature-messages';

export const DEFAULT_LOCALE = 'en';

type MessagesFile = Record<string, { message: string; description?: string; placeholders?: Record<string, { content: string }> }>;

/** A feature folder whose `_locales/<lang>/messages.json` join the add-on's. */
export interface LocaleFeature {
  id: string;
  /** e.g. "features/tab-stash". */
  dir: string;
}

/**
 * One asset per language: `<localesDir>/<lang>/messages.json` with every
 * feature's `<dir>/_locales/<lang>/messages.json` merged in under
 * `f_<id>__` (protocol/feature-messages.ts), each file checked to be a
 * messages file; errors name the file and the key, a clash both files.
 *
 * @example listLocaleAssets('_locales', { pseudo: false, features }); // [{ name: "_locales/en/messages.json", … }]
 */
export function listLocaleAssets(localesDir: string, options: { pseudo: boolean; features?: readonly LocaleFeature[] }): StaticAsset[] {
  const assets: StaticAsset[] = [];
  for (const [lang, { messages, sourcePath, merged }] of readLocaleMessages(localesDir, options.features ?? [])) {
    const pseudo = options.pseudo && lang === DEFAULT_LOCALE;
    const content = pseudo || merged ? `${JSON.stringify(pseudo ? pseudoLocalizeMessages(messages) : messages, null, 2)}\n` : readFileSync(sourcePath);
    assets.push({ name: `_locales/${lang}/messages.json`, content, sourcePath });
  }
  return assets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface LocaleMessages {
  messages: MessagesFile;
  /** The host's file, or the first feature's when the host has none for this language. */
  sourcePath: string;
  /** Whether any feature's messages were added. */
  merged: boolean;
}

/**
 * The add-on's messages per language, the features' merged in. Message
 * names are compared without case, as browsers look them up.
 *
 * @example readLocaleMessages('_locales', [{ id: 'tab-stash', dir: 'features/tab-stash' }]).get('en')!.messages.f_tab_stash__name;
 */
export function readLocaleMessages(localesDir: string, features: readonly LocaleFeature[]): Map<string, LocaleMessages> {
  if (!existsSync(join(localesDir, DEFAULT_LOCALE, 'messages.json'))) {
    throw new BuildSettingsError(`${join(localesDir, DEFAULT_LOCALE, 'messages.json')} does not exist: the manifest's default_locale is "${DEFAULT_LOCALE}"`, localesDir);
  }
  const byLang = new Map<string, LocaleMessages>();
  const owners = new Map<string, Map<string, string>>();
  const add = (lang: string, path: string, messages: MessagesFile, prefix: (key: string) => string, merged: boolean) => {
    const entry = byLang.get(lang) ?? { messages: {}, sourcePath: path, merged: false };
    const owner = owners.get(lang) ?? new Map<string, string>();
    for (const [key, message] of Object.entries(messages)) {
      const name = prefix(key);
      const first = owner.get(name.toLowerCase());
      if (first !== undefined) throw new BuildSettingsError(`${path}: message "${key}" becomes "${name}", which ${first} already defines`, path);
      owner.set(name.toLowerCase(), path);
      entry.messages[name] = message;
    }
    entry.merged ||= merged;
    byLang.set(lang, entry);
    owners.set(lang, owner);
  };
  for (const lang of listLanguages(localesDir)) add(lang, join(localesDir, lang, 'messages.json'), readMessages(join(localesDir, lang, 'messages.json')), (key) => key, false);
  for (const feature of features) {
    const dir = join(feature.dir, '_locales');
    for (const lang of listLanguages(dir)) {
      const path = join(dir, lang, 'messages.json');
      add(lang, path, readMessages(path), (key) => toFeatureMessageKey(feature.id, key), true);
    }
  }
  return byLang;
}

function listLanguages(localesDir: string): string[] {
  if (!existsSync(localesDir)) return [];
  return readdirSync(localesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(localesDir, entry.name, 'messages.json')))
    .map((entry) => entry.name)
    .sort();
}

function readMessages(path: string): MessagesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BuildSettingsError(`${path}: not valid JSON: ${(error as Error).message}`, path);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BuildSettingsError(`${path}: must be an object of messages`, path);
  const problems = Object.entries(parsed as Record<string, unknown>)
    .filter(([key, entry]) => !/^[A-Za-z0-9_@]+$/.test(key) || typeof (entry as { message?: unknown })?.message !== 'string')
    .map(([key]) => `  ${path}  ${key}  needs a "message" string and a name of letters, digits, _ and @`);
  if (problems.length > 0) throw new BuildSettingsError(`invalid messages:\n${problems.join('\n')}`, path);
  return parsed as MessagesFile;
}

export function pseudoLocalizeMessages(messages: MessagesFile): MessagesFile {
  return Object.fromEntries(Object.entries(messages).map(([key, entry]) => [key, { ...entry, message: pseudoLocalize(entry.message) }]));
}

const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((letter, i) => [letter, [...'åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][i]!]),
);

/**
 * Accents every letter and doubles every vowel (about a third longer, as
 * many translations are), inside brackets that show where a message starts
 * and ends. Placeholders ($1, $NAME$) are left as they are.
 *
 * @example pseudoLocalize('Send $1 now'); // "[Šééñð $1 ñööŵ]"
 */
export function pseudoLocalize(message: string): string {
  const parts = message.split(/(\$[A-Za-z0-9_@]+\$|\$[1-9]|\$\$)/);
  const text = parts
    .map((part, index) => (index % 2 === 1 ? part : [...part].map((ch) => (/[aeiouAEIOU]/.test(ch) ? ACCENTED[ch]!.repeat(2) : (ACCENTED[ch] ?? ch))).join('')))
    .join('');
  return `[${text}]`;
}
