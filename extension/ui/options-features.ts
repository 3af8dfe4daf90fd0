/**
 * The features table of the QA panel. Rows are keyed by feature id and
 * updated in place, so the status poll never closes a select QA has open.
 */
import type { FeatureStatus, HostStatus, Override } from '../messages';
import { t } from '../i18n';
import { describeFeatureConsent, type ConsentView } from './consent-view';
import { el } from './dom';
import { describeFeatureRow, listOverrideChoices, parseOverrideChoice, type FeatureRowView } from './render-status';

export type OverrideHandler = (featureId: string, value: Override, select: HTMLSelectElement) => void;
/** Called synchronously from the click, so that Firefox's consent request may start at once. */
export type ConsentHandler = (featureId: string, granted: boolean, button: HTMLButtonElement) => void;

export interface FeatureHandlers {
  onOverride: OverrideHandler;
  onConsent: ConsentHandler;
}

export function renderFeatures(
  tbody: HTMLTableSectionElement,
  features: FeatureStatus[],
  consentSource: HostStatus['dataConsentSource'],
  handlers: FeatureHandlers,
): void {
  const wanted = new Set(features.map((feature) => feature.id));
  for (const row of Array.from(tbody.rows)) {
    if (!wanted.has(row.dataset.featureId ?? '')) row.remove();
  }
  features.forEach((feature, index) => {
    const view = describeFeatureRow(feature, consentSource);
    const row = findRow(tbody, feature.id) ?? createRow(view, handlers);
    updateRow(row, view);
    updateConsent(row, describeFeatureConsent(feature, consentSource));
    // Moving a row blurs its select, so only move rows that are out of place.
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] ?? null);
  });
}

function findRow(tbody: HTMLTableSectionElement, id: string): HTMLTableRowElement | null {
  return Array.from(tbody.rows).find((row) => row.dataset.featureId === id) ?? null;
}

function createRow(view: FeatureRowView, { onOverride, onConsent }: FeatureHandlers): HTMLTableRowElement {
  const select = el('select', { 'data-testid': 'override', 'aria-label': t('overrideLabel', view.name) });
  for (const choice of listOverrideChoices()) select.append(el('option', { value: choice.value }, choice.label));
  select.addEventListener('change', () => onOverride(view.id, parseOverrideChoice(select.value), select));
  const grant = el('button', { type: 'button', 'data-testid': 'grant-consent' });
  grant.addEventListener('click', () => onConsent(view.id, true, grant));
  const withdraw = el('button', { type: 'button', 'data-testid': 'withdraw-consent' });
  withdraw.addEventListener('click', () => onConsent(view.id, false, withdraw));

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
      el('span', { class: 'tag', 'data-testid': 'requires-account', title: t('needsAccountTagTitle') }, t('needsAccountTag')),
    ),
    el('td', { 'data-testid': 'state' }),
    el(
      'td',
      {},
      el('span', { 'data-testid': 'reason' }),
      el('p', { class: 'warning', 'data-testid': 'halt' }),
      el('p', { class: 'error', 'data-testid': 'error' }),
      el('p', { class: 'consent', 'data-testid': 'consent' }, el('span', { 'data-testid': 'consent-text' }), ' ', grant, withdraw),
    ),
    el('td', {}, select),
  );
}

function updateRow(row: HTMLTableRowElement, view: FeatureRowView): void {
  setPart(row, 'name', view.name);
  setPart(row, 'version', t('featureVersion', view.version));
  setPart(row, 'feature-id', view.id);
  setPart(row, 'reason', view.reason);
  const state = part(row, 'state');
  state.textContent = view.stateLabel;
  state.className = `state state-${view.state}`;
  part(row, 'requires-account').hidden = !view.requiresAccount;
  const halt = part(row, 'halt');
  halt.textContent = view.halt ?? '';
  halt.hidden = view.halt === null;
  const error = part(row, 'error');
  error.textContent = view.error ?? '';
  error.hidden = view.error === null;
  const select = part(row, 'override') as HTMLSelectElement;
  if (document.activeElement !== select && !select.disabled) select.value = view.override;
}

function updateConsent(row: HTMLTableRowElement, view: ConsentView | null): void {
  part(row, 'consent').hidden = view === null;
  setPart(row, 'consent-text', view?.text ?? '');
  const grant = part(row, 'grant-consent');
  grant.textContent = view?.grantLabel ?? '';
  grant.hidden = !view?.canGrant;
  const withdraw = part(row, 'withdraw-consent');
  withdraw.textContent = view?.withdrawLabel ?? '';
  withdraw.hidden = !view?.canWithdraw;
}

function part(row: HTMLTableRowElement, testId: string): HTMLElement {
  const found = row.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!found) throw new Error(t('errorMissingPart', [row.dataset.featureId ?? '', testId]));
  return found;
}

function setPart(row: HTMLTableRowElement, testId: string, text: string): void {
  part(row, testId).textContent = text;
}
