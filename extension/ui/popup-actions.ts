/**
 * The popup's feature actions: under each installed feature that offers some
 * (ctx.popup.offer), a button per action and a line for what it did. The
 * words on the buttons and in that line are the feature's own.
 */
import type { PopupAction } from '../runtime/feature-api';
import type { FeatureActions } from '../runtime/popup-actions';
import { t } from '../i18n';
import { describeFailure, el, runDisabled, showMessage } from './dom';
import type { HostClient } from './host-client';

export const MAX_POPUP_ACTIONS = 20;
export const MAX_ACTION_LABEL = 120;

/** What a feature listed, kept only as {id, label} pairs and bounded, so a feature's mistake cannot break the popup. */
export function checkActions(listed: unknown): PopupAction[] {
  if (!Array.isArray(listed)) return [];
  return listed
    .filter((item): item is PopupAction => typeof item?.id === 'string' && typeof item?.label === 'string')
    .slice(0, MAX_POPUP_ACTIONS)
    .map(({ id, label }) => ({ id, label: label.slice(0, MAX_ACTION_LABEL) }));
}

/** The box a feature's actions go in; empty and hidden until the feature offers some. */
export function createActionsBox(featureName: string): HTMLElement {
  return el(
    'div',
    { class: 'feature-actions', 'data-testid': 'feature-actions', role: 'group', 'aria-label': t('featureActionsLabel', featureName), hidden: true },
    el('div', { class: 'buttons', 'data-testid': 'feature-action-buttons' }),
    el('p', { 'data-testid': 'feature-action-result', role: 'status', hidden: true }),
  );
}

/**
 * Keeps the popup's action boxes in step with what the features offer.
 *
 * @example
 * const actions = createPopupActions(request, windowId, () => list.children);
 * await actions.load();
 */
export function createPopupActions(request: HostClient, windowId: number | undefined, items: () => Iterable<HTMLElement>) {
  let current: FeatureActions[] = [];

  const render = () => {
    for (const item of items()) {
      const box = item.querySelector<HTMLElement>('[data-testid="feature-actions"]');
      if (!box) continue;
      const featureId = item.dataset.featureId ?? '';
      const offered = current.find((entry) => entry.featureId === featureId);
      const actions = checkActions(offered?.actions);
      box.hidden = !offered || (actions.length === 0 && !offered.error);
      const buttons = box.querySelector<HTMLElement>('[data-testid="feature-action-buttons"]')!;
      const result = box.querySelector<HTMLElement>('[data-testid="feature-action-result"]')!;
      if (offered?.error) showMessage(result, offered.error, true);
      buttons.replaceChildren(
        ...actions.map((action) => {
          const button = el('button', { type: 'button', 'data-testid': 'feature-action', 'data-action-id': action.id }, action.label);
          button.addEventListener('click', () => void run(featureId, action.id, box));
          return button;
        }),
      );
    }
  };

  const run = (featureId: string, actionId: string, box: HTMLElement) => {
    const result = box.querySelector<HTMLElement>('[data-testid="feature-action-result"]')!;
    const controls = [...box.querySelectorAll('button')];
    showMessage(result, t('featureActionRunning'));
    return runDisabled(controls, async () => {
      try {
        const answer = await request({ type: 'sbc:run-feature-action', featureId, actionId, windowId });
        current = answer.actions;
        render();
        showMessage(result, answer.message);
      } catch (error) {
        showMessage(result, describeFailure(error), true);
      }
    });
  };

  return {
    render,
    async load(): Promise<void> {
      current = await request({ type: 'sbc:feature-actions', windowId });
      render();
    },
  };
}
