/**
 * What a correctly signed manifest must still satisfy before anyone acts on
 * it: a bounded lifetime, an issue time that is not in the future, a serial
 * that only moves forward and by a plausible step, and never two different
 * manifests under one serial. The add-on, the server's PUT and the publish
 * tool apply the same rules, so a manifest one of them accepts is never one
 * another refuses for a reason of its own.
 *
 * @example
 * checkManifestPolicy(payload, { now: new Date(), maxLifetimeMs: 30 * DAY_MS, lastSerial: 1795564800 });
 */
import { ManifestRefusedError } from './refusals';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest a manifest may be valid unless a build or server sets less: a stolen one stops working within it. */
export const DEFAULT_MAX_LIFETIME_DAYS = 30;
/** How far ahead of this clock an issue time may be: clocks drift, but a manifest from the future is forged or wrong. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/**
 * No serial is ever above this. Serials are seconds since the epoch (see
 * build/release.ts nextSerial), so 2^40 is tens of thousands of years away,
 * while 2^53 - 1 would make every later manifest a rollback for good.
 */
export const MAX_SERIAL = 2 ** 40;
/**
 * The most a serial may lead the later of the last accepted serial and its own
 * issue time (in seconds). A publish moves the serial to the clock or one
 * above the last, so a real serial is never far from either.
 */
export const MAX_SERIAL_STEP = 1_000_000;

export interface ManifestTimes {
  serial: number;
  issuedAt: string;
  expiresAt: string;
}

export interface PolicyOptions {
  /** How messages name the document; default "the manifest". */
  label?: string;
  /** The longest expiresAt - issuedAt accepted, in milliseconds. */
  maxLifetimeMs: number;
  /** Given when the clock counts: a fresh manifest. Left out when re-reading one accepted earlier. */
  now?: Date;
  /** The serial of the last accepted manifest. */
  lastSerial?: number;
  /**
   * For a manifest with the last accepted serial: whether its payload is
   * byte-identical to the last accepted one. Unknown counts as different.
   */
  samePayloadAsLast?: boolean;
}

/**
 * Throws ManifestRefusedError for the first rule the manifest breaks:
 * `lifetime-too-long`, `issued-in-future`, `implausible-serial`, `rollback`
 * or `serial-reused`.
 */
export function checkManifestPolicy(manifest: ManifestTimes, options: PolicyOptions): void {
  const label = options.label ?? 'the manifest';
  const issuedAt = Date.parse(manifest.issuedAt);
  const expiresAt = Date.parse(manifest.expiresAt);
  const lifetimeMs = expiresAt - issuedAt;
  if (!(lifetimeMs > 0) || lifetimeMs > options.maxLifetimeMs) {
    throw new ManifestRefusedError(
      'lifetime-too-long',
      `${label} is valid from ${manifest.issuedAt} to ${manifest.expiresAt}: ` +
        `it must expire after it is issued and within ${formatDays(options.maxLifetimeMs)}`,
    );
  }
  if (options.now && issuedAt > options.now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new ManifestRefusedError(
      'issued-in-future',
      `${label} was issued at ${manifest.issuedAt}, more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes after this clock (${options.now.toISOString()})`,
    );
  }
  const last = readPlausibleSerial(options.lastSerial);
  const ceiling = Math.min(MAX_SERIAL, Math.max(last ?? 0, Math.floor(issuedAt / 1000)) + MAX_SERIAL_STEP);
  if (manifest.serial > ceiling) {
    throw new ManifestRefusedError(
      'implausible-serial',
      `${label} serial ${manifest.serial} is far above any plausible next serial (at most ${ceiling})`,
      { subject: String(manifest.serial) },
    );
  }
  if (last !== undefined && manifest.serial < last) {
    throw new ManifestRefusedError('rollback', `${label} serial ${manifest.serial} is lower than the last accepted serial ${last}`);
  }
  if (last !== undefined && manifest.serial === last && options.samePayloadAsLast !== true) {
    throw new ManifestRefusedError(
      'serial-reused',
      `${label} reuses serial ${last} with other content than the one accepted under it; a change needs a higher serial`,
      { subject: String(last) },
    );
  }
}

/**
 * A last serial above MAX_SERIAL was accepted before this rule existed; it is
 * ignored, or it would make every honest manifest a rollback forever.
 */
export function readPlausibleSerial(serial: number | undefined): number | undefined {
  return serial !== undefined && Number.isSafeInteger(serial) && serial > 0 && serial <= MAX_SERIAL ? serial : undefined;
}

function formatDays(ms: number): string {
  const days = ms / DAY_MS;
  return Number.isInteger(days) ? `${days} days` : `${ms} ms`;
}
