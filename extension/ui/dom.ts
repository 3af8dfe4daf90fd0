/**
 * A tiny DOM builder. Text always goes in as text nodes: strings from the
 * server or a feature's manifest entry are never parsed as HTML.
 *
 * @example
 * row.append(el('td', { 'data-testid': 'state' }, view.stateLabel));
 */
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
  if (!element) throw new Error(`Page markup has no element with id "${id}".`);
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

export function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
