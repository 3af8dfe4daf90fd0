import type { PinnedKey } from './envelope';
import type { BuildEnv } from './environments';

/** What the build bakes into the add-on for the environment it was built for. */
export interface BuildConfig {
  /** "local" (development) or "beta" (what users install). */
  buildEnv: BuildEnv;
  /** The manifest env this add-on accepts: always "beta". */
  manifestEnv: string;
  /** The beta server origin, e.g. "http://127.0.0.1:8787". The add-on talks to no other. */
  origin: string;
  /**
   * Root public keys pinned at build time. They sign the key document that
   * lists the manifest keys; manifests are never checked against them directly.
   */
  rootKeys: PinnedKey[];
  /** How many distinct root keys must sign a key document. */
  rootThreshold: number;
  /** Only local development builds may install features without sign-offs; the UI says so. */
  allowUnreviewed: boolean;
  /** The host add-on's version, for targeting. */
  hostVersion: string;
  /** Manifest poll interval in minutes (default 60). */
  pollMinutes: number;
  /** The longest manifest lifetime (expiresAt - issuedAt) accepted, in days; from channel.config.json. */
  maxManifestLifetimeDays: number;
}
