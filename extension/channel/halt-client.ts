/**
 * The halt document (protocol/halt-document.ts) in the add-on: asked for
 * after each manifest check (halt-check.ts, loaded only then), verified
 * against the halt role's keys only, refused when it would do more than halt
 * the manifest in force, and kept for every wake.
 *
 * @example
 * const halts = new HaltClient({ db, server, signers: () => keys.haltSigners(), env: MANIFEST_ENV });
 * replanner.halt = await halts.loadCached();
 * const result = await halts.check(manifest); // after the manifest's own check
 */
import { readHostValue, type HostDb } from '../db';
import type { HaltStatus } from '../messages';
import type { TrustedSigners } from '../../protocol/envelope';
import type { HaltPayload } from '../../protocol/halt-document';
import type { BetaServerClient } from './beta-server-client';
import type { CheckResult } from './manifest-client';

export type HaltCheckResult = { outcome: 'accepted'; halt: HaltPayload } | { outcome: 'unchanged' | 'refused' | 'failed' };

export interface HaltClientDeps {
  db: HostDb;
  server: BetaServerClient;
  /** The halt role's keys (the key document's `roles.halt`); null while none is known: no halt is then asked for. */
  signers(): Promise<TrustedSigners | null>;
  env: string;
  now?: () => Date;
}

// Everything but the cached payload loads with the first poll or QA panel, never on a wake.
const loadChecks = () => import(/* webpackChunkName: "host/halt-check" */ './halt-check');

export class HaltClient {
  constructor(private readonly deps: HaltClientDeps) {}

  /** The halt accepted last, as it was verified then; a halt never lapses by the clock. */
  async loadCached(): Promise<HaltPayload | null> {
    return (await readHostValue(this.deps.db, 'halt'))?.payload ?? null;
  }

  /** One poll: the manifest's check, then a newer halt document for the manifest in force, given to `holder`. Never throws for the halt. */
  async checkAfter(manifests: { check(): Promise<CheckResult> }, holder: Parameters<typeof import('./halt-check').checkManifestAndHalt>[2]): Promise<CheckResult> {
    return (await loadChecks()).checkManifestAndHalt(manifests, this.deps, holder);
  }

  /** What the QA panel shows about halts. */
  async status(): Promise<HaltStatus> {
    return (await loadChecks()).readHaltStatus(this.deps.db);
  }
}
