/**
 * Chooses the store: PostgreSQL when DATABASE_URL is set, otherwise the
 * SQLite file in DATA_DIR, which needs no set-up.
 */
import { getDatabasePath } from '../config';
import { openPostgresStore } from './postgres-store';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store';
import type { BetaStore } from './store';

export interface StoreLocation {
  /** postgres://… ; undefined for SQLite. */
  databaseUrl: string | undefined;
  dataDir: string;
}

/** Where the store is, for messages: the URL without its password, or the SQLite file. */
export function describeStore(location: StoreLocation): string {
  if (!location.databaseUrl) return getDatabasePath(location.dataDir);
  const url = new URL(location.databaseUrl);
  if (url.password) url.password = '…';
  return url.toString();
}

/**
 * Opens and migrates the configured store.
 *
 * @example
 *   const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: '.beta-data' });
 */
export async function openStore(location: StoreLocation, sqliteOptions: SqliteStoreOptions = {}): Promise<BetaStore> {
  if (location.databaseUrl) return openPostgresStore(location.databaseUrl);
  return openSqliteStore(getDatabasePath(location.dataDir), sqliteOptions);
}
