/**
 * A HostController on a fake browser, a fresh fake IndexedDB and a signed
 * manifest served by a scripted fetch, for the background's tests.
 *
 * @example
 * const key = await createSigningKey('beta-1');
 * const browser = createControllerBrowser();
 * const server = scriptedFetch(async () => manifestResponse(await signManifest(key, [alpha.entry])));
 * const { controller } = createTestController({ browser, key, features: [alpha], fetch: server.fetch });
 * await controller.start();
 * await stopController(controller, browser);
 */
import { IDBFactory } from 'fake-indexeddb';
import sinon from 'sinon';
import type { BuildConfig } from '../../../protocol/build-config';
import type { ManifestFeature } from '../../../protocol/manifest-schema';
import { HostController, UPLOAD_ALARM, type ControllerBrowser } from '../../../extension/background/host-controller';
import { readLedger } from '../../../extension/runtime/feature-state';
import { createFakeBrowser, type FakeBrowser, type FakeBrowserOptions } from '../../helpers/fake-browser';
import { ORIGIN } from '../../helpers/addon-fixtures';
import { makePayload } from '../../helpers/manifests';
import { signPayload, type SigningKey as TestKey } from '../../helpers/signing';
import { makeLogger, type TestFeature } from '../../helpers/test-features';

export const ADDON_ID = 'services-beta-channel@test';
/** The QA panel, as runtime.onMessage reports its sender. */
export const OPTIONS_PAGE_SENDER = { id: ADDON_ID, url: 'moz-extension://test/ui/options.html' };

export type ControllerFakeBrowser = FakeBrowser & ControllerBrowser;

/**
 * The shared fake browser plus what only the controller uses: the add-on's
 * id and alarms.get. Added onto the fake itself so that its leak check still
 * sees everything the controller registers.
 */
export function createControllerBrowser(options: FakeBrowserOptions = {}): ControllerFakeBrowser {
  const browser = createFakeBrowser(options);
  Object.assign(browser.runtime, { id: ADDON_ID });
  Object.assign(browser.alarms, {
    get: async (name: string) => {
      const alarm = browser.state.alarms.get(name);
      return alarm ? structuredClone(alarm) : undefined;
    },
  });
  return browser as ControllerFakeBrowser;
}

export function makeBuildConfig(key: TestKey): BuildConfig {
  return {
    buildEnv: 'beta',
    manifestEnv: 'beta',
    origin: ORIGIN,
    keys: [key.pinned],
    allowUnreviewed: false,
    hostVersion: '0.1.0',
    pollMinutes: 60,
  };
}

/** An envelope as the beta server serves it, valid for a month from now. */
export function signManifest(key: TestKey, features: ManifestFeature[], serial = 5): Promise<string> {
  const now = Date.now();
  return signPayload(
    makePayload({
      serial,
      issuedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 30 * 86_400_000).toISOString(),
      features,
    }),
    key,
  );
}

/** The same envelope with its first signature altered by one character. */
export function alterSignature(envelopeText: string): string {
  const envelope = JSON.parse(envelopeText) as { signatures: Array<{ sig: string }> };
  const signature = envelope.signatures[0]!;
  signature.sig = (signature.sig[0] === 'A' ? 'B' : 'A') + signature.sig.slice(1);
  return JSON.stringify(envelope);
}

/**
 * The controller's feature host reads chunks with the global fetch at
 * runtime.getURL(path), which Node cannot do for moz-extension:// URLs; this
 * serves the test features' files there and refuses (and records) anything else.
 */
export function serveAddonFiles(features: Array<TestFeature & { files: Record<string, string> }>) {
  const files: Record<string, string> = Object.assign({}, ...features.map((feature) => feature.files));
  const reads: string[] = [];
  const elsewhere: string[] = [];
  const base = 'moz-extension://test/';
  const stub = sinon.stub(globalThis, 'fetch').callsFake(async (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : String(input);
    const text = url.startsWith(base) ? files[url.slice(base.length)] : undefined;
    if (text === undefined) {
      elsewhere.push(url);
      throw new TypeError(`test: no network for ${url}`);
    }
    reads.push(url.slice(base.length));
    return new Response(text, { status: 200 });
  });
  return { reads, elsewhere, restore: () => stub.restore() };
}

export interface TestControllerOptions {
  browser: ControllerFakeBrowser;
  key: TestKey;
  features: Array<TestFeature & { files: Record<string, string> }>;
  /** The beta server: the controller never hands it a Request object, only a URL. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Pass the previous life's factory to simulate a wake; a fresh one otherwise. */
  indexedDB?: IDBFactory;
}

export function createTestController(options: TestControllerOptions) {
  const indexedDB = options.indexedDB ?? new IDBFactory();
  const log = makeLogger();
  const controller = new HostController({
    browser: options.browser,
    registry: options.features.map((feature) => feature.registered),
    config: makeBuildConfig(options.key),
    indexedDB,
    // The option is typed as the global fetch although every client behind it passes a string or URL.
    fetch: options.fetch as typeof fetch,
    log,
  });
  return { controller, indexedDB, log };
}

/**
 * Shuts a controller's features down and removes the host's own alarms, as
 * turning the add-on off would, so that the fake browser is left clean.
 */
export async function stopController(controller: HostController, browser: ControllerFakeBrowser): Promise<void> {
  const parts = await controller.start();
  await parts.host.shutdown();
  await parts.poller.stop();
  await browser.alarms.clear(UPLOAD_ALARM);
  parts.db.close();
}

/** Polls until `check` holds: the first manifest check runs in the background of start(). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves once the ledger shows the feature in the given state. */
export function waitForLedgerState(browser: ControllerFakeBrowser, id: string, state: string): Promise<void> {
  return waitFor(async () => (await readLedger(browser.storage.local))[id]?.state === state, `feature ${id} to be ${state}`);
}
