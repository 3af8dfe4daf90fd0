/**
 * One end-to-end session: a loopback server, a channel key, the add-on built
 * and pinned to it, installed in a fresh Firefox, a tab for the QA panel and
 * one on about:addons. One per test file.
 *
 * @example
 * const current = useAddonSession({ addonUuid: ADDON_UUID, features: ['reading-time'] });
 * it('…', async () => {
 *   await current().publish(2, reviewedEntries(current().addon.lock, ['reading-time'], { rollout: 0 }));
 * });
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { ManifestFeature } from '../../../protocol/manifest-schema';
import { makeManifestPayload, reviewedEntries } from '../../helpers/manifests';
import { createPinnedKey, signKeyDocument, signPayload, type SigningKey } from '../../helpers/signing';
import { openAboutAddons } from './about-addons';
import { buildAddon, type BuiltAddon } from './build-addon';
import { keepEvidenceOnFailure } from './failure-evidence';
import { launchWithAddon } from './firefox';
import { startLoopbackServer, type LoopbackServer } from './loopback-server';
import { SETUP_MS, WAIT_MS } from './waits';

export interface AddonSessionOptions {
  /** The pinned UUID of the add-on's moz-extension:// origin. */
  addonUuid: string;
  /** The features the first manifest (serial 1) carries, reviewed for this build. */
  features: string[];
  /** Another folder of features (test fixtures) instead of features/. */
  featuresDir?: string;
  /** Milliseconds before Firefox suspends the idle event page. */
  idleTimeoutMs?: number;
}

export interface AddonSession {
  addonUuid: string;
  server: LoopbackServer;
  /** Pinned in the build as its root key, and listed as the manifest key by the first key document (serial 1). */
  key: SigningKey;
  addon: BuiltAddon;
  browser: Browser;
  /** A tab for the QA panel. */
  panel: Page;
  /** about:addons, from where a test reads what Firefox itself knows of the add-on. */
  firefoxView: Page;
  /** Opens a tab whose waits default to the e2e budget. */
  newTab(): Promise<Page>;
  /** Serves a newly signed manifest with these features. */
  publish(serial: number, features: ManifestFeature[]): Promise<void>;
  close(): Promise<void>;
}

/** A loopback server, a channel key and the add-on built and pinned to both: what every session starts from. */
export interface PreparedAddon {
  work: string;
  server: LoopbackServer;
  key: SigningKey;
  addon: BuiltAddon;
  /** Serves a newly signed manifest with these features. */
  publish(serial: number, features: ManifestFeature[]): Promise<void>;
  close(): Promise<void>;
}

export interface PrepareOptions {
  /** The features the first manifest (serial 1) carries, reviewed for this build. */
  features: string[];
  keyId?: string;
  /** Another folder of features (test fixtures) instead of features/. */
  featuresDir?: string;
  /** More SBC_* settings for the build, e.g. SBC_PSEUDO_LOCALE. */
  buildEnv?: NodeJS.ProcessEnv;
}

export async function prepareAddon(options: PrepareOptions): Promise<PreparedAddon> {
  const work = mkdtempSync(join(tmpdir(), 'sbc-e2e-'));
  const server = await startLoopbackServer();
  const close = async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const key = await createPinnedKey(join(work, 'keys'), options.keyId ?? 'e2e-channel');
    // The build pins the key as its root key; the key document it signs lists the same key as the manifest key.
    server.setKeys(await signKeyDocument(key, [key.pinned]));
    const addon = await buildAddon({
      outDir: join(work, 'dist'),
      origin: server.origin,
      publicKeysDir: join(work, 'keys'),
      featuresDir: options.featuresDir,
      extraEnv: options.buildEnv,
    });
    const publish = async (serial: number, features: ManifestFeature[]) => {
      server.setManifest(await signPayload(makeManifestPayload({ serial, features }), key));
    };
    await publish(1, reviewedEntries(addon.lock, options.features));
    return { work, server, key, addon, publish, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function startAddonSession(options: AddonSessionOptions): Promise<AddonSession> {
  const prepared = await prepareAddon({ features: options.features, featuresDir: options.featuresDir });
  const { server, key, addon, publish } = prepared;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await prepared.close();
  };
  try {
    browser = await launchWithAddon(addon, { addonUuid: options.addonUuid, idleTimeoutMs: options.idleTimeoutMs });
    const started = browser;
    const newTab = async () => {
      const tab = await started.newPage();
      tab.setDefaultTimeout(WAIT_MS);
      return tab;
    };
    const panel = await newTab();
    const firefoxView = await newTab();
    await openAboutAddons(firefoxView);
    return { addonUuid: options.addonUuid, server, key, addon, browser, panel, firefoxView, newTab, publish, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Registers hooks in the calling describe: start a session before its tests,
 * keep the evidence of each failed test, close the session after them.
 * Returns the running session.
 */
export function useAddonSession(options: AddonSessionOptions): () => AddonSession {
  let session: AddonSession | undefined;
  before(async function () {
    this.timeout(SETUP_MS);
    session = await startAddonSession(options);
  });
  after(async function () {
    await session?.close();
  });
  keepEvidenceOnFailure(() => session);
  return () => {
    if (!session) throw new Error('the end-to-end session did not start; see the before hook’s failure');
    return session;
  };
}
