/**
 * What the host remembers in its state (host-state.ts: the host database,
 * read on a wake in one transaction), so that it survives the event page's
 * suspension and a browser killed mid-install. The functions take any area
 * with storage.local's get/set/remove:
 *
 * - `host:features`  the ledger: one record per feature, written BEFORE any
 *                    install/uninstall work starts ('installing' /
 *                    'uninstalling') and updated after, so the next start can
 *                    complete or roll back an interrupted intent.
 * - `host:overrides` QA's force on/off per feature.
 * - `host:opt-outs`  features the user turned off.
 * - `host:unit`      the random rollout unit, made at first run and kept.
 */
import type { BrowserApi } from './browser-api';

export const LEDGER_KEY = 'host:features';
export const OVERRIDES_KEY = 'host:overrides';
export const OPT_OUTS_KEY = 'host:opt-outs';
export const UNIT_KEY = 'host:unit';

export type LedgerState = 'installing' | 'installed' | 'disabled' | 'uninstalling' | 'failed';

export interface FeatureRecord {
  state: LedgerState;
  version: string;
  /** SHA-256 of the chunk that was (or is being) installed; checked again on every wake. */
  sha256: string;
  /** Further files (content scripts) with their SHA-256, checked with the chunk. */
  files?: Array<{ path: string; sha256: string }>;
  /** When the first install completed (ISO time); null until then, so the `install` hook runs once. */
  installedAt: string | null;
  /** Why the last install failed. */
  error?: string;
}

export type Ledger = Record<string, FeatureRecord>;

type StorageArea = Pick<BrowserApi['storage']['local'], 'get' | 'set' | 'remove'>;

async function readKey<T>(storage: StorageArea, key: string, fallback: T): Promise<T> {
  const items = await storage.get(key);
  return (items[key] as T | undefined) ?? fallback;
}

/**
 * Reads the whole ledger.
 *
 * @example
 * const ledger = await readLedger(browser.storage.local);
 * ledger['reading-time']?.state // 'installed'
 */
export function readLedger(storage: StorageArea): Promise<Ledger> {
  return readKey<Ledger>(storage, LEDGER_KEY, {});
}

/** Writes one feature's record (read-modify-write; the host serializes its callers). */
export async function writeFeatureRecord(storage: StorageArea, id: string, record: FeatureRecord): Promise<void> {
  const ledger = await readLedger(storage);
  ledger[id] = record;
  await storage.set({ [LEDGER_KEY]: ledger });
}

export async function deleteFeatureRecord(storage: StorageArea, id: string): Promise<void> {
  const ledger = await readLedger(storage);
  if (!(id in ledger)) return;
  delete ledger[id];
  await storage.set({ [LEDGER_KEY]: ledger });
}

/** QA's forced state per feature. */
export function readOverrides(storage: StorageArea): Promise<Record<string, 'on' | 'off'>> {
  return readKey<Record<string, 'on' | 'off'>>(storage, OVERRIDES_KEY, {});
}

/**
 * Forces a feature on or off for QA, or clears the override with null.
 *
 * @example
 * await writeOverride(browser.storage.local, 'reading-time', 'on');
 */
export async function writeOverride(storage: StorageArea, id: string, value: 'on' | 'off' | null): Promise<void> {
  const overrides = await readOverrides(storage);
  if (value === null) delete overrides[id];
  else overrides[id] = value;
  await storage.set({ [OVERRIDES_KEY]: overrides });
}

export function readOptOuts(storage: StorageArea): Promise<string[]> {
  return readKey<string[]>(storage, OPT_OUTS_KEY, []);
}

/** Records that the user turned a feature off (true) or back on (false). */
export async function writeOptOut(storage: StorageArea, id: string, optedOut: boolean): Promise<void> {
  const current = new Set(await readOptOuts(storage));
  if (optedOut) current.add(id);
  else current.delete(id);
  await storage.set({ [OPT_OUTS_KEY]: [...current].sort() });
}

/**
 * The rollout unit of this browser: made at first run, then kept forever, so
 * that buckets never move.
 *
 * @example
 * const unit = await readOrCreateUnit(browser.storage.local);
 */
export async function readOrCreateUnit(
  storage: StorageArea,
  makeUnit: () => string = () => globalThis.crypto.randomUUID(),
): Promise<string> {
  const existing = await readKey<string | null>(storage, UNIT_KEY, null);
  if (typeof existing === 'string' && existing.length > 0) return existing;
  const unit = makeUnit();
  await storage.set({ [UNIT_KEY]: unit });
  return unit;
}
