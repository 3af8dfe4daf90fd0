/**
 * What the background does for each request of the add-on's own pages (QA
 * panel, popup, onboarding): one handler per request type.
 */
import { HostError } from '../errors';
import type { HostRequest, HostStatus } from '../messages';
import type { BrowserApi } from '../runtime/browser-api';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { loadHealth } from '../runtime/feature-context';
import { writeOptOut, writeOverride } from '../runtime/feature-state';
import { listPopupActions, runPopupAction } from '../runtime/popup-actions';
import { readDataConsent, recordAddonConsent, type ConsentPermissions } from './feature-consent';
import type { HostParts, MessageSenderInfo } from './host-parts';

/** What a handler works with: the started host's parts, its state (host-state.ts) and the status. */
export interface RequestContext {
  parts: HostParts;
  storage: BrowserApi['storage']['local'];
  /** Firefox's data-collection permissions; absent or without data_collection before Firefox 140. */
  permissions?: ConsentPermissions;
  registry: readonly RegisteredFeature[];
  status(): Promise<HostStatus>;
}

type RequestOf<T extends HostRequest['type']> = Extract<HostRequest, { type: T }>;
type RequestHandler<T extends HostRequest['type']> = (request: RequestOf<T>, context: RequestContext) => Promise<unknown>;

/** A change that can alter which features this browser gets: plan again, then report. */
async function thenReplan(change: Promise<unknown>, { parts, status }: RequestContext): Promise<HostStatus> {
  await change;
  await parts.replanner.replan();
  return status();
}

/**
 * An account change: the account client's onChange has already queued the
 * replan it needs (none when the sign-in state did not change), so wait for
 * the queue rather than plan a second time.
 */
async function afterAccountChange(change: Promise<unknown>, { parts, status }: RequestContext): Promise<HostStatus> {
  await change;
  await parts.replanner.settle();
  return status();
}

async function recordFeatureConsent(featureId: string, granted: boolean, { registry, storage, permissions }: RequestContext): Promise<void> {
  const feature = registry.find((candidate) => candidate.id === featureId);
  if (!feature) throw new HostError('unknown-feature', `this build has no feature "${featureId}"`, { subject: featureId });
  await recordAddonConsent(await readDataConsent(permissions, storage), storage, feature.dataCollection, granted);
}

/** The user turning a feature off is a health signal (host.opt-out); a QA override is not. */
async function recordOptOut(featureId: string, optedOut: boolean, context: RequestContext): Promise<void> {
  await writeOptOut(context.storage, featureId, optedOut);
  // Counting is best effort: the user's choice stands whatever happens to the counter.
  if (optedOut) await loadHealth().then((health) => health.countOptOut(featureId, context), () => undefined);
}

export const hostRequestHandlers: { [T in HostRequest['type']]: RequestHandler<T> } = {
  'sbc:status': (_request, { status }) => status(),
  'sbc:refresh': async (_request, { parts, status }) => {
    await parts.poller.checkNow();
    return status();
  },
  // Planning again also points the uninstall URL at the server, or clears it (host-parts.ts).
  'sbc:telemetry': (request, context) => thenReplan(context.parts.usage.setEnabled(request.enabled), context),
  'sbc:send-telemetry': (_request, { parts }) => parts.telemetry.send(),
  'sbc:terms': (_request, { parts }) => parts.account.getTerms(),
  'sbc:feedback': async (request, { parts }) => {
    await parts.feedback.enqueue({ featureId: request.featureId, rating: request.rating, comment: request.comment });
    void parts.telemetry.send();
    return { ok: true };
  },
  'sbc:override': (request, context) => thenReplan(writeOverride(context.storage, request.featureId, request.value), context),
  'sbc:opt-out': (request, context) => thenReplan(recordOptOut(request.featureId, request.optedOut, context), context),
  'sbc:data-consent': (request, context) => thenReplan(recordFeatureConsent(request.featureId, request.granted, context), context),
  'sbc:signup': (request, context) =>
    afterAccountChange(context.parts.account.signUp(request.email, request.password, request.acceptedTerms), context),
  'sbc:login': (request, context) => afterAccountChange(context.parts.account.signIn(request.email, request.password), context),
  'sbc:logout': (_request, context) => afterAccountChange(context.parts.account.signOut(), context),
  'sbc:delete-account': (_request, context) => afterAccountChange(context.parts.account.deleteAccount(), context),
  'sbc:accept-terms': (request, context) => afterAccountChange(context.parts.account.acceptTerms(request.acceptedTerms), context),
  'sbc:changes': (_request, { parts }) => parts.insights.changes.read(),
  'sbc:changes-seen': (_request, { parts }) => parts.insights.changes.markSeen(),
  'sbc:change-notifications': (request, { parts }) => parts.insights.changes.setNotify(request.enabled),
  'sbc:diagnostics': async (_request, { parts, status }) => parts.insights.diagnose(await status(), parts.db),
  'sbc:feature-actions': (request, { parts }) => listPopupActions(parts.host, { windowId: request.windowId }),
  'sbc:run-feature-action': async (request, { parts }) => {
    const target = { windowId: request.windowId };
    const message = await runPopupAction(parts.host, request.featureId, request.actionId, target);
    return { message, actions: await listPopupActions(parts.host, target) };
  },
};

export interface HostRequestDeps {
  runtime: { id: string; getURL(path: string): string };
  /** Starts the host (restoring it first) or returns the started one. */
  start(): Promise<RequestContext>;
}

/**
 * Answers a host request: only from the add-on's own pages, after the host
 * has started. Pages get {error: {code, message, words?}}, never a bare
 * rejection: `words` (an AccountError's) lets them say it in the user's language.
 *
 * @example
 * const answer = await answerHostRequest({ type: 'sbc:status' }, sender, { runtime: browser.runtime, start });
 */
export async function answerHostRequest(request: HostRequest, sender: MessageSenderInfo, deps: HostRequestDeps): Promise<unknown> {
  try {
    if (!isFromAddonPage(sender, deps.runtime)) {
      throw new HostError('forbidden', 'host requests are only taken from the add-on’s own pages', { subject: request.type });
    }
    const handler = hostRequestHandlers[request.type] as RequestHandler<HostRequest['type']> | undefined;
    if (!handler) throw new HostError('unknown-request', `the add-on has no request "${request.type}"`, { subject: request.type });
    return await handler(request, await deps.start());
  } catch (error) {
    const { code, words } = error as { code?: string; words?: unknown };
    // The pages word the failure from `words` in the user's language; the message is for logs.
    return { error: { code: code ?? 'failed', message: error instanceof Error ? error.message : String(error), ...(words ? { words } : {}) } };
  }
}

function isFromAddonPage(sender: MessageSenderInfo, runtime: HostRequestDeps['runtime']): boolean {
  const base = runtime.getURL('');
  return sender.id === runtime.id && typeof sender.url === 'string' && sender.url.startsWith(base);
}
