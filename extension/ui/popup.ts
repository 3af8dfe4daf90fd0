/**
 * The toolbar popup: the beta features a user has, a switch to turn one off
 * for themselves, a short feedback form per feature, and the account state.
 * Items are keyed by feature id and updated in place, so switching one
 * feature never clears feedback being written for another.
 */
import browser from 'webextension-polyfill';
import type { HostRequest, HostStatus } from '../messages';
import { byId, describeFailure, el, runDisabled, showMessage } from './dom';
import { changeFeatureConsent, type DataCollectionRequests } from './feature-consent';
import { createHostClient } from './host-client';
import { describePopupAccount, describePopupFeatures, FEEDBACK_COMMENT_MAX, validateFeedback, type PopupFeatureItem } from './popup-view';

const request = createHostClient((message: HostRequest) => browser.runtime.sendMessage(message));
let current: HostStatus | null = null;

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
  byId('popup-empty').hidden = items.length > 0;
  byId('account-state').textContent = describePopupAccount(status);
}

function findItem(list: HTMLUListElement, id: string): HTMLLIElement | null {
  return (Array.from(list.children) as HTMLLIElement[]).find((node) => node.dataset.featureId === id) ?? null;
}

function createItem(item: PopupFeatureItem): HTMLLIElement {
  const toggle = el('input', { type: 'checkbox', role: 'switch', 'data-testid': 'opt-out-switch', 'aria-label': `${item.name}: on or off for you` });
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
    createFeedbackForm(item),
  );
}

function createFeedbackForm(item: PopupFeatureItem): HTMLDetailsElement {
  const result = el('p', { 'data-testid': 'feedback-result', role: 'status', hidden: true });
  const comment = el('textarea', { 'data-testid': 'feedback-comment', rows: 2, maxlength: FEEDBACK_COMMENT_MAX, placeholder: 'What worked, what did not? (optional)' });
  const rating = el('fieldset', { class: 'rating' }, el('legend', {}, 'Rating'));
  for (let value = 1; value <= 5; value++) {
    rating.append(el('label', {}, el('input', { type: 'radio', name: `rating-${item.id}`, value, 'data-testid': `rating-${value}` }), String(value)));
  }
  const submit = el('button', { type: 'submit', 'data-testid': 'feedback-submit' }, 'Send feedback');
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
        showMessage(result, 'Thank you: your feedback is on its way to the beta team (kept here until the beta server can be reached).');
      } catch (error) {
        showMessage(result, describeFailure(error), true);
      }
    });
  });

  return el('details', { 'data-testid': 'feedback' }, el('summary', {}, `Give feedback on ${item.name}`), form, result);
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
  label.textContent = item.on ? 'On' : 'Off';
  label.hidden = !item.canToggle;
  part(node, 'feedback').hidden = !item.canGiveFeedback;
  const grant = part(node, 'grant-consent');
  grant.textContent = item.grant ?? '';
  grant.hidden = item.grant === null;
}

function part(node: HTMLElement, testId: string): HTMLElement {
  const found = node.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!found) throw new Error(`Popup item "${node.dataset.featureId}" has no [data-testid="${testId}"].`);
  return found;
}

async function start(): Promise<void> {
  byId('open-options').addEventListener('click', () => {
    browser.runtime.openOptionsPage().then(
      () => window.close(),
      (error: unknown) => showMessage(byId('popup-error'), `Cannot open the beta settings: ${describeFailure(error)}`, true),
    );
  });
  try {
    render(await request({ type: 'sbc:status' }));
  } catch (error) {
    showMessage(byId('popup-error'), `Cannot read the add-on's status: ${describeFailure(error)}`, true);
  }
}

void start();
