import type { RegisteredFeature } from '../runtime/feature-registry';
import type { FeatureEventName } from '../../protocol/feature-events';

interface EventTarget {
  addListener(listener: (...args: unknown[]) => unknown): void;
}

/** The union of the events that the built features declare, sorted. */
export function collectDeclaredEvents(registry: readonly RegisteredFeature[]): FeatureEventName[] {
  return [...new Set(registry.flatMap((feature) => feature.events))].sort();
}

/**
 * Registers one listener per declared event on the browser's event objects.
 * Must run synchronously at the top level of the event page, so that these
 * events wake it. An event the browser does not offer (an API missing on this
 * platform) is skipped with a warning rather than breaking the page.
 */
export function addDeclaredEventListeners(
  api: unknown,
  registry: readonly RegisteredFeature[],
  dispatch: (name: FeatureEventName, args: unknown[]) => unknown,
  warn: (message: string) => void = console.warn,
): FeatureEventName[] {
  const added: FeatureEventName[] = [];
  for (const name of collectDeclaredEvents(registry)) {
    const [namespace, event] = name.split('.') as [string, string];
    const target = (api as Record<string, Record<string, EventTarget | undefined> | undefined>)[namespace]?.[event];
    if (!target || typeof target.addListener !== 'function') {
      warn(`browser.${name} is not available here; features listening to it will not hear it`);
      continue;
    }
    target.addListener((...args: unknown[]) => dispatch(name, args));
    added.push(name);
  }
  return added;
}
