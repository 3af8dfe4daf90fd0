/** The features table: one row per feature of the current manifest, each with a button that opens its details. */
import { el } from './dom';
import { formatCount, formatPercent, formatStage, VERDICT_LABELS } from './format';
import type { FeatureView } from './types';

export function renderVerdict(health: FeatureView['health']): HTMLElement {
  if (health === undefined) return el('span', { class: 'muted' }, 'loading…');
  const verdict = health?.verdict;
  if (!verdict) return el('span', { class: 'muted' }, 'unknown');
  return el('span', { class: `verdict verdict-${verdict}`, 'data-verdict': verdict }, VERDICT_LABELS[verdict] ?? verdict);
}

/** Fills the table body; `onOpen` is called with the feature whose button was pressed. */
export function renderOverview(body: HTMLTableSectionElement, views: readonly FeatureView[], selected: string | null, onOpen: (featureId: string) => void): void {
  const rows = views.map((view) => {
    const { summary, health } = view;
    const open = el('button', { type: 'button', 'data-testid': 'open-feature', 'aria-label': `Show details of ${summary.featureId}` }, summary.featureId);
    open.addEventListener('click', () => onOpen(summary.featureId));
    const mean = summary.ratings.mean === null ? '–' : `${summary.ratings.mean.toFixed(2)} (${formatCount(summary.ratings.count)})`;
    return el(
      'tr',
      { 'data-feature-id': summary.featureId, 'aria-current': summary.featureId === selected ? 'true' : false },
      el('th', { scope: 'row' }, open),
      el('td', {}, summary.version),
      el('td', { 'data-testid': 'stage' }, formatStage(view)),
      el('td', { 'data-testid': 'verdict' }, renderVerdict(health)),
      el('td', { class: 'number' }, formatCount(summary.installs)),
      el('td', { class: 'number' }, formatPercent(summary.failureRate.value)),
      el('td', { class: 'number' }, formatPercent(summary.optOutRate.value)),
      el('td', { class: 'number' }, mean),
    );
  });
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '8', class: 'muted' }, 'The current manifest lists no feature (or none is published yet).')));
  body.replaceChildren(...rows);
}

/** Puts the verdicts and stages that arrived into the rows, leaving the rest (and the focus) where it is. */
export function updateVerdicts(body: HTMLTableSectionElement, views: readonly FeatureView[]): void {
  for (const view of views) {
    const row = [...body.rows].find((candidate) => candidate.dataset.featureId === view.summary.featureId);
    if (!row) continue;
    row.querySelector('[data-testid="verdict"]')?.replaceChildren(renderVerdict(view.health));
    const stage = row.querySelector('[data-testid="stage"]');
    if (stage) stage.textContent = formatStage(view);
  }
}
