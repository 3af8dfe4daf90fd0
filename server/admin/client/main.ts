/**
 * The admin dashboard: sign in with the admin token (kept in this tab's
 * sessionStorage), then every feature of the current manifest with its
 * stage and verdict, and for the chosen one its charts, criteria, rates,
 * ratings and comments.
 */
import { AdminApiError, forgetToken, getAdmin, readToken, storeToken } from './admin-api';
import { drawDailyCharts, type DrawnCharts } from './charts';
import { byId } from './dom';
import { plural } from './format';
import { FeedbackPanel } from './feedback-panel';
import { renderDetail } from './render-detail';
import { renderOverview, updateVerdicts } from './render-overview';
import type { DailyPoint, FeatureHealth, FeatureSummary, FeatureView } from './types';

let views: FeatureView[] = [];
let selected: string | null = null;
/** The server's today (UTC), so the charts end where its data does whatever this computer's clock says. */
let asOf = '';
let charts: DrawnCharts | undefined;
const feedback = new FeedbackPanel(showError);

function showSignedIn(signedIn: boolean): void {
  byId('login').hidden = signedIn;
  byId('overview').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
  if (!signedIn) byId('detail').hidden = true;
}

function signOut(message?: string): void {
  forgetToken();
  charts?.destroy();
  charts = undefined;
  selected = null;
  showSignedIn(false);
  const error = byId('login-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  byId<HTMLInputElement>('token').focus();
}

function showError(error: unknown): void {
  if (error instanceof AdminApiError && error.status === 401) {
    signOut('The server refused this admin token. Check it and sign in again.');
    return;
  }
  byId('status').textContent = `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}

const featurePath = (featureId: string) => `/v1/admin/features/${encodeURIComponent(featureId)}`;

/**
 * The features table, shown as soon as the features are known. Verdicts take
 * longest (every criterion of every feature), so they fill in when they come.
 */
async function loadOverview(): Promise<void> {
  byId('status').textContent = 'Loading features…';
  const list = await getAdmin<{ asOf: string; features: FeatureSummary[] }>('/v1/admin/features');
  views = list.features.map((summary) => ({ summary, health: undefined }));
  asOf = list.asOf;
  byId('as-of').textContent = `As of ${list.asOf} (UTC)`;
  byId('status').textContent = `${plural(views.length, 'feature')}; verdicts loading…`;
  renderOverview(byId<HTMLTableElement>('features').tBodies[0]!, views, selected, (id) => void openFeature(id, true));
  void loadVerdicts(views);
}

async function loadVerdicts(shown: FeatureView[]): Promise<void> {
  try {
    const health = await getAdmin<{ features: FeatureHealth[] }>('/v1/admin/health');
    // Signed out or reloaded meanwhile.
    if (shown !== views) return;
    const verdicts = new Map(health.features.map((h) => [h.featureId, h]));
    for (const view of views) view.health = verdicts.get(view.summary.featureId) ?? null;
    updateVerdicts(byId<HTMLTableElement>('features').tBodies[0]!, views);
    byId('status').textContent = `${plural(views.length, 'feature')}.`;
    byId('overview').dataset.verdicts = 'loaded';
    const open = views.find((view) => view.summary.featureId === selected);
    if (open) renderDetail(open);
  } catch (error) {
    showError(error);
  }
}

async function loadFeatureHealth(view: FeatureView): Promise<void> {
  if (view.health !== undefined) return;
  try {
    const health = await getAdmin<FeatureHealth>(`${featurePath(view.summary.featureId)}/health`);
    view.health ??= health;
  } catch (error) {
    if (error instanceof AdminApiError && error.code === 'unknown_feature') view.health ??= null;
    else throw error;
  }
  if (selected === view.summary.featureId) renderDetail(view);
}

async function openFeature(featureId: string, moveFocus: boolean): Promise<void> {
  const view = views.find((candidate) => candidate.summary.featureId === featureId);
  if (!view) return;
  selected = featureId;
  for (const row of byId('features').querySelectorAll('tbody tr')) {
    if (row.getAttribute('data-feature-id') === featureId) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
  const detail = byId('detail');
  detail.hidden = false;
  delete detail.dataset.loaded;
  renderDetail(view);
  if (moveFocus) byId('detail-title').focus();
  await Promise.all([feedback.show(featureId), drawCharts(featureId), loadFeatureHealth(view).catch(showError)]);
  // Tells tests and benchmarks that everything of this feature is on screen.
  if (selected === featureId) detail.dataset.loaded = featureId;
}

/** The last N days, N from the range picker, ending today (UTC). */
function chartRange(): string {
  const days = Number(byId<HTMLSelectElement>('chart-days').value);
  const to = asOf || new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return `?from=${from}&to=${to}`;
}

async function drawCharts(featureId: string): Promise<void> {
  try {
    const daily = await getAdmin<{ days: DailyPoint[] }>(`${featurePath(featureId)}/daily${chartRange()}`);
    if (selected !== featureId) return;
    charts?.destroy();
    charts = drawDailyCharts(
      { active: byId('chart-active'), activeSummary: byId('active-summary'), events: byId('chart-events'), eventsSummary: byId('events-summary') },
      daily.days,
    );
  } catch (error) {
    showError(error);
  }
}

async function start(): Promise<void> {
  byId<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('token');
    const token = input.value.trim();
    if (!token) {
      byId('login-error').hidden = false;
      byId('login-error').textContent = 'Type the admin token first.';
      return;
    }
    storeToken(token);
    input.value = '';
    void enter();
  });
  byId('sign-out').addEventListener('click', () => signOut());
  byId('chart-days').addEventListener('change', () => {
    if (selected) void drawCharts(selected);
  });
  if (readToken()) await enter();
  else showSignedIn(false);
}

async function enter(): Promise<void> {
  try {
    await loadOverview();
    showSignedIn(true);
    byId('login-error').hidden = true;
    const first = selected ?? views[0]?.summary.featureId;
    if (first) await openFeature(first, false);
  } catch (error) {
    showError(error);
    if (!(error instanceof AdminApiError && error.status === 401)) showSignedIn(true);
  }
}

void start();
