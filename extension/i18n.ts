/**
 * Every word the add-on shows comes from `_locales/<lang>/messages.json`
 * through `browser.i18n`. Pages and the event page call `t`; unit tests,
 * which have no `browser`, install a lookup made from the same files.
 *
 * @example
 * t('popupTitle');                 // "Beta features"
 * t('changeAdded', 'Reading time'); // "Reading time was added"
 */

import { toFeatureMessageKey } from '../protocol/feature-messages';

export type Substitutions = string | number | ReadonlyArray<string | number>;
export type MessageLookup = (key: string, substitutions?: string[]) => string;

/** One entry of messages.json, as Firefox and Chrome read it. */
export interface MessageEntry {
  message: string;
  description?: string;
  placeholders?: Record<string, { content: string; example?: string }>;
}
export type MessagesFile = Record<string, MessageEntry>;

let installed: MessageLookup | null = null;

/** Replaces the browser's lookup (tests), or restores it with null. */
export function setMessageLookup(lookup: MessageLookup | null): void {
  installed = lookup;
}

/**
 * The message for `key` in the user's language. A key missing from the
 * messages file shows as "[key]" rather than as nothing, so that it is seen.
 */
export function t(key: string, substitutions?: Substitutions): string {
  const list = substitutions === undefined ? undefined : (typeof substitutions === 'object' ? [...substitutions] : [substitutions]).map(String);
  const text = (installed ?? browserLookup())(key, list);
  return text === '' ? `[${key}]` : text;
}

/** The message for `key`, or "" when the messages file has none. */
export function lookupMessage(key: string, substitutions?: string[]): string {
  return (installed ?? browserLookup())(key, substitutions);
}

/**
 * A feature's own message (its `name`, say) when the feature ships it, else
 * `fallback`, the English of its feature.json.
 *
 * @example featureText('tab-stash', 'name', 'Tab stash'); // "Tab stash", or its translation
 */
export function featureText(featureId: string, key: string, fallback: string): string {
  return lookupMessage(toFeatureMessageKey(featureId, key)) || fallback;
}

function browserLookup(): MessageLookup {
  const api = (globalThis as { browser?: { i18n?: { getMessage(key: string, subs?: string[]): string } } }).browser?.i18n;
  if (!api) throw new Error('browser.i18n is not available here: call setMessageLookup first');
  return (key, subs) => api.getMessage(key, subs);
}

/**
 * A lookup over a parsed messages.json that resolves named placeholders and
 * $1…$9 the way browsers do, for unit tests and build-time checks.
 *
 * @example createMessageLookup({ hi: { message: 'Hi $1' } })('hi', ['Ann']); // "Hi Ann"
 */
export function createMessageLookup(messages: MessagesFile): MessageLookup {
  const byLowerKey = new Map(Object.entries(messages).map(([key, entry]) => [key.toLowerCase(), entry]));
  return (key, substitutions = []) => {
    const entry = byLowerKey.get(key.toLowerCase());
    if (!entry) return '';
    const placeholders = new Map(Object.entries(entry.placeholders ?? {}).map(([name, value]) => [name.toLowerCase(), value.content]));
    const named = entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name: string) => placeholders.get(name.toLowerCase()) ?? whole);
    return named.replace(/\$(\$|[1-9])/g, (_, which: string) => (which === '$' ? '$' : (substitutions[Number(which) - 1] ?? '')));
  };
}
