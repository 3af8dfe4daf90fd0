/**
 * Builds the page's elements. Text goes in as text nodes (textContent),
 * never as HTML: comments, ids and versions come from beta users and from
 * the release, and must never become markup.
 */

type Child = Node | string | number | null | undefined | false;

/**
 * An element with attributes and children; strings become text nodes.
 *
 * @example el('td', { class: 'number' }, 42)
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** The element with this id; the page is static, so a missing one is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the dashboard page has no #${id}`);
  return found as T;
}

/** Sets an element's text, replacing whatever it held. */
export function setText(node: HTMLElement, text: string): void {
  node.textContent = text;
}
