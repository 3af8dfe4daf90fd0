/**
 * The background's composition root on a fake browser, a fresh fake
 * IndexedDB and a signed manifest served by a scripted fetch. Tests reach it
 * as Firefox does: through the listeners it registers (runtime.onMessage,
 * alarms.onAlarm, runtime.onInstalled…), never through its parts.
 *
 * @example
 * const key = await createSigningKey('beta-1');
 * const browser = createControllerBrowser();
 * const server = scriptedFetch(async () => manifestResponse(await signManifest(key, [alpha.entry])));
 * const { controller } = createTestController({ browser, key, features: [alpha], fetch: server.fetch });
 * await controller.start();
 * const status = await requestStatus(browser);
 * await stopController(controller);
 */
import { IDBFactory } from 'fake-indexeddb';
import { generateKeyPairSync } from 'node:crypto';
import sinon from 'sinon';
import type { BuildConfig } from '../../../protocol/build-config';
import type { ManifestFeature } from '../../../protocol/manifest-schema';
import { createHostController, type ControllerBrowser, type HostController } from '../../../extension/background/host-controller';
import type { FeatureStatus, HostRequest, HostStatus } from '../../../extension/messages';
import type { BrowserEvent } from '../../../extension/runtime/browser-api';
import { openHostDb } from '../../../extension/db';
import { LEDGER_KEY, type Ledger } from '../../../extension/runtime/feature-state';
import { createFakeBrowser, type FakeBrowser, type FakeBrowserOptions } from '../../helpers/fake-browser';
import { ORIGIN } from '../../helpers/addon-fixtures';
import { makePayload } from '../../helpers/manifests';
import { createSigningKey, signKeyDocument, signPayload, type SigningKey as TestKey } from '../../helpers/signing';
import { makeLogger, type TestFeature } from '../../helpers/test-features';

export const ADDON_ID = 'services-beta-channel@test';
/** The QA panel, as runtime.onMessage reports its sender. */
export const OPTIONS_PAGE_SENDER = { id: ADDON_ID, url: 'moz-extension://test/ui/options.html' };

type Listener = (...args: any[]) => any;

/** An event of the page's own (runtime.onMessage, alarms.onAlarm…), with ways to fire it. */
export interface HostEvent<L extends Listener = Listener> extends BrowserEvent<L> {
  /** Calls every listener, as the browser would, and returns what each returned, not awaited. */
  call(...args: Parameters<L>): unknown[];
  /** Calls every listener and waits for what each returned. */
  fire(...args: Parameters<L>): Promise<void>;
  readonly listenerCount: number;
}

function createHostEvent<L extends Listener>(): HostEvent<L> & { clear(): void } {
  const listeners = new Set<L>();
  const call = (...args: Parameters<L>) => [...listeners].map((listener) => listener(...args));
  return {
    addListener: (listener) => void listeners.add(listener),
    removeListener: (listener) => void listeners.delete(listener),
    hasListener: (listener) => listeners.has(listener),
    call,
    async fire(...args) {
      await Promise.all(call(...args));
    },
    get listenerCount() {
      return listeners.size;
    },
    clear: () => listeners.clear(),
  };
}

type Events<B> = { [K in keyof B]: B[K] extends BrowserEvent<infer L> ? HostEvent<L> : B[K] };

export type ControllerFakeBrowser = FakeBrowser &
  ControllerBrowser & {
    runtime: Events<ControllerBrowser['runtime']>;
    alarms: Events<ControllerBrowser['alarms']>;
    menus: Events<ControllerBrowser['menus']>;
    permissions: Events<NonNullable<ControllerBrowser['permissions']>>;
    /** The URLs of the tabs the add-on opened. */
    readonly openedTabs: string[];
    /** Every URL given to runtime.setUninstallURL, in order. */
    readonly uninstallUrls: string[];
    /**
     * The data-collection categories Firefox reports as granted; null (the
     * default) for a Firefox without data-collection permissions (ESR 128).
     */
    dataCollection: string[] | null;
  };

/**
 * The shared fake browser plus what only the event page uses: the add-on's
 * id, its own events, alarms.get, tabs.create and permissions (as on ESR 128,
 * without data-collection consent). Added onto the fake itself, so that its
 * leak check also names any of these listeners left behind, and its suspend
 * drops them as a suspended page does.
 */
export function createControllerBrowser(options: FakeBrowserOptions = {}): ControllerFakeBrowser {
  const browser = createFakeBrowser(options);
  const events = {
    'runtime.onMessage': createHostEvent(),
    'runtime.onInstalled': createHostEvent(),
    'alarms.onAlarm': createHostEvent(),
    'menus.onClicked': createHostEvent(),
    'permissions.onAdded': createHostEvent(),
    'permissions.onRemoved': createHostEvent(),
  };
  const openedTabs: string[] = [];
  const uninstallUrls: string[] = [];
  Object.assign(browser.runtime, {
    id: ADDON_ID,
    onMessage: events['runtime.onMessage'],
    onInstalled: events['runtime.onInstalled'],
    setUninstallURL: async (url: string) => void uninstallUrls.push(url),
  });
  Object.assign(browser.alarms, {
    get: async (name: string) => {
      const alarm = browser.state.alarms.get(name);
      return alarm ? structuredClone(alarm) : undefined;
    },
    onAlarm: events['alarms.onAlarm'],
  });
  Object.assign(browser.menus, { onClicked: events['menus.onClicked'] });
  Object.assign(browser.tabs, { create: async ({ url }: { url: string }) => void openedTabs.push(url) });
  const leaks = browser.leaks.bind(browser);
  const suspend = browser.suspend.bind(browser);
  Object.assign(browser, {
    dataCollection: null,
    permissions: {
      getAll: async () => {
        const granted = (browser as unknown as ControllerFakeBrowser).dataCollection;
        return granted === null ? {} : { data_collection: [...granted] };
      },
      onAdded: events['permissions.onAdded'],
      onRemoved: events['permissions.onRemoved'],
    },
    openedTabs,
    uninstallUrls,
    leaks: () => [
      ...leaks(),
      ...Object.entries(events).flatMap(([name, event]) => Array.from({ length: event.listenerCount }, () => `listener on ${name}`)),
    ],
    suspend: () => {
      suspend();
      for (const event of Object.values(events)) event.clear();
    },
  });
  return browser as unknown as ControllerFakeBrowser;
}

/**
 * What runtime.sendMessage gives a page: the answer of the first listener
 * that takes the message, or undefined when none does.
 */
export async function sendMessage(browser: ControllerFakeBrowser, message: unknown, sender: object): Promise<unknown> {
  const answers = browser.runtime.onMessage.call(message, sender).filter((answer) => answer !== undefined);
  return answers[0];
}

/** A page's request to the background; an {error} answer fails the test with its message. */
export async function sendRequest<T = HostStatus>(browser: ControllerFakeBrowser, request: HostRequest): Promise<T> {
  const answer = (await sendMessage(browser, request, OPTIONS_PAGE_SENDER)) as { error?: { message: string } };
  if (answer?.error) throw new Error(`${request.type} answered with an error: ${answer.error.message}`);
  return answer as T;
}

/** What the QA panel shows, asked for as the QA panel does. */
export function requestStatus(browser: ControllerFakeBrowser): Promise<HostStatus> {
  return sendRequest(browser, { type: 'sbc:status' });
}

// The root key these builds pin, made synchronously so that a controller can be made at the top of a test.
const ROOT = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ROOT_JWK = ROOT.publicKey.export({ format: 'jwk' });
const ROOT_PINNED = { keyId: 'test-root', jwk: { kty: 'EC', crv: 'P-256', x: ROOT_JWK.x, y: ROOT_JWK.y } };

/** A key document, signed by the pinned root key, that lists `key` as the manifest key. */
export async function signTestKeyDocument(key: TestKey, overrides: Record<string, unknown> = {}): Promise<string> {
  const privateKey = await crypto.subtle.importKey('jwk', ROOT.privateKey.export({ format: 'jwk' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return signKeyDocument({ keyId: ROOT_PINNED.keyId, privateKey }, [key.pinned], overrides);
}

/**
 * The beta server of a test, with GET /v1/keys answered here (a key document
 * listing `key`), so that the test's own script sees only the other requests.
 */
function serveKeyDocument(key: TestKey, fetch: TestControllerOptions['fetch']): TestControllerOptions['fetch'] {
  let document: Promise<string> | undefined;
  return async (input, init) => {
    if (new URL(String(input)).pathname !== '/v1/keys') return fetch(input, init);
    document ??= signTestKeyDocument(key);
    return new Response(await document, { status: 200, headers: { 'Content-Type': 'application/json', ETag: '"keys-1"' } });
  };
}

export function makeBuildConfig(_key?: TestKey): BuildConfig {
  return {
    buildEnv: 'beta',
    manifestEnv: 'beta',
    origin: ORIGIN,
    rootKeys: [ROOT_PINNED],
    rootThreshold: 1,
    allowUnreviewed: false,
    hostVersion: '0.1.0',
    pollMinutes: 60,
    maxManifestLifetimeDays: 30,
  };
}

/** An envelope as the beta server serves it, valid for 29 days from now (within the 30-day limit). */
export function signManifest(key: TestKey, features: ManifestFeature[], serial = 5): Promise<string> {
  const now = Date.now();
  return signPayload(
    makePayload({
      serial,
      issuedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 29 * 86_400_000).toISOString(),
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

type AddonFiles = ReturnType<typeof serveAddonFiles>;

/** The signing key and the add-on's files of one describe block (see useSignedAddon). */
export interface SignedAddon {
  /** The beta key the manifests are signed with and the build pins; made once, before the block's tests. */
  readonly key: TestKey;
  /** What the current test serves; undefined until it calls serve(). */
  readonly files: AddonFiles | undefined;
  /** Serves the features' files from the add-on (serveAddonFiles) until the test ends. */
  serve(features: Array<TestFeature & { files: Record<string, string> }>): AddonFiles;
}

/**
 * Registers, in the calling describe block, what every test of the event
 * page needs: a signing key made once, and the add-on's files served for one
 * test at a time, so that no test leaves the global fetch replaced.
 */
export function useSignedAddon(): SignedAddon {
  let key: TestKey | undefined;
  let files: AddonFiles | undefined;
  before(async () => {
    key = await createSigningKey('beta-1');
  });
  afterEach(() => {
    files?.restore();
    files = undefined;
  });
  return {
    get key() {
      if (!key) throw new Error('test: the signing key is made in before(); use it inside a test');
      return key;
    },
    get files() {
      return files;
    },
    serve(features) {
      files?.restore();
      files = serveAddonFiles(features);
      return files;
    },
  };
}

/** The QA panel's row of one feature; fails the test when the status does not list it. */
export function findFeature(status: HostStatus, id: string): FeatureStatus {
  const found = status.features.find((feature) => feature.id === id);
  if (!found) throw new Error(`status does not list ${id}: ${status.features.map((feature) => feature.id).join(', ') || 'no features'}`);
  return found;
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

/**
 * The IndexedDB of one page life: the shared factory, with the connections
 * this life opened, so that its end can close them as Firefox does.
 */
function trackConnections(factory: IDBFactory): { factory: IDBFactory; closeAll(): void } {
  const opened: IDBDatabase[] = [];
  const tracked: IDBFactory = {
    open(name, version) {
      const request = factory.open(name, version);
      request.addEventListener('success', () => opened.push(request.result));
      return request;
    },
    deleteDatabase: (name) => factory.deleteDatabase(name),
    cmp: (a, b) => factory.cmp(a, b),
    databases: () => factory.databases(),
  };
  return { factory: tracked, closeAll: () => opened.splice(0).forEach((db) => db.close()) };
}

/** The IndexedDB each fake browser's host keeps its state in (its latest page life's). */
const hostDatabases = new WeakMap<ControllerFakeBrowser, IDBFactory>();

/** One value of the host's state (host-state.ts), read from its database as the next wake would. */
export async function readHostState(browser: ControllerFakeBrowser, key: string): Promise<unknown> {
  const factory = hostDatabases.get(browser);
  if (!factory) throw new Error('test: no host was started on this browser');
  const db = await openHostDb(factory);
  try {
    return await db.get('state', key);
  } finally {
    db.close();
  }
}

/** The host's ledger, as stored. */
export async function readHostLedger(browser: ControllerFakeBrowser): Promise<Ledger> {
  return ((await readHostState(browser, LEDGER_KEY)) as Ledger | undefined) ?? {};
}

/** One life of the event page: its listeners are registered at once, as at the top level of the page. */
export function createTestController(options: TestControllerOptions) {
  const indexedDB = options.indexedDB ?? new IDBFactory();
  hostDatabases.set(options.browser, indexedDB);
  const connections = trackConnections(indexedDB);
  const log = makeLogger();
  const controller = createHostController({
    browser: options.browser,
    registry: options.features.map((feature) => feature.registered),
    config: makeBuildConfig(options.key),
    indexedDB: connections.factory,
    // The option is typed as the global fetch although every client behind it passes a string or URL.
    fetch: serveKeyDocument(options.key, options.fetch) as typeof fetch,
    log,
  });
  /** Firefox suspends the idle page: listeners and connections go, storage, scripts and alarms stay. */
  const suspend = () => {
    options.browser.suspend();
    connections.closeAll();
  };
  return { controller, indexedDB, log, suspend };
}

/**
 * Turns the host off as disabling the add-on would: its listeners, features
 * and alarms go, so that the fake browser is left clean.
 */
export function stopController(controller: HostController): Promise<void> {
  return controller.dispose();
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
  return waitFor(async () => (await readHostLedger(browser))[id]?.state === state, `feature ${id} to be ${state}`);
}
