/**
 * The toolbar popup: the beta features a user has, a switch to turn one off
 * for themselves, a short feedback form per feature, and the account state.
 * Items are keyed by feature id and updated in place, so switching one
 * feature never clears feedback being written for another.
 */
import browser from 'webextension-polyfill';
import type { ChangeLogView } from '../background/change-log';
import { t } from '../i18n';
import type { HostRequest, HostStatus } from '../messages';
import { byId, describeFailure, el, localizePage, runDisabled, showMessage } from './dom';
import { changeFeatureConsent, type DataCollectionRequests } from './feature-consent';
import { createHostClient } from './host-client';
import { describeChanges } from './insights-view';
import { createActionsBox, createPopupActions } from './popup-actions';
import { describePopupAccount, describePopupFeatures, FEEDBACK_COMMENT_MAX, validateFeedback, type PopupFeatureItem } from './popup-view';

const request = createHostClient((message: HostRequest) => browser.runtime.sendMessage(message));
let current: HostStatus | null = null;
let featureActions: ReturnType<typeof createPopupActions> | null = null;

function render(status: HostStatus): void {
  current = status;
  showMessage(byId('popup-error'), '');
  const list = byId<HTMLUListElement>('popup-features');
  const items = describePopupFeatures(status);
  const wanted = new Set(items.map((item) => item.id));
  for (const node of Array.from(list.children) as HTMLElement[]) {
    if (!wanted.has(node.dataset.featureId ?? '')) node.remove();
  }
  items.forEach((item, index) => {
    const node = findItem(list, item.id) ?? createItem(item);
    updateItem(node, item);
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] ?? null);
  });
  featureActions?.render();
  byId('popup-empty').hidden = items.length > 0;
  byId('account-state').textContent = describePopupAccount(status);
}

function findItem(list: HTMLUListElement, id: string): HTMLLIElement | null {
  return (Array.from(list.children) as HTMLLIElement[]).find((node) => node.dataset.featureId === id) ?? null;
}

function createItem(item: PopupFeatureItem): HTMLLIElement {
  const toggle = el('input', { type: 'checkbox', role: 'switch', 'data-testid': 'opt-out-switch', 'aria-label': t('optOutSwitchLabel', item.name) });
  toggle.addEventListener('change', () => {
    const optedOut = !toggle.checked;
    void runDisabled([toggle], async () => {
      try {
        render(await request({ type: 'sbc:opt-out', featureId: item.id, optedOut }));
      } catch (error) {
        toggle.checked = !toggle.checked;
        showMessage(byId('popup-error'), describeFailure(error), true);
      }
    });
  });

  const grant = el('button', { type: 'button', 'data-testid': 'grant-consent' });
  grant.addEventListener('click', () => {
    const feature = current?.features.find((candidate) => candidate.id === item.id);
    if (!current || !feature) return;
    // Started in the click's own turn: Firefox asks for consent only in direct answer to a click.
    const changed = changeFeatureConsent(feature, true, current.dataConsentSource, browser.permissions as unknown as DataCollectionRequests, request);
    void runDisabled([grant], async () => {
      try {
        render(await changed);
      } catch (error) {
        showMessage(byId('popup-error'), describeFailure(error), true);
      }
    });
  });

  return el(
    'li',
    { 'data-feature-id': item.id },
    el(
      'div',
      { class: 'row' },
      el(
        'div',
        {},
        el('span', { class: 'name', 'data-testid': 'name' }),
        el('p', { class: 'description' }),
        el('p', { class: 'note', 'data-testid': 'note' }),
        grant,
      ),
      el('label', { class: 'switch' }, toggle, el('span', { 'data-testid': 'switch-label' })),
    ),
    createActionsBox(item.name),
    createFeedbackForm(item),
  );
}

function createFeedbackForm(item: PopupFeatureItem): HTMLDetailsElement {
  const result = el('p', { 'data-testid': 'feedback-result', role: 'status', hidden: true });
  const comment = el('textarea', {
    'data-testid': 'feedback-comment',
    rows: 2,
    maxlength: FEEDBACK_COMMENT_MAX,
    placeholder: t('feedbackCommentPlaceholder'),
    'aria-label': t('feedbackCommentLabel', item.name),
  });
  const rating = el('fieldset', { class: 'rating' }, el('legend', {}, t('feedbackRating')));
  for (let value = 1; value <= 5; value++) {
    const radio = el('input', { type: 'radio', name: `rating-${item.id}`, value, 'data-testid': `rating-${value}`, 'aria-label': t('feedbackRatingValue', value) });
    rating.append(el('label', {}, radio, t('feedbackRatingNumber', value)));
  }
  const submit = el('button', { type: 'submit', 'data-testid': 'feedback-submit' }, t('feedbackSend'));
  const form = el('form', {}, rating, comment, submit);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>('input[type="radio"]:checked');
    const checked = validateFeedback(chosen?.value ?? null, comment.value);
    if (!checked.ok) {
      showMessage(result, checked.message, true);
      return;
    }
    void runDisabled([submit], async () => {
      try {
        await request({ type: 'sbc:feedback', featureId: item.id, ...checked.feedback });
        form.reset();
        showMessage(result, t('feedbackThanks'));
      } catch (error) {
        showMessage(result, describeFailure(error), true);
      }
    });
  });

  return el('details', { 'data-testid': 'feedback' }, el('summary', {}, t('feedbackSummary', item.name)), form, result);
}

function updateItem(node: HTMLLIElement, item: PopupFeatureItem): void {
  part(node, 'name').textContent = item.name;
  const description = node.querySelector<HTMLElement>('.description');
  if (description) description.textContent = item.description;
  const note = part(node, 'note');
  note.textContent = item.note ?? '';
  note.hidden = item.note === null;
  const toggle = part(node, 'opt-out-switch') as HTMLInputElement;
  if (!toggle.disabled) toggle.checked = item.on;
  toggle.hidden = !item.canToggle;
  const label = part(node, 'switch-label');
  label.textContent = item.on ? t('switchOn') : t('switchOff');
  label.hidden = !item.canToggle;
  part(node, 'feedback').hidden = !item.canGiveFeedback;
  const grant = part(node, 'grant-consent');
  grant.textContent = item.grant ?? '';
  grant.hidden = item.grant === null;
}

function part(node: HTMLElement, testId: string): HTMLElement {
  const found = node.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!found) throw new Error(t('errorMissingPart', [node.dataset.featureId ?? '', testId]));
  return found;
}

/** "What's new": the recent changes, the unseen ones marked; opening the popup clears the badge. */
function renderChanges(view: ChangeLogView): void {
  const items = describeChanges(view, Date.now());
  byId('whats-new').hidden = items.length === 0;
  byId('changes').replaceChildren(
    ...items.map((item) =>
      el(
        'li',
        { 'data-feature-id': item.featureId, 'data-testid': 'change', class: item.isNew ? 'change new' : 'change' },
        el('span', { 'data-testid': 'change-text' }, item.text),
        ' ',
        el('span', { class: 'note' }, item.when),
      ),
    ),
  );
  const notify = byId<HTMLInputElement>('notify-changes');
  if (!notify.disabled) notify.checked = view.notify;
}

async function showChanges(): Promise<void> {
  renderChanges(await request({ type: 'sbc:changes' }));
  await request({ type: 'sbc:changes-seen' });
}

async function start(): Promise<void> {
  localizePage();
  byId('open-options').addEventListener('click', () => {
    browser.runtime.openOptionsPage().then(
      () => window.close(),
      (error: unknown) => showMessage(byId('popup-error'), t('openOptionsFailed', describeFailure(error)), true),
    );
  });
  const notify = byId<HTMLInputElement>('notify-changes');
  notify.addEventListener('change', () => {
    void runDisabled([notify], async () => {
      try {
        renderChanges(await request({ type: 'sbc:change-notifications', enabled: notify.checked }));
      } catch (error) {
        notify.checked = !notify.checked;
        showMessage(byId('popup-error'), describeFailure(error), true);
      }
    });
  });
  const changes = showChanges().catch((error: unknown) => showMessage(byId('popup-error'), t('changesUnreadable', describeFailure(error)), true));
  // The window the popup belongs to: a feature's action (stash its tabs, say) is about that window.
  const actions = browser.windows.getCurrent().then((window) => {
    featureActions = createPopupActions(request, window.id, () => Array.from(byId('popup-features').children) as HTMLElement[]);
    return featureActions.load();
  });
  const actionsShown = actions.catch((error: unknown) => showMessage(byId('popup-error'), t('featureActionsUnreadable', describeFailure(error)), true));
  try {
    render(await request({ type: 'sbc:status' }));
  } catch (error) {
    showMessage(byId('popup-error'), t('statusUnreadable', describeFailure(error)), true);
  }
  await Promise.all([changes, actionsShown]);
}

void start();
