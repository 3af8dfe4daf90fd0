/**
 * The features table of the QA panel. Rows are keyed by feature id and
 * updated in place, so the status poll never closes a select QA has open.
 */
import type { FeatureStatus, Override } from '../messages';
import { el } from './dom';
import { describeFeatureRow, OVERRIDE_CHOICES, parseOverrideChoice, type FeatureRowView } from './render-status';

export type OverrideHandler = (featureId: string, value: Override, select: HTMLSelectElement) => void;

export function renderFeatures(tbody: HTMLTableSectionElement, features: FeatureStatus[], onOverride: OverrideHandler): void {
  const wanted = new Set(features.map((feature) => feature.id));
  for (const row of Array.from(tbody.rows)) {
    if (!wanted.has(row.dataset.featureId ?? '')) row.remove();
  }
  features.forEach((feature, index) => {
    const view = describeFeatureRow(feature);
    const row = findRow(tbody, feature.id) ?? createRow(view, onOverride);
    updateRow(row, view);
    // Moving a row blurs its select, so only move rows that are out of place.
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] ?? null);
  });
}

function findRow(tbody: HTMLTableSectionElement, id: string): HTMLTableRowElement | null {
  return Array.from(tbody.rows).find((row) => row.dataset.featureId === id) ?? null;
}

function createRow(view: FeatureRowView, onOverride: OverrideHandler): HTMLTableRowElement {
  const select = el('select', { 'data-testid': 'override', 'aria-label': `QA override for ${view.name}` });
  for (const choice of OVERRIDE_CHOICES) select.append(el('option', { value: choice.value }, choice.label));
  select.addEventListener('change', () => onOverride(view.id, parseOverrideChoice(select.value), select));

  return el(
    'tr',
    { 'data-feature-id': view.id },
    el(
      'td',
      { class: 'feature' },
      el('strong', { 'data-testid': 'name' }),
      ' ',
      el('span', { class: 'version', 'data-testid': 'version' }),
      el('br'),
      el('code', { 'data-testid': 'feature-id' }),
      ' ',
      el('span', { class: 'tag', 'data-testid': 'requires-account', title: 'Installs only for users signed in to a beta account' }, 'needs account'),
    ),
    el('td', { 'data-testid': 'state' }),
    el('td', {}, el('span', { 'data-testid': 'reason' }), el('p', { class: 'error', 'data-testid': 'error' })),
    el('td', {}, select),
  );
}

function updateRow(row: HTMLTableRowElement, view: FeatureRowView): void {
  setPart(row, 'name', view.name);
  setPart(row, 'version', `v${view.version}`);
  setPart(row, 'feature-id', view.id);
  setPart(row, 'reason', view.reason);
  const state = part(row, 'state');
  state.textContent = view.stateLabel;
  state.className = `state state-${view.state}`;
  part(row, 'requires-account').hidden = !view.requiresAccount;
  const error = part(row, 'error');
  error.textContent = view.error ?? '';
  error.hidden = view.error === null;
  const select = part(row, 'override') as HTMLSelectElement;
  if (document.activeElement !== select && !select.disabled) select.value = view.override;
}

function part(row: HTMLTableRowElement, testId: string): HTMLElement {
  const found = row.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!found) throw new Error(`Feature row "${row.dataset.featureId}" has no [data-testid="${testId}"].`);
  return found;
}

function setPart(row: HTMLTableRowElement, testId: string, text: string): void {
  part(row, testId).textContent = text;
}
