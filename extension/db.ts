/**
 * The host's one IndexedDB database: the host's own state (host-state.ts),
 * the last good manifest, the channel's state (for the QA panel and for
 * backoff that survives suspension), usage counters and the queues that wait
 * for the network.
 *
 * @example
 * const db = await openHostDb();
 * await writeHostValue(db, 'failures', 0);
 * const failures = (await readHostValue(db, 'failures')) ?? 0;
 */
import type { HaltPayload } from '../protocol/halt-document';
import type { ManifestPayload } from '../protocol/manifest-schema';
import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import type { RefusalReason } from '../protocol/envelope';

export const HOST_DB_NAME = 'sbc-host';
export const HOST_DB_VERSION = 2;

/** The last manifest that passed every check, kept byte for byte so that it can be verified again. */
export interface CachedManifest {
  envelopeText: string;
  etag: string | null;
  serial: number;
  /** ISO time. */
  acceptedAt: string;
  /**
   * The payload as verified, what it was verified for (add-on version, keys,
   * environment, features) and the SHA-256 of the envelope it came from: a
   * wake of the same build trusts it without verifying the signature and the
   * schema again, while an envelope swapped in afterwards is verified again.
   */
  verified?: { payload: ManifestPayload; for: string; envelopeSha256: string };
}

export interface ChannelError {
  reason: RefusalReason | 'network' | 'http';
  message: string;
  /** ISO time. */
  at: string;
  /** The key id(s) at fault, when a signature was refused (revoked, unlisted, bad). */
  keyId?: string;
}

/** Values kept in the `channel` key-value store, by key. */
export interface HostValues {
  checkedAt: string;
  lastError: ChannelError | null;
  failures: number;
  nextCheckAt: string;
  lastSerial: number;
  /** SHA-256 of the payload accepted under lastSerial: the only payload that may come again under it. */
  lastPayloadSha256: string;
  /** The last refusal or fetch failure of a key document (its serial floor is the cached document itself). */
  keysLastError: ChannelError | null;
  telemetryEnabled: boolean;
  /** The halt document accepted last (channel/halt-client.ts), its serial never going back, and the last refusal. */
  halt: CachedHalt;
  haltLastSerial: number;
  haltLastError: ChannelError | null;
}

/** The halt document in force: the envelope as served (its payload's hash guards a reused serial) and the payload as verified. */
export interface CachedHalt {
  envelopeText: string;
  etag: string | null;
  payloadSha256: string;
  payload: HaltPayload;
}

/** One usage counter: how often a feature's event happened on one UTC day. */
export interface UsageCount {
  /** UTC day, "2026-11-25". */
  day: string;
  featureId: string;
  event: string;
  count: number;
}

export interface OutboxBatch {
  batchId: string;
  /** ISO time; batches are sent oldest first. */
  createdAt: string;
  counts: UsageCount[];
}

export interface QueuedFeedback {
  /** Assigned by the store. */
  id?: number;
  featureId: string;
  rating: number;
  comment: string;
  createdAt: string;
  /** Sent with every try, so the server stores a resend once. Absent on feedback queued by an older version. */
  feedbackId?: string;
  /** The feature's version when the user wrote it; absent on feedback queued by an older version. */
  featureVersion?: string;
}

export interface HostDbSchema extends DBSchema {
  /** The host's own state, by the keys it had in storage.local ("host:features"…). */
  state: { key: string; value: unknown };
  /** 'current': the last good manifest; 'keys': the last good key document, kept the same way. */
  manifest: { key: 'current' | 'keys'; value: CachedManifest };
  channel: { key: keyof HostValues; value: HostValues[keyof HostValues] };
  usage: { key: [string, string, string]; value: UsageCount };
  outbox: { key: string; value: OutboxBatch };
  feedback: { key: number; value: QueuedFeedback };
}

export type HostDb = IDBPDatabase<HostDbSchema>;

/**
 * Opens (and creates or migrates) the host database. The factory is a
 * parameter so that tests can give each case its own fake-indexeddb.
 */
export async function openHostDb(factory: IDBFactory = indexedDB): Promise<HostDb> {
  // idb's openDB always uses the global indexedDB, so open through the given
  // factory and let idb wrap the request.
  const request = factory.open(HOST_DB_NAME, HOST_DB_VERSION);
  request.addEventListener('upgradeneeded', (event) => {
    upgradeHostDb(wrap(request.result) as unknown as HostDb, event.oldVersion);
  });
  const db = await wrap(request);
  if (!db) throw new Error(`IndexedDB "${HOST_DB_NAME}" could not be opened`);
  return db as unknown as HostDb;
}

/** Migrations, one step per version, so an old database walks through each. */
function upgradeHostDb(db: HostDb, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('manifest');
    db.createObjectStore('channel');
    db.createObjectStore('usage', { keyPath: ['day', 'featureId', 'event'] });
    db.createObjectStore('outbox', { keyPath: 'batchId' });
    db.createObjectStore('feedback', { keyPath: 'id', autoIncrement: true });
  }
  // Version 2: the host's state moves here from storage.local, so that a wake reads all it needs in one transaction.
  if (oldVersion < 2) db.createObjectStore('state');
}

/** Reads one value of the `channel` store, or undefined when it was never written. */
export async function readHostValue<K extends keyof HostValues>(db: HostDb, key: K): Promise<HostValues[K] | undefined> {
  return (await db.get('channel', key)) as HostValues[K] | undefined;
}

/** Writes one value of the `channel` store. */
export async function writeHostValue<K extends keyof HostValues>(db: HostDb, key: K, value: HostValues[K]): Promise<void> {
  await db.put('channel', value, key);
}

/** The UTC day of a time, as counters and the server key it: "2026-11-25". */
export function formatUtcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}
