/**
 * The toolbar popup's feature actions: the popup asks the installed features
 * that offer actions (ctx.popup.offer) for them, and runs the one the user
 * clicks. Each feature is asked under a timeout and apart from the others,
 * so one that hangs or throws shows as its own failure and never takes the
 * popup or another feature's actions down. The popup checks and bounds what
 * a feature lists (popup-actions in ui/), keeping this part of the event page small.
 */
import { HostError } from '../errors';
import type { EventBus } from './event-bus';
import type { WindowTarget } from './feature-api';
import { describeError, runWithTimeout } from './feature-loader';
import { popupChannel, type PopupRequest } from './feature-context';

/** One feature's actions as it listed them (unchecked), or why it has none to show. */
export interface FeatureActions {
  featureId: string;
  actions: unknown;
  error?: string;
}

/** Listing may ask a service; running may take a few calls of one. */
export const LIST_TIMEOUT_MS = 15_000;
export const RUN_TIMEOUT_MS = 60_000;

/** The parts of the feature host the popup's actions need. */
export interface PopupHost {
  readonly eventBus: EventBus;
  whenRestored(): Promise<void>;
  getActiveIds(): string[];
}

/** Asks one feature; throws what it threw, or a HostError when it offers no actions or does not answer in time. */
async function ask(host: PopupHost, featureId: string, request: PopupRequest, target: WindowTarget, timeoutMs: number): Promise<unknown> {
  await host.whenRestored();
  const emitted = () => host.eventBus.emit(popupChannel(featureId), [request, target]);
  const [result] = await runWithTimeout(emitted, timeoutMs, `Feature "${featureId}": popup ${request.kind}`, featureId);
  if (!result) throw new HostError('not-listening', `Feature "${featureId}" offers no popup actions`, { subject: featureId });
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Every installed feature's popup actions, in feature order.
 *
 * @example
 * const lists = await listPopupActions(host, { windowId: 3 });
 * // [{ featureId: 'tab-stash', actions: [{ id: 'stash', label: 'Stash this window’s tabs' }] }]
 */
export async function listPopupActions(host: PopupHost, target: WindowTarget, timeoutMs = LIST_TIMEOUT_MS): Promise<FeatureActions[]> {
  await host.whenRestored();
  const offering = host.getActiveIds().filter((id) => host.eventBus.hasListeners(popupChannel(id)));
  return Promise.all(
    offering.map((featureId) =>
      ask(host, featureId, { kind: 'list' }, target, timeoutMs).then(
        (actions): FeatureActions => ({ featureId, actions }),
        (error: unknown): FeatureActions => ({ featureId, actions: [], error: describeError(error) }),
      ),
    ),
  );
}

/** Runs one action of an installed feature and returns the sentence it answers. */
export async function runPopupAction(host: PopupHost, featureId: string, actionId: string, target: WindowTarget, timeoutMs = RUN_TIMEOUT_MS): Promise<string> {
  const answer = await ask(host, featureId, { kind: 'run', actionId }, target, timeoutMs);
  return typeof answer === 'string' ? answer : '';
}
