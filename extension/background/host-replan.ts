/**
 * Planning again: from the last good manifest and the local state (unit,
 * overrides, opt-outs, account, ledger) to a plan, which the feature host
 * then reconciles. No network.
 */
import type { AccountSession } from '../account/account-session';
import type { BuildConfig } from '../../protocol/build-config';
import type { HaltPayload } from '../../protocol/halt-document';
import type { RolloutInForce } from '../../protocol/stage-clock';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import type { StateArea } from '../host-state';
import type { BrowserApi } from '../runtime/browser-api';
import { readEnvironment } from '../runtime/environment';
import type { RegisteredFeature } from '../runtime/feature-registry';
import { readLedger, readOptOuts, readOrCreateUnit, readOverrides } from '../runtime/feature-state';
import { planFeatures, type PlanDecision } from '../../protocol/planner';
import { SerialQueue } from '../runtime/serial-queue';
import { readDataConsent, type ConsentPermissions } from './feature-consent';

export interface ReplannerDeps {
  browser: Pick<BrowserApi, 'runtime' | 'i18n'> & { permissions?: ConsentPermissions };
  /** The host's state: unit, overrides, opt-outs, ledger, the add-on's own consent record. */
  state: StateArea;
  config: BuildConfig;
  registry: RegisteredFeature[];
  host: { reconcile(decisions: PlanDecision[]): Promise<void> };
  account: { getSession(): Promise<AccountSession | null> };
  /** Called after each reconcile with its plan (the change log). */
  afterReconcile?(decisions: readonly PlanDecision[]): Promise<void>;
  /** Asks to be woken for a replan when the next stage of a staged rollout starts (null: none ahead). */
  scheduleStage?(at: number | null): Promise<void>;
  now?: () => Date;
}

/**
 * Holds the manifest in force and the last plan made from it, for the status
 * the QA panel shows. Replans run one at a time, each reading the state
 * afresh, so an older plan can never be applied after a newer one.
 *
 * @example
 * const replanner = new Replanner({ browser, state, config, registry, host, account });
 * replanner.manifest = await client.loadCached();
 * await replanner.replan();
 */
export class Replanner {
  /** The last verified manifest, or null when none was ever accepted. */
  manifest: ManifestPayload | null = null;
  /** The last accepted halt document; the planner applies it only to the manifest it names. */
  halt: HaltPayload | null = null;
  private latest: PlanDecision[] = [];
  private readonly queue = new SerialQueue();
  private stopped = false;

  constructor(private readonly deps: ReplannerDeps) {}

  /** The decisions of the last plan applied. */
  get decisions(): readonly PlanDecision[] {
    return this.latest;
  }

  /** Plans from the manifest in force and reconciles, after any replan already queued. */
  replan(): Promise<void> {
    return this.queue.run(() => this.replanNow());
  }

  /** A newly accepted manifest: it is in force from now on. */
  accept(payload: ManifestPayload): Promise<void> {
    this.manifest = payload;
    return this.replan();
  }

  /**
   * Resolves once every replan queued so far has run, without planning
   * again: for changes whose listener already queued the replan they need.
   */
  settle(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  /** Waits for the queued replans; any replan asked for afterwards does nothing. */
  stop(): Promise<void> {
    return this.queue.run(async () => {
      this.stopped = true;
    });
  }

  /** Staged and halted features' rollouts now; the code that follows stages loads only when the manifest has some. */
  private async readRolloutsInForce(): Promise<{ inForce?: ReadonlyMap<string, RolloutInForce> }> {
    const { manifest, halt } = this;
    if (!manifest || !(manifest.features.some((entry) => entry.stages) || halt?.manifestSerial === manifest.serial)) return {};
    const { readRolloutsInForce } = await import(/* webpackChunkName: "host/stage-clock" */ '../../protocol/stage-clock');
    return { inForce: readRolloutsInForce(manifest, halt, this.deps.now?.() ?? new Date()) };
  }

  private async replanNow(): Promise<void> {
    if (this.stopped) return;
    const { browser, config, registry, host, account, state: storage } = this.deps;
    const [environment, unit, overrides, optOuts, session, ledger, dataConsent] = await Promise.all([
      readEnvironment(browser, config.hostVersion),
      readOrCreateUnit(storage),
      readOverrides(storage),
      readOptOuts(storage),
      account.getSession(),
      readLedger(storage),
      readDataConsent(browser.permissions, storage),
    ]);
    this.latest = await planFeatures({
      manifest: this.manifest,
      registry,
      unit,
      environment,
      account: { signedIn: session !== null, termsAccepted: session !== null && !session.termsOutdated },
      dataConsent,
      overrides,
      optOuts,
      allowUnreviewed: config.allowUnreviewed,
      installed: Object.keys(ledger),
      ...(await this.readRolloutsInForce()),
    });
    await host.reconcile(this.latest);
    await this.deps.afterReconcile?.(this.latest);
    // The add-on moves through stages by itself: the next one starts without a poll.
    const next = this.latest.map((decision) => Date.parse(decision.stage?.nextAt ?? '')).filter((at) => !Number.isNaN(at));
    await this.deps.scheduleStage?.(next.length > 0 ? Math.min(...next) : null);
  }
}
