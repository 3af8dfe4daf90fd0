/**
 * Looks at the add-on's own pages in a real Firefox the way a person, or
 * their assistive technology, meets them: axe-core's accessibility rules run
 * inside the page, the focus ring the keyboard shows, and text a layout cuts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';

const AXE_SOURCE = readFileSync(join(__dirname, '..', '..', '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core inside the page; returns the violations of the given impacts. */
export async function runAxe(page: Page, impacts: readonly string[] = ['serious', 'critical']): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    type Result = { id: string; impact: string | null; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> };
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Result[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
  });
  return violations.filter((violation) => violation.impact !== null && impacts.includes(violation.impact));
}

export interface FocusRing {
  element: string;
  focusVisible: boolean;
  outlineStyle: string;
  outlineWidth: number;
  /** Contrast of the outline against what it is drawn on, per WCAG. */
  contrast: number;
}

/** Presses Tab and describes the ring around whatever took the focus. */
export async function tabToNextControl(page: Page): Promise<FocusRing | null> {
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    let background = 'rgb(255, 255, 255)';
    for (let node = element.parentElement; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (color !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(color)) {
        background = color;
        break;
      }
    }
    const label = `${element.tagName.toLowerCase()}${element.dataset.testid ? `[data-testid=${element.dataset.testid}]` : ''}`;
    return {
      element: label,
      focusVisible: element.matches(':focus-visible'),
      outlineStyle: style.outlineStyle,
      outlineWidth: parseFloat(style.outlineWidth),
      outlineColor: style.outlineColor,
      background,
    };
  });
  if (!ring) return null;
  return { element: ring.element, focusVisible: ring.focusVisible, outlineStyle: ring.outlineStyle, outlineWidth: ring.outlineWidth, contrast: contrastRatio(ring.outlineColor, ring.background) };
}

/** WCAG contrast ratio of two CSS rgb()/rgba() colours. */
export function contrastRatio(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number).map((channel) => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Elements whose text the layout cuts: content wider than the box where the
 * box clips it (overflow other than visible, or an ellipsis), and a page
 * wider than its window. Form fields scroll their own text and are left out.
 */
export async function findCutText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cut: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) cut.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
    for (const element of document.body.querySelectorAll<HTMLElement>('*')) {
      if (element.closest('[hidden]') || ['INPUT', 'TEXTAREA', 'SELECT', 'OPTION', 'SCRIPT', 'STYLE'].includes(element.tagName)) continue;
      const style = getComputedStyle(element);
      if (style.display === 'none' || !element.textContent?.trim()) continue;
      const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
      const wider = element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0;
      const taller = style.overflowY !== 'visible' && element.scrollHeight > element.clientHeight + 1 && element.clientHeight > 0;
      const sticksOut = element.getBoundingClientRect().right > root.clientWidth + 1;
      if ((clips && (wider || taller)) || sticksOut) {
        cut.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${element.textContent.trim().slice(0, 60)}"`);
      }
    }
    return cut;
  });
}

/** The visible words of the page, one entry per text node. */
export async function readVisibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      if (!text || !parent || parent.closest('[hidden], script, style, details:not([open]) > :not(summary)')) continue;
      texts.push(text);
    }
    return texts;
  });
}
