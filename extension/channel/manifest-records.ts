/**
 * The channel's records in IndexedDB beside the cached manifest: the last
 * accepted serial and payload hash (rollback protection), when the server was
 * last checked, and the last error. The manifest client keeps them only
 * through here.
 */
import { readHostValue, type CachedManifest, type ChannelError, type HostDb } from '../db';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { hashPayload, readPayloadBytes } from '../../protocol/envelope';
import { readPlausibleSerial } from '../../protocol/manifest-policy';

/** The highest serial accepted, from the record and the cached manifest. */
export async function readLastSerial(db: HostDb, cachedSerial: number | undefined): Promise<number | undefined> {
  // A serial above MAX_SERIAL was accepted before the serial policy existed; keeping it would refuse every honest manifest.
  const stored = readPlausibleSerial(await readHostValue(db, 'lastSerial'));
  cachedSerial = readPlausibleSerial(cachedSerial);
  if (stored === undefined) return cachedSerial;
  return cachedSerial === undefined ? stored : Math.max(stored, cachedSerial);
}

/** The hash of the payload accepted under the last serial: only those bytes may come again under it. */
export async function readLastPayloadSha256(db: HostDb, cached: CachedManifest | undefined, lastSerial: number | undefined): Promise<string | undefined> {
  const stored = await readHostValue(db, 'lastPayloadSha256');
  if (stored) return stored;
  // Accepted before the hash was kept: the cached manifest is the one accepted under its serial.
  const bytes = cached && cached.serial === lastSerial ? readPayloadBytes(cached.envelopeText) : undefined;
  return bytes ? hashPayload(bytes) : undefined;
}

export interface AcceptedManifest {
  envelopeText: string;
  etag: string | null;
  payload: ManifestPayload;
  /** What the verification depended on besides the bytes (see ManifestClient). */
  verifiedFor: string;
  at: string;
}

/** Caches the accepted manifest and moves the records on, in one transaction. Returns the new last serial. */
export async function storeAccepted(db: HostDb, accepted: AcceptedManifest): Promise<number> {
  const { envelopeText, etag, payload, at } = accepted;
  const { serial } = payload;
  // Before the transaction: awaiting anything but IndexedDB inside one lets it commit early.
  const envelopeSha256 = await hashText(envelopeText);
  const payloadBytes = readPayloadBytes(envelopeText);
  const payloadSha256 = payloadBytes ? await hashPayload(payloadBytes) : null;
  const tx = db.transaction(['manifest', 'channel'], 'readwrite');
  const channel = tx.objectStore('channel');
  const lastSerial = readPlausibleSerial((await channel.get('lastSerial')) as number | undefined);
  const newLastSerial = Math.max(serial, lastSerial ?? 0);
  const verified = { payload, for: accepted.verifiedFor, envelopeSha256 };
  await Promise.all([
    tx.objectStore('manifest').put({ envelopeText, etag, serial, acceptedAt: at, verified }, 'current'),
    channel.put(newLastSerial, 'lastSerial'),
    ...(serial >= (lastSerial ?? 0) && payloadSha256 ? [channel.put(payloadSha256, 'lastPayloadSha256')] : []),
    channel.put(at, 'checkedAt'),
    channel.put(null, 'lastError'),
    tx.done,
  ]);
  return newLastSerial;
}

export async function recordSuccess(db: HostDb, at: string): Promise<void> {
  const tx = db.transaction('channel', 'readwrite');
  await Promise.all([tx.store.put(at, 'checkedAt'), tx.store.put(null, 'lastError'), tx.done]);
}

export async function recordError(db: HostDb, error: ChannelError): Promise<void> {
  const tx = db.transaction('channel', 'readwrite');
  await Promise.all([tx.store.put(error.at, 'checkedAt'), tx.store.put(error, 'lastError'), tx.done]);
}

export async function hashText(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
