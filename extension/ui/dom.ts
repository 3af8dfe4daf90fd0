/**
 * A tiny DOM builder. Text always goes in as text nodes: strings from the
 * server or a feature's manifest entry are never parsed as HTML.
 *
 * @example
 * row.append(el('td', { 'data-testid': 'state' }, view.stateLabel));
 */
import type { AccountFailureWords } from '../account/account-error';
import { t } from '../i18n';
import { describeAccountFailure } from './error-view';

export type Attributes = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The element with this id; the page's HTML and script must agree, so a miss is a bug worth naming. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(t('errorMissingElement', id));
  return element as T;
}

/** Sets the text, and hides the element when there is none. */
export function showText(element: HTMLElement, text: string | null): void {
  element.textContent = text ?? '';
  element.hidden = !text;
}

/**
 * Runs a user action with its controls disabled, so a double click cannot
 * send it twice; the controls come back whatever happens.
 */
export async function runDisabled(controls: Array<HTMLButtonElement | HTMLFieldSetElement | HTMLSelectElement | HTMLInputElement>, work: () => Promise<void>): Promise<void> {
  for (const control of controls) control.disabled = true;
  try {
    await work();
  } finally {
    for (const control of controls) control.disabled = false;
  }
}

/** Shows a result line; errors are styled and announced as such. */
export function showMessage(element: HTMLElement, text: string, isError = false): void {
  element.textContent = text;
  element.hidden = text === '';
  element.classList.toggle('error', isError);
  element.setAttribute('role', isError ? 'alert' : 'status');
}

/** A failure in the user's words: from its `words` when the background sent them, else its message. */
export function describeFailure(error: unknown): string {
  const words = (error as { words?: AccountFailureWords } | null)?.words;
  if (words) return describeAccountFailure(words);
  return error instanceof Error ? error.message : String(error);
}

/**
 * Fills the page's words from the messages file: `data-i18n="key"` sets an
 * element's text, `data-i18n-attr="aria-label:key title:key"` its attributes.
 * A message with $1, $2… places the element's own child elements (links, say)
 * at those spots, so translators can move them within the sentence.
 *
 * @example <p data-i18n="signUpReadTerms"><a data-i18n="termsOfService"></a><a data-i18n="privacyNotice"></a></p>
 */
export function localizePage(root: Document = document): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of (element.dataset.i18nAttr ?? '').split(/\s+/).filter(Boolean)) {
      const [attribute, key] = pair.split(':') as [string, string | undefined];
      element.setAttribute(attribute, t(key ?? attribute));
    }
  }
  // Innermost first, so that an element slotted into its parent's sentence already carries its own words.
  for (const element of [...root.querySelectorAll<HTMLElement>('[data-i18n]')].reverse()) {
    fillMessage(element, element.dataset.i18n ?? '');
  }
  root.documentElement.lang = t('@@ui_locale').replace('_', '-');
  root.documentElement.dir = t('@@bidi_dir');
}

const SLOT = '\u0001';

function fillMessage(element: HTMLElement, key: string): void {
  const slots = [...element.children] as HTMLElement[];
  if (slots.length === 0) {
    element.textContent = t(key);
    return;
  }
  const text = t(key, slots.map((_, index) => `${SLOT}${index}${SLOT}`));
  const parts = text.split(SLOT);
  element.replaceChildren(...parts.map((part, index) => (index % 2 === 1 ? (slots[Number(part)] ?? '') : part)));
}
