/** One feature's verdict, exit criteria, failure and opt-out rates, and rating distribution. */
import { byId, el } from './dom';
import { describeCriterion, formatCount, formatPercent, formatRate, formatStage } from './format';
import { renderVerdict } from './render-overview';
import type { FeatureView } from './types';

function renderCriteria(view: FeatureView): void {
  const criteria = view.health?.criteria ?? [];
  const rows = criteria.map((criterion) => {
    const cells = describeCriterion(criterion);
    return el(
      'tr',
      { 'data-criterion': criterion.name },
      el('th', { scope: 'row' }, cells.name),
      el('td', { class: 'number' }, cells.value),
      el('td', {}, cells.interval),
      el('td', {}, cells.threshold),
      el('td', { class: 'number' }, cells.samples),
      el('td', { class: `pass-${String(criterion.pass)}` }, cells.result),
      el('td', {}, criterion.reason),
    );
  });
  byId<HTMLTableElement>('criteria').tBodies[0]!.replaceChildren(...rows);
  byId('criteria').hidden = rows.length === 0;
  byId('criteria-empty').hidden = rows.length > 0;
}

function renderRates(view: FeatureView): void {
  const { summary } = view;
  byId('rates').replaceChildren(
    el('dt', {}, 'Installs seen'),
    el('dd', {}, formatCount(summary.installs)),
    el('dt', {}, 'Failure rate'),
    el('dd', { 'data-testid': 'failure-rate' }, formatRate(summary.failureRate)),
    el('dt', {}, 'Opt-out rate'),
    el('dd', { 'data-testid': 'opt-out-rate' }, formatRate(summary.optOutRate)),
  );
}

function renderRatings(view: FeatureView): void {
  const { distribution, count } = view.summary.ratings;
  const rows = [5, 4, 3, 2, 1].map((rating) => {
    const n = distribution[rating - 1] ?? 0;
    const share = count > 0 ? n / count : 0;
    const bar = el('div', { class: 'bar', 'aria-hidden': 'true' });
    // Set through the CSSOM: the page's CSP allows no inline style attribute.
    bar.style.width = `${(share * 100).toFixed(1)}%`;
    return el(
      'tr',
      { 'data-rating': String(rating) },
      el('th', { scope: 'row' }, `${rating} of 5`),
      el('td', { class: 'number' }, formatCount(n)),
      el('td', { class: 'bar-cell' }, el('div', { class: 'share' }, el('span', {}, count > 0 ? formatPercent(share) : '–'), bar)),
    );
  });
  byId<HTMLTableElement>('ratings').tBodies[0]!.replaceChildren(...rows);
}

/** Shows the feature's heading, verdict and tables. */
export function renderDetail(view: FeatureView): void {
  const { summary, health } = view;
  byId('detail-title').textContent = `${summary.featureId} ${summary.version}`;
  const verdict = byId('detail-verdict');
  verdict.replaceChildren(
    el('strong', {}, 'Stage: '),
    formatStage(view),
    ' · ',
    el('strong', {}, 'Verdict: '),
    renderVerdict(health),
    health ? ` ${health.reason}` : health === null ? ' (the health route does not know this feature)' : '',
  );
  renderCriteria(view);
  renderRates(view);
  renderRatings(view);
}
