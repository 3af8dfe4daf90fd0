/**
 * The feature's comments, newest first, with rating, version and day; the
 * filters (rating, version, day range, text), more on demand, and the CSV
 * export, fetched with the token and saved through a blob link. A comment is
 * shown as text, whatever it holds.
 */
import { fetchAdmin, getAdmin } from './admin-api';
import { byId, el } from './dom';
import { formatCount } from './format';
import type { FeedbackComment, FeedbackList } from './types';

const PAGE_SIZE = 50;
const FILTER_FIELDS = ['rating', 'version', 'from', 'to', 'q'] as const;

function renderComment(comment: FeedbackComment): HTMLLIElement {
  const text = comment.comment
    ? el('p', { class: 'text', 'data-testid': 'comment-text' }, comment.comment)
    : el('p', { class: 'text empty', 'data-testid': 'comment-text' }, 'No comment, rating only.');
  return el(
    'li',
    { 'data-testid': 'comment', 'data-rating': String(comment.rating) },
    el('span', { class: 'meta' }, `Rated ${comment.rating} of 5 · version ${comment.version ?? 'unknown'} · ${comment.day}`),
    text,
  );
}

export class FeedbackPanel {
  private featureId: string | null = null;
  private loaded = 0;
  private generation = 0;
  private readonly form = byId<HTMLFormElement>('feedback-filter');
  private readonly list = byId<HTMLOListElement>('comments');
  private readonly status = byId('feedback-status');
  private readonly more = byId<HTMLButtonElement>('more-comments');

  constructor(private readonly onError: (error: unknown) => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.reload();
    });
    // After the browser has cleared the fields.
    this.form.addEventListener('reset', () => setTimeout(() => void this.reload()));
    this.more.addEventListener('click', () => void this.load(false));
    byId('export-csv').addEventListener('click', () => void this.exportCsv());
  }

  /** Shows `featureId`'s comments with the filters cleared. */
  show(featureId: string): Promise<void> {
    this.featureId = featureId;
    this.form.reset();
    return this.reload();
  }

  private query(extra: Record<string, string>): string {
    const data = new FormData(this.form);
    const params = new URLSearchParams();
    for (const field of FILTER_FIELDS) {
      const value = String(data.get(field) ?? '').trim();
      if (value) params.set(field, value);
    }
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    return `/v1/admin/features/${encodeURIComponent(this.featureId!)}/feedback?${params}`;
  }

  private reload(): Promise<void> {
    return this.load(true);
  }

  private async load(fresh: boolean): Promise<void> {
    if (!this.featureId) return;
    const generation = fresh ? ++this.generation : this.generation;
    if (fresh) this.loaded = 0;
    this.status.textContent = 'Loading comments…';
    try {
      const page = await getAdmin<FeedbackList>(this.query({ limit: String(PAGE_SIZE), offset: String(this.loaded) }));
      // A newer filter or feature was asked for meanwhile.
      if (generation !== this.generation) return;
      const items = page.comments.map(renderComment);
      if (fresh) this.list.replaceChildren(...items);
      else this.list.append(...items);
      this.loaded += page.comments.length;
      this.fillVersions(page.versions);
      this.status.textContent = page.total === 0 ? 'No comment matches.' : `Showing ${formatCount(this.loaded)} of ${formatCount(page.total)} comments, newest first.`;
      this.more.hidden = this.loaded >= page.total;
    } catch (error) {
      this.status.textContent = 'The comments could not be loaded.';
      this.onError(error);
    }
  }

  private fillVersions(versions: readonly string[]): void {
    const select = this.form.elements.namedItem('version') as HTMLSelectElement;
    const chosen = select.value;
    const known = new Set([...select.options].map((option) => option.value));
    for (const version of versions) if (!known.has(version)) select.append(el('option', { value: version }, version));
    select.value = chosen;
  }

  private async exportCsv(): Promise<void> {
    if (!this.featureId) return;
    this.status.textContent = 'Preparing the CSV file…';
    try {
      const blob = await (await fetchAdmin(this.query({ format: 'csv' }))).blob();
      const url = URL.createObjectURL(blob);
      const link = el('a', { href: url, download: `${this.featureId}-feedback.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.status.textContent = 'The CSV file was saved.';
    } catch (error) {
      this.status.textContent = 'The CSV file could not be made.';
      this.onError(error);
    }
  }
}
