/**
 * Who may sign a manifest: the key document (protocol/key-document.ts),
 * fetched from the beta server before each manifest and verified against the
 * root keys pinned in this build (key-document-check.ts, a chunk of its own).
 * The manifest client asks it who may sign a manifest now, so rotating or
 * revoking a manifest key needs no new add-on.
 *
 * @example
 * const keys = new KeyDocumentClient({ db, server, config }); // config: the build's rootKeys, rootThreshold, manifestEnv
 * const manifests = new ManifestClient({ db, server, trust: keys, env: MANIFEST_ENV, allowUnreviewed: false });
 * await manifests.check(); // GET /v1/keys (If-None-Match), then GET /v1/manifest
 */
import type { HostDb } from '../db';
import type { KeyStatus } from '../messages';
import type { BuildConfig } from '../../protocol/build-config';
import type { TrustedSigners } from '../../protocol/envelope';
import type { BetaServerClient } from './beta-server-client';
import type { KeyDocumentCheck } from './key-document-check';

/** Who may sign a manifest; the manifest client asks before each verification. */
export interface ManifestTrust {
  /** Names a fixed trust (tests, tools): a manifest verified under another must be verified again. */
  readonly id?: string;
  /** Asks the server for a newer key document; true when a new one was accepted. Never throws. */
  refresh?(): Promise<boolean>;
  /**
   * The signers of the current key document. `fresh` is false when
   * re-reading a manifest accepted earlier: an expired key document still
   * says who signed it. Throws ManifestRefusedError when there is none.
   */
  signers(fresh: boolean): Promise<TrustedSigners>;
}

export interface KeyDocumentClientDeps {
  db: HostDb;
  server: BetaServerClient;
  /** The root keys pinned in the build, how many must sign, and the environment. */
  config: Pick<BuildConfig, 'rootKeys' | 'rootThreshold' | 'manifestEnv'>;
  now?: () => Date;
}

export class KeyDocumentClient implements ManifestTrust {
  private loaded: Promise<KeyDocumentCheck> | undefined;

  constructor(private readonly deps: KeyDocumentClientDeps) {}

  /** Asks the server for a newer key document; true when a new one was accepted. Never throws. */
  async refresh(): Promise<boolean> {
    return (await this.load()).refresh();
  }

  async signers(fresh: boolean): Promise<TrustedSigners> {
    return (await this.load()).signers(fresh);
  }

  /** The halt role's keys, or null while the key document names none (halt-client.ts). */
  async haltSigners(): Promise<TrustedSigners | null> {
    return (await this.load()).haltSigners();
  }

  /** What the QA panel shows about the keys. */
  async status(): Promise<KeyStatus> {
    return (await this.load()).status();
  }

  // The fetch, the schema and the verification are not needed to restore features on a wake: the host runtime stays small.
  private load(): Promise<KeyDocumentCheck> {
    this.loaded ??= import(/* webpackChunkName: "host/key-document-check" */ './key-document-check').then((chunk) => new chunk.KeyDocumentCheck(this.deps));
    return this.loaded;
  }
}
