/**
 * Composes the host add-on: the manifest client and its poller, the planner,
 * the feature host, the account client and the telemetry queues. The event
 * page creates one per wake; start() restores the installed features from
 * local state before anything else, with no network request.
 */
import { AccountClient } from '../account/account-client';
import type { BuildConfig } from '../../protocol/build-config';
import { ManifestClient } from '../channel/manifest-client';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { ManifestPoller } from '../channel/poller';
import { openHostDb, type HostDb } from '../db';
import { isFeatureMessage, isHostRequest, type HostRequest, type HostStatus } from '../messages';
import type { BrowserApi } from '../runtime/browser-api';
import type { Logger, MessageSender } from '../runtime/feature-api';
import { FeatureHost } from '../runtime/feature-host';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { readEnvironment } from '../runtime/environment';
import { readLedger, readOptOuts, readOrCreateUnit, readOverrides, writeOptOut, writeOverride } from '../runtime/feature-state';
import { planFeatures, type PlanDecision } from '../runtime/planner';
import { readUsageConsent, type DataCollectionPermissions } from '../telemetry/data-consent';
import { FeedbackQueue } from '../telemetry/feedback-queue';
import { UsageRecorder } from '../telemetry/usage-recorder';
import { UsageUploader } from '../telemetry/usage-uploader';
import { buildHostStatus } from './host-status';
import { prefixedConsole, readOrCreateKey } from './support';
import { SerialQueue } from '../runtime/serial-queue';
import { TelemetrySender } from '../telemetry/telemetry-sender';

export const UPLOAD_ALARM = 'host:usage-upload';
const UPLOAD_PERIOD_MINUTES = 6 * 60;
const INSTALL_ID_KEY = 'host:install-id';

/** The parts of `browser.*` the controller needs beyond the runtime's. */
export interface ControllerBrowser extends BrowserApi {
  runtime: BrowserApi['runtime'] & { id: string };
  /** Absent in tests; its data_collection part exists only in Firefox 139 and later. */
  permissions?: DataCollectionPermissions;
  alarms: BrowserApi['alarms'] & {
    get(name: string): Promise<{ name: string; scheduledTime: number } | undefined>;
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

interface Parts {
  db: HostDb;
  host: FeatureHost;
  client: ManifestClient;
  poller: ManifestPoller;
  account: AccountClient;
  usage: UsageRecorder;
  uploader: UsageUploader;
  feedback: FeedbackQueue;
  telemetry: TelemetrySender;
}

export class HostController {
  private parts: Promise<Parts> | null = null;
  private manifest: ManifestPayload | null = null;
  private decisions: PlanDecision[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly replans = new SerialQueue();
  private readonly log: Logger;

  constructor(private readonly options: HostControllerOptions) {
    this.log = options.log ?? prefixedConsole('[beta-channel]');
  }

  /**
   * Restores installed features, applies the cached manifest, then makes sure
   * polling is scheduled. If the start fails before anything runs (IndexedDB
   * or restore), the next event tries again instead of failing for the rest
   * of this page's life.
   */
  start(): Promise<Parts> {
    this.parts ??= this.startNow().catch((error: unknown) => {
      this.parts = null;
      this.log.error('the host could not start; the next event tries again', error);
      throw error;
    });
    return this.parts;
  }

  private async startNow(): Promise<Parts> {
    const { browser, config, registry } = this.options;
    const fetchImpl = this.options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    const db = await openHostDb(this.options.indexedDB ?? indexedDB);
    const installId = () => readOrCreateKey(browser.storage.local, INSTALL_ID_KEY);
    const usage = new UsageRecorder({ db, consent: () => readUsageConsent(browser.permissions) });
    const account = new AccountClient({ origin: config.origin, storage: browser.storage.local, fetch: fetchImpl });
    const host = new FeatureHost({
      browser,
      registry,
      usage,
      services: account.toServicesClient(),
      log: this.log,
    });
    const client = new ManifestClient({
      db,
      origin: config.origin,
      keys: config.keys,
      env: config.manifestEnv,
      allowUnreviewed: config.allowUnreviewed,
      fetch: fetchImpl,
    });
    const poller = new ManifestPoller({
      alarms: browser.alarms,
      client,
      db,
      intervalMinutes: config.pollMinutes,
      onAccepted: async (payload) => {
        this.manifest = payload;
        await this.replan();
      },
      log: this.log,
    });
    const uploader = new UsageUploader({ db, origin: config.origin, installId, fetch: fetchImpl, log: this.log });
    const feedback = new FeedbackQueue({ db, origin: config.origin, installId, fetch: fetchImpl, log: this.log });
    const telemetry = new TelemetrySender({
      usage,
      uploader,
      feedback,
      token: async () => (await account.getSession())?.token ?? null,
      log: this.log,
    });
    const parts: Parts = {
      db,
      host,
      client,
      poller,
      account,
      usage,
      uploader,
      feedback,
      telemetry,
    };

    // Made once, before any page can ask for status: two racing first reads
    // would each make a different unit, and buckets must never move.
    await readOrCreateUnit(browser.storage.local);
    await installId();
    await host.restore();
    this.manifest = await client.loadCached();
    this.parts = Promise.resolve(parts);
    try {
      await this.replan();
      account.onChange(() => this.replan());
      await poller.start();
      if (!this.manifest) void poller.checkNow();
      if (!(await browser.alarms.get(UPLOAD_ALARM))) {
        await browser.alarms.create(UPLOAD_ALARM, { delayInMinutes: 5, periodInMinutes: UPLOAD_PERIOD_MINUTES });
      }
    } catch (error) {
      // The installed features are restored and answer; planning or polling recovers on the next event.
      this.log.error('start-up after restore failed', error);
    }
    return parts;
  }

  /**
   * Plans from the last good manifest and the local state, then reconciles.
   * No network. Replans run one at a time, each reading the state afresh, so
   * an older plan can never be applied after a newer one.
   */
  replan(): Promise<void> {
    return this.replans.run(() => this.replanNow());
  }

  private async replanNow(): Promise<void> {
    const { host, account } = await this.start();
    const { browser, config, registry } = this.options;
    const storage = browser.storage.local;
    const [environment, unit, overrides, optOuts, session, ledger] = await Promise.all([
      readEnvironment(browser, config.hostVersion),
      readOrCreateUnit(storage),
      readOverrides(storage),
      readOptOuts(storage),
      account.getSession(),
      readLedger(storage),
    ]);
    this.decisions = await planFeatures({
      manifest: this.manifest,
      registry,
      unit,
      environment,
      account: { signedIn: session !== null, termsAccepted: session !== null && !session.termsOutdated },
      overrides,
      optOuts,
      allowUnreviewed: config.allowUnreviewed,
      installed: Object.keys(ledger),
    });
    await host.reconcile(this.decisions);
  }

  /**
   * runtime.onMessage: answers the add-on's own pages and routes content
   * scripts' messages to their features. Returns undefined (not a promise)
   * for messages that are not ours, so other listeners can answer them.
   */
  handleMessage(message: unknown, sender: { id?: string; url?: string; tab?: unknown }): Promise<unknown> | undefined {
    if (isFeatureMessage(message)) {
      return this.start().then(({ host }) => host.dispatchMessage(message, sender as MessageSender));
    }
    if (!isHostRequest(message)) return undefined;
    if (!this.isFromAddonPage(sender)) {
      return Promise.resolve({ error: { code: 'forbidden', message: 'host requests are only taken from the add-on’s own pages' } });
    }
    // Pages get {error} with a message a person can read (an AccountError's, say), never a bare rejection.
    return this.handleHostRequest(message).catch((error: unknown) => ({
      error: {
        code: (error as { code?: string }).code ?? 'failed',
        message: error instanceof Error ? error.message : String(error),
      },
    }));
  }

  async handleMenuClick(info: { menuItemId: string | number }, tab: unknown): Promise<void> {
    const { host } = await this.start();
    await host.dispatchMenuClick(info, tab as undefined);
  }

  async handleAlarm(alarm: { name: string }): Promise<void> {
    const parts = await this.start();
    if (await parts.poller.handleAlarm(alarm)) return;
    if (alarm.name === UPLOAD_ALARM) {
      await parts.telemetry.send();
      return;
    }
    await parts.host.dispatchAlarm(alarm);
  }

  /**
   * After an update of the add-on its chunks are new, while the cached
   * manifest still carries the hashes of the old ones: ask for a manifest
   * for this build at once rather than at the next poll.
   */
  async handleInstalled(details: { reason: string }): Promise<void> {
    if (details.reason !== 'update') return;
    const { poller } = await this.start();
    await poller.checkNow();
  }

  /** The user withdrew the data-collection consent in Firefox: what was counted and not yet sent is dropped. */
  async handleConsentRemoved(): Promise<void> {
    const { usage } = await this.start();
    await usage.dropQueued();
  }

  async handleEvent(name: string, args: unknown[]): Promise<void> {
    const { host } = await this.start();
    await host.dispatchEvent(name, args);
  }

  private isFromAddonPage(sender: { id?: string; url?: string; tab?: unknown }): boolean {
    const base = this.options.browser.runtime.getURL('');
    return sender.id === this.options.browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(base);
  }

  private async handleHostRequest(request: HostRequest): Promise<unknown> {
    const parts = await this.start();
    const storage = this.options.browser.storage.local;
    /** A change that can alter which features this browser gets: plan again, then report. */
    const thenReplan = async (change: Promise<unknown>) => {
      await change;
      await this.replan();
      return this.status();
    };
    /**
     * An account change: the account client's onChange has already queued the
     * replan it needs (none when the sign-in state did not change), so wait
     * for the queue rather than plan a second time.
     */
    const afterAccountChange = async (change: Promise<unknown>) => {
      await change;
      await this.replans.run(async () => undefined);
      return this.status();
    };
    switch (request.type) {
      case 'sbc:status':
        return this.status();
      case 'sbc:refresh':
        await parts.poller.checkNow();
        return this.status();
      case 'sbc:telemetry':
        await parts.usage.setEnabled(request.enabled);
        return this.status();
      case 'sbc:send-telemetry':
        return parts.telemetry.send();
      case 'sbc:terms':
        return parts.account.getTerms();
      case 'sbc:feedback':
        await parts.feedback.enqueue({ featureId: request.featureId, rating: request.rating, comment: request.comment });
        void parts.telemetry.send();
        return { ok: true };
      case 'sbc:override':
        return thenReplan(writeOverride(storage, request.featureId, request.value));
      case 'sbc:opt-out':
        return thenReplan(writeOptOut(storage, request.featureId, request.optedOut));
      case 'sbc:signup':
        return afterAccountChange(parts.account.signUp(request.email, request.password, request.acceptedTerms));
      case 'sbc:login':
        return afterAccountChange(parts.account.signIn(request.email, request.password));
      case 'sbc:logout':
        return afterAccountChange(parts.account.signOut());
      case 'sbc:delete-account':
        return afterAccountChange(parts.account.deleteAccount());
      case 'sbc:accept-terms':
        return afterAccountChange(parts.account.acceptTerms(request.acceptedTerms));
    }
  }

  /** What the QA panel and the popup show. */
  async status(): Promise<HostStatus> {
    const parts = await this.start();
    const storage = this.options.browser.storage.local;
    const [manifest, session, telemetryEnabled, unit, overrides, optOuts, ledger] = await Promise.all([
      parts.client.status(),
      parts.account.getSession(),
      parts.usage.isEnabled(),
      readOrCreateUnit(storage),
      readOverrides(storage),
      readOptOuts(storage),
      readLedger(storage),
    ]);
    return buildHostStatus({
      config: this.options.config,
      registry: this.options.registry,
      manifestPayload: this.manifest,
      manifest,
      session,
      telemetryEnabled,
      unit,
      overrides,
      optOuts,
      ledger,
      decisions: this.decisions,
      startedAt: this.startedAt,
    });
  }
}
