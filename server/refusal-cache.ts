/**
 * Rate-limit keys known to be over their limit, in memory: a flood of refused
 * attempts is answered from here without a store transaction each. The store
 * keeps the counters (shared by every process on one database); this process
 * only remembers a refusal the store gave it, until that window ends.
 */

/** Beyond this many keys, ended windows are dropped, then the oldest. */
const MAX_KEYS = 100_000;

export interface RefusalCache {
  /** Milliseconds until `key` may try again, or 0 when the store must decide. */
  findWait(key: string, now: number): number;
  /** Remembers that the store refused `key` until `until`. */
  remember(key: string, until: number, now: number): void;
}

/**
 * @example
 *   const refusals = createRefusalCache();
 *   refusals.remember('login:email:ada@example.org', now + 60_000, now);
 *   refusals.findWait('login:email:ada@example.org', now); // 60000
 */
export function createRefusalCache(maxKeys = MAX_KEYS): RefusalCache {
  const until = new Map<string, number>();
  return {
    findWait(key, now) {
      const end = until.get(key);
      if (end === undefined) return 0;
      if (end > now) return end - now;
      until.delete(key);
      return 0;
    },
    remember(key, end, now) {
      until.delete(key);
      if (until.size >= maxKeys) {
        for (const [k, e] of until) if (e <= now) until.delete(k);
        // Map order is insertion order: the oldest refusals go first.
        for (const k of until.keys()) {
          if (until.size < maxKeys) break;
          until.delete(k);
        }
      }
      until.set(key, end);
    },
  };
}
