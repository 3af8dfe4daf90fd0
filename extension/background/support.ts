import type { BrowserApi } from '../runtime/browser-api';
import type { Logger } from '../runtime/feature-api';

/** A random id kept in storage under `key`, made on first use. */
export async function readOrCreateKey(storage: Pick<BrowserApi['storage']['local'], 'get' | 'set'>, key: string): Promise<string> {
  const stored = (await storage.get(key))[key];
  if (typeof stored === 'string' && stored) return stored;
  const value = crypto.randomUUID();
  await storage.set({ [key]: value });
  return value;
}

export function prefixedConsole(prefix: string): Logger {
  return {
    debug: (...args) => console.debug(prefix, ...args),
    info: (...args) => console.info(prefix, ...args),
    warn: (...args) => console.warn(prefix, ...args),
    error: (...args) => console.error(prefix, ...args),
  };
}
