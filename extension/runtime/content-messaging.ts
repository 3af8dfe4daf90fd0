/**
 * For a feature's content scripts: send a message to the feature's own code
 * in the background, where its `ctx.messages.onMessage` handler answers.
 */
import type { FeatureMessage } from '../messages';

export interface MessageSenderApi {
  sendMessage(message: unknown): Promise<unknown>;
}

function findGlobalRuntime(): MessageSenderApi {
  // Content scripts in Firefox have `browser` natively; no polyfill is bundled into them.
  const runtime = (globalThis as { browser?: { runtime?: MessageSenderApi } }).browser?.runtime;
  if (!runtime) throw new Error('sendToFeature: no browser.runtime here (is this a content script of the add-on?)');
  return runtime;
}

/**
 * Sends `payload` to the feature `featureId` and resolves with its handler's answer.
 *
 * @example
 * const settings = await sendToFeature('reading-time', { kind: 'get-settings' });
 */
export function sendToFeature(featureId: string, payload: unknown, runtime: MessageSenderApi = findGlobalRuntime()): Promise<unknown> {
  const message: FeatureMessage = { type: 'sbc:feature', featureId, payload };
  return runtime.sendMessage(message);
}
