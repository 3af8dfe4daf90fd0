/**
 * For a feature's content scripts: send a message to the feature's own code
 * in the background, where its `ctx.messages.onMessage` handler answers.
 */
import type { FeatureMessage } from '../messages';
import { toFeatureMessageKey } from '../../protocol/feature-messages';

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

export interface MessageLookupApi {
  getMessage(key: string, substitutions?: string[]): string;
}

/**
 * For a feature's content scripts: the feature's own message `key` (from its
 * `_locales/<lang>/messages.json`) in the user's language, as ctx.i18n gives
 * it to the feature's background code; a missing key shows as "[key]".
 *
 * @example getFeatureMessage('reading-time', 'badge', [7]); // "7 min read"
 */
export function getFeatureMessage(featureId: string, key: string, substitutions: ReadonlyArray<string | number> = [], i18n?: MessageLookupApi): string {
  const api = i18n ?? (globalThis as { browser?: { i18n?: MessageLookupApi } }).browser?.i18n;
  if (!api) throw new Error('getFeatureMessage: no browser.i18n here (is this a content script of the add-on?)');
  return api.getMessage(toFeatureMessageKey(featureId, key), substitutions.map(String)) || `[${key}]`;
}
