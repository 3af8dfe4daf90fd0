import { findBrowserEvent } from '../runtime/browser-api';
import type { Disposable } from '../runtime/feature-api';
import type { RegisteredFeature } from '../runtime/feature-registry';
import type { FeatureEventName } from '../../protocol/feature-events';
import { describeError } from '../runtime/feature-loader';

/** The union of the events that the built features declare, sorted. */
export function collectDeclaredEvents(registry: readonly RegisteredFeature[]): FeatureEventName[] {
  return [...new Set(registry.flatMap((feature) => feature.events))].sort();
}

/** The waking listeners added, and how to remove them again. */
export interface DeclaredEventListeners extends Disposable {
  /** The events that got a listener, sorted. */
  readonly events: FeatureEventName[];
}

/**
 * Registers one listener per declared event on the browser's event objects.
 * Must run synchronously at the top level of the event page, so that these
 * events wake it. An event the browser does not offer (an API missing on this
 * platform) is skipped with a warning rather than breaking the page.
 *
 * @example
 * const listeners = addDeclaredEventListeners(browser, featureRegistry, (name, args) => host.dispatchEvent(name, args));
 * listeners.events; // ['tabs.onUpdated', …]
 */
export function addDeclaredEventListeners(
  api: object,
  registry: readonly RegisteredFeature[],
  dispatch: (name: FeatureEventName, args: unknown[]) => unknown,
  warn: (message: string) => void = console.warn,
): DeclaredEventListeners {
  const removals: Array<() => void> = [];
  const events: FeatureEventName[] = [];
  for (const name of collectDeclaredEvents(registry)) {
    let target;
    try {
      target = findBrowserEvent(api, name);
    } catch (error) {
      warn(`${describeError(error)}; features listening to it will not hear it`);
      continue;
    }
    const listener = (...args: unknown[]) => dispatch(name, args);
    target.addListener(listener);
    removals.push(() => target.removeListener(listener));
    events.push(name);
  }
  return {
    events,
    dispose: () => {
      for (const remove of removals.splice(0)) remove();
    },
  };
}
