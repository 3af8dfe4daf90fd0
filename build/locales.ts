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

export const DEFAULT_LOCALE = 'en';

type MessagesFile = Record<string, { message: string; description?: string; placeholders?: Record<string, { content: string }> }>;

/**
 * One asset per `<localesDir>/<lang>/messages.json`, each checked to be a
 * messages file; errors name the file and the key.
 *
 * @example listLocaleAssets('_locales', { pseudo: false }); // [{ name: "_locales/en/messages.json", … }]
 */
export function listLocaleAssets(localesDir: string, options: { pseudo: boolean }): StaticAsset[] {
  if (!existsSync(join(localesDir, DEFAULT_LOCALE, 'messages.json'))) {
    throw new BuildSettingsError(`${join(localesDir, DEFAULT_LOCALE, 'messages.json')} does not exist: the manifest's default_locale is "${DEFAULT_LOCALE}"`, localesDir);
  }
  const assets: StaticAsset[] = [];
  for (const entry of readdirSync(localesDir, { withFileTypes: true })) {
    const sourcePath = join(localesDir, entry.name, 'messages.json');
    if (!entry.isDirectory() || !existsSync(sourcePath)) continue;
    const messages = readMessages(sourcePath);
    const content = options.pseudo && entry.name === DEFAULT_LOCALE ? `${JSON.stringify(pseudoLocalizeMessages(messages), null, 2)}\n` : readFileSync(sourcePath);
    assets.push({ name: `_locales/${entry.name}/messages.json`, content, sourcePath });
  }
  return assets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
