/**
 * The parts of the host, made for one life of the event page: the host
 * database, the manifest client and its poller, the replanner, the feature
 * host, the account client and the telemetry queues, each given the others
 * it needs.
 */
import { AccountClient } from '../account/account-client';
import type { BuildConfig } from '../../protocol/build-config';
import { BetaServerClient } from '../channel/beta-server-client';
import { KeyDocumentClient } from '../channel/key-document-client';
import { HaltClient } from '../channel/halt-client';
import { ManifestClient } from '../channel/manifest-client';
import { ManifestPoller } from '../channel/poller';
import { openHostDb, type HostDb } from '../db';
import { readWakeState, type HostState, type WakeState } from '../host-state';
import type { AlarmInfo, BrowserApi, BrowserEvent } from '../runtime/browser-api';
import type { Logger } from '../runtime/feature-api';
import { loadHealth } from '../runtime/feature-context';
import { FeatureHost } from '../runtime/feature-host';
import { readLedger } from '../runtime/feature-state';
import { createVerifiedFiles } from '../runtime/verified-files';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { readUsageConsent, type DataCollectionPermissions } from '../telemetry/data-consent';
import { FeedbackQueue } from '../telemetry/feedback-queue';
import { TelemetrySender } from '../telemetry/telemetry-sender';
import { UsageRecorder } from '../telemetry/usage-recorder';
import { UsageUploader } from '../telemetry/usage-uploader';
import { HostInsights } from './host-insights';
import { Replanner } from './host-replan';
import { readOrCreateKey } from './support';

const INSTALL_ID_KEY = 'host:install-id';
/** Wakes the event page when a staged rollout's next stage starts. */
export const STAGE_ALARM = 'host:next-stage';

/** How runtime.onMessage describes who sent a message. */
export interface MessageSenderInfo {
  id?: string;
  url?: string;
  tab?: unknown;
}

/** The parts of `browser.*` the event page needs beyond the runtime's. */
export interface ControllerBrowser extends BrowserApi {
  runtime: BrowserApi['runtime'] & {
    id: string;
    onMessage: BrowserEvent<(message: unknown, sender: MessageSenderInfo) => Promise<unknown> | undefined>;
    onInstalled: BrowserEvent<(details: { reason: string; temporary?: boolean }) => void>;
    setUninstallURL(url: string): Promise<void>;
  };
  /** Absent in tests; its data_collection part exists only in Firefox 139 and later. */
  permissions?: DataCollectionPermissions & {
    onAdded: BrowserEvent<(added: { data_collection?: string[] }) => void>;
    onRemoved: BrowserEvent<(removed: { data_collection?: string[] }) => void>;
  };
  alarms: BrowserApi['alarms'] & {
    get(name: string): Promise<{ name: string; scheduledTime: number } | undefined>;
    onAlarm: BrowserEvent<(alarm: AlarmInfo) => void>;
  };
  menus: BrowserApi['menus'] & {
    onClicked: BrowserEvent<(info: { menuItemId: string | number }, tab?: unknown) => void>;
  };
  tabs: BrowserApi['tabs'] & {
    create(properties: { url: string }): Promise<unknown>;
  };
}

export interface HostControllerOptions {
  browser: ControllerBrowser;
  registry: RegisteredFeature[];
  config: BuildConfig;
  indexedDB?: IDBFactory;
  fetch?: typeof fetch;
  log?: Logger;
}

export interface HostParts {
  db: HostDb;
  /** The host's own state (ledger, overrides, unit, session…), read with the rest of the wake in one transaction. */
  state: HostState;
  /** The cached manifest and channel values as the wake read them. */
  wake: WakeState;
  host: FeatureHost;
  client: ManifestClient;
  /** The key document: who may sign manifests, fetched with each manifest check. */
  keys: KeyDocumentClient;
  halts: HaltClient;
  poller: ManifestPoller;
  replanner: Replanner;
  account: AccountClient;
  usage: UsageRecorder;
  uploader: UsageUploader;
  feedback: FeedbackQueue;
  telemetry: TelemetrySender;
  /** The change log, the server's reachability and diagnostics: what the host tells about itself. */
  insights: HostInsights;
  /** The random id this installation sends its telemetry under, made on first use. */
  installId(): Promise<string>;
}

/**
 * Opens the host database, reads what the wake needs in one transaction
 * (host-state.ts) and makes every part. Nothing runs yet: no feature is
 * restored, no alarm is set, no request is sent.
 *
 * @example
 * const parts = await createHostParts({ browser, registry, config }, console);
 * await parts.host.restore();
 */
export async function createHostParts(options: HostControllerOptions, log: Logger, insights = new HostInsights(options.browser, options.config, log)): Promise<HostParts> {
  const { browser, config, registry } = options;
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  // Every request to the beta server tells whether it answers.
  const server = new BetaServerClient({ origin: config.origin, fetch: insights.reachability.wrap(fetchImpl) });
  const db = await openHostDb(options.indexedDB ?? indexedDB);
  const wake = await readWakeState(db, browser.storage.local);
  const { state } = wake;
  insights.useState(state);
  const installId = () => readOrCreateKey(state, INSTALL_ID_KEY);
  // The wake read every channel value: no switch stored means counters on, with no second read when the uninstall URL asks.
  const usage = new UsageRecorder({ db, consent: () => readUsageConsent(browser.permissions), enabled: wake.channel.telemetryEnabled ?? true });
  const account = new AccountClient({ server, storage: state });
  const verifiedFiles = createVerifiedFiles(state, config.hostVersion);
  const host = new FeatureHost({ browser, registry, usage, services: account.toServicesClient(), log, verifiedFiles, state });
  const replanner = new Replanner({
    browser,
    state,
    config,
    registry,
    host,
    account,
    // Told after every reconcile; a failure here never undoes the plan.
    // After every plan, and so after every change of consent too: Firefox's uninstall URL names the active features, or is cleared.
    afterReconcile: async (decisions) => {
      // Not awaited: a plan (and the manifest check behind it) never waits for the uninstall URL.
      void loadHealth().then((health) => health.updateUninstallUrl(browser, config, usage, installId, host, log), () => undefined);
      await insights.afterReconcile(decisions, registry).catch((error: unknown) => log.warn('the change log could not be updated', error));
    },
    scheduleStage: async (at) => {
      if (at === null) await browser.alarms.clear(STAGE_ALARM);
      else await browser.alarms.create(STAGE_ALARM, { when: at });
    },
  });
  const keys = new KeyDocumentClient({ db, server, config });
  const client = new ManifestClient({
    db,
    server,
    trust: keys,
    env: config.manifestEnv,
    allowUnreviewed: config.allowUnreviewed,
    features: registry.map((feature) => feature.id),
    addonVersion: config.hostVersion,
    maxLifetimeDays: config.maxManifestLifetimeDays,
  });
  const halts = new HaltClient({ db, server, env: config.manifestEnv, signers: () => keys.haltSigners() });
  // Every poll asks for the halt document after the manifest: a halt reaches the add-on on its next poll.
  const poller = new ManifestPoller({
    alarms: browser.alarms,
    client: { check: () => halts.checkAfter(client, replanner) },
    db,
    intervalMinutes: config.pollMinutes,
    manifest: () => replanner.manifest,
    onAccepted: (payload) => replanner.accept(payload),
    log,
  });
  const uploader = new UsageUploader({ db, server, installId, log });
  const versionOf = async (featureId: string) => (await readLedger(state))[featureId]?.version;
  const feedback = new FeedbackQueue({ db, server, installId, versionOf, log });
  const telemetry = new TelemetrySender({
    usage,
    uploader,
    feedback,
    token: async () => (await account.getSession())?.token ?? null,
    log,
  });
  return { db, state, wake, host, client, keys, halts, poller, replanner, account, usage, uploader, feedback, telemetry, insights, installId };
}
