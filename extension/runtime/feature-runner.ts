/**
 * Running one feature's hooks: start (verify, load, install?, activate) and
 * stop (deactivate, dispose), each hook under a timeout, with everything the
 * feature registered disposed whatever the hook did.
 */
import type { BrowserApi } from './browser-api';
import { DisposableStore } from './disposable';
import type { EventBus } from './event-bus';
import type { FeatureContext, FeatureDefinition, Logger } from './feature-api';
import { createFeatureContext, loadHealth, type ServicesClient, type UsageRecorder } from './feature-context';
import { loadDefinition, runWithTimeout, verifyFeatureFiles, type ExpectedHashes, type FetchFile } from './feature-loader';
import type { VerifiedFiles } from './verified-files';
import type { RegisteredFeature } from './feature-registry';

export interface RunnerDeps {
  browser: BrowserApi;
  eventBus: EventBus;
  usage: UsageRecorder;
  services: ServicesClient;
  log: Logger;
  fetchFile: FetchFile;
  timeoutMs: number;
  /** Files this add-on version already checked; absent: every start hashes every file. */
  verifiedFiles?: VerifiedFiles;
}

/** A feature running in this page life. */
export interface RunningFeature {
  definition: FeatureDefinition;
  ctx: FeatureContext;
  store: DisposableStore;
  version: string;
  sha256: string;
}

function createContext(deps: RunnerDeps, registered: RegisteredFeature, version: string, store: DisposableStore): FeatureContext {
  return createFeatureContext({
    featureId: registered.id,
    version,
    browser: deps.browser,
    store,
    declaredEvents: registered.events,
    eventBus: deps.eventBus,
    usage: deps.usage,
    services: deps.services,
    log: deps.log,
  });
}

async function disposeStore(deps: RunnerDeps, id: string, store: DisposableStore): Promise<void> {
  try {
    await store.dispose();
  } catch (error) {
    deps.log.warn(`feature ${id}: some registrations failed to dispose`, error);
  }
}

/**
 * Verifies the feature's files, loads its chunk, runs `install` (first
 * install only) and `activate`. On any failure, disposes what the feature
 * registered and throws.
 *
 * @example
 * const running = await startFeature(deps, registered, { featureId, chunk, sha256, files: [], registeredFiles: [] }, '1.0.0', true);
 */
export async function startFeature(
  deps: RunnerDeps,
  registered: RegisteredFeature,
  expected: ExpectedHashes,
  version: string,
  firstInstall: boolean,
): Promise<RunningFeature> {
  const { id } = registered;
  await verifyFeatureFiles(expected, deps.fetchFile, deps.verifiedFiles);
  const definition = await loadDefinition(registered);
  const store = new DisposableStore(deps.log, `feature ${id}`);
  const ctx = createContext(deps, registered, version, store);
  try {
    const install = definition.install?.bind(definition);
    if (firstInstall && install) await runWithTimeout(() => install(ctx), deps.timeoutMs, `Feature "${id}": install`, id);
    await runWithTimeout(() => definition.activate(ctx), deps.timeoutMs, `Feature "${id}": activate`, id);
  } catch (error) {
    await disposeStore(deps, id, store);
    throw error;
  }
  return { definition, ctx, store, version, sha256: expected.sha256 };
}

/** Runs `deactivate` (with timeout), then disposes everything, whatever deactivate did. Never throws. */
export async function stopFeature(deps: RunnerDeps, id: string, running: RunningFeature): Promise<void> {
  const deactivate = running.definition.deactivate?.bind(running.definition);
  if (deactivate) {
    await runWithTimeout(() => deactivate(running.ctx), deps.timeoutMs, `Feature "${id}": deactivate`, id).catch((error: unknown) =>
      deps.log.warn(`feature ${id}: deactivate failed; disposing anyway`, error),
    );
  }
  await disposeStore(deps, id, running.store);
  deps.log.info(`feature ${id}: stopped`);
}

/**
 * Runs the feature's `uninstall` hook with a fresh context (its earlier
 * registrations are already disposed), verifying and loading the chunk first
 * when the feature is not running. Never throws: the wipe goes on regardless.
 */
export async function runUninstallHook(
  deps: RunnerDeps,
  registered: RegisteredFeature,
  expected: ExpectedHashes,
  version: string,
  loaded?: FeatureDefinition,
): Promise<void> {
  const { id } = registered;
  const store = new DisposableStore(deps.log, `feature ${id}`);
  try {
    let definition = loaded;
    if (!definition) {
      // Never run code that does not match what was signed off, not even its uninstall hook.
      await verifyFeatureFiles(expected, deps.fetchFile, deps.verifiedFiles);
      definition = await loadDefinition(registered);
    }
    const hook = definition.uninstall?.bind(definition);
    if (hook) await runWithTimeout(() => hook(createContext(deps, registered, version, store)), deps.timeoutMs, `Feature "${id}": uninstall`, id);
  } catch (error) {
    deps.log.warn(`feature ${id}: uninstall hook failed; wiping anyway`, error);
  } finally {
    await disposeStore(deps, id, store);
    // A reinstall is a new install for the health counters (host-health.ts).
    await loadHealth().then((health) => health.forgetHostEvents(deps.browser.storage.local, id));
  }
}
