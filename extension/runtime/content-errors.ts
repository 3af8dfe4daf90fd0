/**
 * For a feature's content scripts: run the script so that what it throws is
 * logged and reported to the host as the feature's error (host.content-error).
 * Firefox hands a content script's uncaught errors to no listener of the
 * add-on (window "error" and "unhandledrejection" see only the page's own),
 * so this is how they are attributed. Its own module, so that a content
 * script that does not use it keeps its bytes (and its sign-offs).
 */
import type { ContentErrorMessage } from '../messages';
import type { MessageSenderApi } from './content-messaging';

/** Content scripts in Firefox have `browser` natively; undefined once the add-on is gone. */
const findRuntime = (): MessageSenderApi | undefined => (globalThis as { browser?: { runtime?: MessageSenderApi } }).browser?.runtime;

/** Features whose error this copy of the script already reported on this page. */
const reportedHere = new Set<string>();

/**
 * Logs an error of the feature's content script and tells the host
 * (host.content-error, counted once per install and version; the host sends
 * only the feature id and the event name, never the error or the page). Once
 * per page: a script erring in a loop sends one message.
 */
export function reportContentError(featureId: string, error: unknown, runtime?: MessageSenderApi): void {
  console.error(`[${featureId}]`, error);
  if (reportedHere.has(featureId)) return;
  reportedHere.add(featureId);
  const message: ContentErrorMessage = { type: 'sbc:content-error', featureId };
  try {
    void (runtime ?? findRuntime())?.sendMessage(message).catch(() => undefined);
  } catch {
    // The add-on was just removed: there is no one to tell.
  }
}

/**
 * Wraps a listener or callback of a content script: whatever it throws or
 * rejects with is reported as the feature's error instead of escaping.
 * Firefox hands a content script's uncaught errors to no listener of the
 * add-on (window "error" and "unhandledrejection" see only the page's own),
 * so this is how they are attributed.
 *
 * @example
 * button.addEventListener('click', guardContent('page-notes', () => save()));
 */
export function guardContent<A extends unknown[]>(featureId: string, callback: (...args: A) => unknown, runtime?: MessageSenderApi): (...args: A) => void {
  return (...args) => {
    try {
      const result = callback(...args);
      if (result instanceof Promise) result.catch((error: unknown) => reportContentError(featureId, error, runtime));
    } catch (error) {
      reportContentError(featureId, error, runtime);
    }
  };
}

/**
 * Runs a content script's main function under guardContent.
 *
 * @example
 * runContentScript('reading-time', async () => showBadge(await sendToFeature('reading-time', { kind: 'get-settings' })));
 */
export function runContentScript(featureId: string, main: () => unknown, runtime?: MessageSenderApi): void {
  guardContent(featureId, main, runtime)();
}
