/**
 * The host's own state in the host database, read on a wake in ONE readonly
 * IndexedDB transaction: the `state` store (ledger, overrides, opt-outs,
 * rollout unit, account session, change log, consent, verified files…),
 * the cached manifest and the channel values (serial, next check). After
 * that read, the wake plans and restores from memory; writes go through to
 * the database at once.
 *
 * HostState keeps the storage.local interface (get/set/remove, keys as
 * before: `host:features`, `host:overrides`…), so every part that took
 * browser.storage.local takes it instead. An add-on updated from a version
 * that kept these keys in storage.local moves them here once, on the first
 * wake after the update, so QA's overrides and the ledger survive it.
 *
 * @example
 * const wake = await readWakeState(db, browser.storage.local);
 * const ledger = await readLedger(wake.state); // from memory
 */
import type { CachedManifest, HostDb, HostValues } from './db';

/** Marks the state store as holding what storage.local held before. */
export const MIGRATED_KEY = 'host:moved-from-storage-local';
/** Keys the host kept in storage.local; features' own keys (`feature:<id>:…`) stay there. */
const HOST_KEY_PREFIX = 'host:';

type Items = Record<string, unknown>;

/** The part of browser.storage.local the host's state replaces. */
export interface StateArea {
  get(keys?: string | string[] | null): Promise<Items>;
  set(items: Items): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

/** What a wake reads before anything else, in one transaction. */
export interface WakeState {
  state: HostState;
  manifest: CachedManifest | undefined;
  channel: Partial<HostValues>;
}

const toList = (keys: string | string[]): string[] => (typeof keys === 'string' ? [keys] : keys);

export class HostState implements StateArea {
  constructor(
    private readonly db: HostDb,
    private readonly values: Map<string, unknown>,
  ) {}

  /** Copies, as storage.local gives: a caller changing what it read changes nothing until it sets it. */
  async get(keys?: string | string[] | null): Promise<Items> {
    const wanted = keys === null || keys === undefined ? [...this.values.keys()] : toList(keys);
    const items: Items = {};
    for (const key of wanted) if (this.values.has(key)) items[key] = structuredClone(this.values.get(key));
    return items;
  }

  /** In memory at once, so a read right after sees it; resolved once the database has it. */
  async set(items: Items): Promise<void> {
    const entries = Object.entries(items).map(([key, value]) => [key, structuredClone(value)] as const);
    for (const [key, value] of entries) this.values.set(key, value);
    const tx = this.db.transaction('state', 'readwrite');
    await Promise.all([...entries.map(([key, value]) => tx.store.put(value, key)), tx.done]);
  }

  async remove(keys: string | string[]): Promise<void> {
    const list = toList(keys);
    for (const key of list) this.values.delete(key);
    const tx = this.db.transaction('state', 'readwrite');
    await Promise.all([...list.map((key) => tx.store.delete(key)), tx.done]);
  }
}

/**
 * Reads everything a wake needs from the host database in one readonly
 * transaction. Only the first wake after an update from a version that kept
 * the host's state in storage.local does more: it moves that state here.
 */
export async function readWakeState(db: HostDb, legacy: StateArea): Promise<WakeState> {
  const tx = db.transaction(['state', 'manifest', 'channel'], 'readonly');
  const state = tx.objectStore('state');
  const channel = tx.objectStore('channel');
  const [keys, values, manifest, channelKeys, channelValues] = await Promise.all([
    state.getAllKeys(),
    state.getAll(),
    tx.objectStore('manifest').get('current'),
    channel.getAllKeys(),
    channel.getAll(),
    tx.done,
  ]);
  const map = new Map<string, unknown>(keys.map((key, index) => [String(key), values[index]]));
  const hostState = new HostState(db, map);
  if (!map.has(MIGRATED_KEY)) await moveFromStorageLocal(hostState, legacy);
  return {
    state: hostState,
    manifest,
    channel: Object.fromEntries(channelKeys.map((key, index) => [key, channelValues[index]])) as Partial<HostValues>,
  };
}

/** Copies the host's keys from storage.local, marks the move done, then removes them there. */
async function moveFromStorageLocal(state: HostState, legacy: StateArea): Promise<void> {
  const everything = await legacy.get(null);
  const moved = Object.fromEntries(Object.entries(everything).filter(([key]) => key.startsWith(HOST_KEY_PREFIX)));
  // Written with the mark in one transaction: a wake cut short moves them again rather than half.
  await state.set({ ...moved, [MIGRATED_KEY]: true });
  if (Object.keys(moved).length > 0) await legacy.remove(Object.keys(moved));
}
