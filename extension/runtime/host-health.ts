/**
 * The health signals the host counts for a feature (protocol/exit-criteria.ts
 * HOST_EVENTS), beside the feature's own counters: errors it logs, uncaught
 * errors of its content scripts, the user's opt-out, and the host add-on's
 * uninstall while it was active. The last is known only through Firefox's
 * uninstall URL, opened once the add-on is gone: it names this install and
 * its active features, and only while usage counters are allowed.
 *
 * The server reads these counts as installs ("the share of installs that
 * logged an error"), so each is counted at most once per install and feature
 * version; an uninstall forgets them, so a reinstall counts afresh. What
 * happens while counters are off is never counted later.
 *
 * Loaded lazily (loadHealth in feature-context.ts, the "host/health" chunk)
 * when one of them is needed: the event page's wake never pays for it.
 */
import { HOST_EVENTS } from '../../protocol/exit-criteria';
import { UNINSTALLED_PATH } from '../../protocol/telemetry-limits';
import type { BrowserApi } from './browser-api';
import type { Logger } from './feature-api';
import type { UsageRecorder } from './feature-context';

const REPORTED_KEY = 'host:reported-events';

/** Per feature, the "<version> <event>" pairs already counted. */
type Reported = Record<string, string[]>;
type Storage = BrowserApi['storage']['local'];
type Features = ReadonlyArray<{ id: string; version: string }>;

// One read-modify-write at a time, so two features' first errors cannot lose each other's mark.
let queue: Promise<unknown> = Promise.resolve();

function update(storage: Storage, change: (reported: Reported) => boolean | Promise<boolean>): Promise<void> {
  const next = queue.then(async () => {
    const reported = ((await storage.get(REPORTED_KEY))[REPORTED_KEY] ?? {}) as Reported;
    if (await change(reported)) await storage.set({ [REPORTED_KEY]: reported });
  });
  queue = next.catch(() => undefined);
  return next;
}

/**
 * Counts each event for the feature unless this install already did for this version.
 *
 * @example
 * await countHostEvents(browser.storage.local, usage, 'page-notes', '1.2.0', HOST_EVENTS.error); // counted
 * await countHostEvents(browser.storage.local, usage, 'page-notes', '1.2.0', HOST_EVENTS.error); // already: nothing
 */
export function countHostEvents(storage: Storage, usage: UsageRecorder, featureId: string, version: string, ...events: string[]): Promise<void> {
  return update(storage, async (reported) => {
    const mine = (reported[featureId] ??= []);
    const due = events.filter((event) => !mine.includes(`${version} ${event}`));
    for (const event of due) {
      mine.push(`${version} ${event}`);
      await usage.count(featureId, event, 1);
    }
    return due.length > 0;
  });
}

/** Forgets what was counted for the feature (its uninstall). */
export function forgetHostEvents(storage: Storage, featureId: string): Promise<void> {
  return update(storage, (reported) => featureId in reported && delete reported[featureId]);
}

/** Firefox's limit on the uninstall URL (116 and later). */
export const MAX_UNINSTALL_URL_LENGTH = 1023;

/** An error the feature logged (ctx.log.error): host.error, once per install and version. */
export function countLoggedError({ browser, usage, featureId, version }: { browser: Pick<BrowserApi, 'storage'>; usage: UsageRecorder; featureId: string; version: string }): Promise<void> {
  return countHostEvents(browser.storage.local, usage, featureId, version, HOST_EVENTS.error);
}

/**
 * The user turned a feature off: host.opt-out, once per install and version.
 * A QA override does not come here: it is a test, not a user's verdict.
 */
export async function countOptOut(featureId: string, { registry, storage, parts }: { registry: Features; storage: Storage; parts: { usage: UsageRecorder } }): Promise<void> {
  const feature = registry.find((candidate) => candidate.id === featureId);
  if (feature) await countHostEvents(storage, parts.usage, feature.id, feature.version, HOST_EVENTS.optOut);
}

/**
 * A content script's uncaught error: host.content-error and host.error (so
 * that the error rate counts each install once), if the feature runs here; a
 * stale tab of an uninstalled feature is not its health any more.
 */
export async function countContentError(
  message: { featureId?: unknown },
  { host, usage }: { host: { getActiveIds(): string[] }; usage: UsageRecorder },
  registry: Features,
  browser: Pick<BrowserApi, 'storage'>,
): Promise<void> {
  // The id comes from a message: only a string naming a running feature of this build counts.
  const feature = registry.find((candidate) => candidate.id === message.featureId && host.getActiveIds().includes(candidate.id));
  if (feature) await countHostEvents(browser.storage.local, usage, feature.id, feature.version, HOST_EVENTS.contentError, HOST_EVENTS.error);
}

/**
 * The page Firefox opens once the host is uninstalled: the beta server counts
 * host.uninstalled-while-active for each feature listed. Features that would
 * take the URL past Firefox's limit are left out.
 *
 * @example
 * toUninstallUrl('https://beta.example.org', 'b3f1…', ['page-notes', 'tab-stash']);
 * // https://beta.example.org/v1/uninstalled?i=b3f1…&f=page-notes,tab-stash
 */
export function toUninstallUrl(origin: string, installId: string, activeIds: readonly string[]): string {
  const url = `${origin}${UNINSTALLED_PATH}?i=${encodeURIComponent(installId)}&f=${activeIds.join(',')}`;
  return url.length <= MAX_UNINSTALL_URL_LENGTH ? url : url.slice(0, url.lastIndexOf(',', MAX_UNINSTALL_URL_LENGTH));
}

/** The URL last given to each Firefox runtime, so that Firefox is told only of changes. */
const current = new WeakMap<object, string>();

/** Updates run one after the other, each with the features active when it runs: the last plan's set wins. */
let updates: Promise<void> = Promise.resolve();

/**
 * Points Firefox's uninstall URL at the beta server with the features active
 * now, or clears it ('' opens nothing) when none is active or usage counters
 * are not allowed (the add-on's switch and Firefox's consent). Never throws:
 * a failure is logged.
 *
 * @example
 * await updateUninstallUrl(browser, config, usage, installId, host, log);
 */
export function updateUninstallUrl(
  browser: { runtime: { setUninstallURL(url: string): Promise<void> } },
  config: { origin: string },
  usage: { isEnabled(): Promise<boolean> },
  installId: () => Promise<string>,
  host: { getActiveIds(): string[] },
  log: Pick<Logger, 'warn'>,
): Promise<void> {
  const { runtime } = browser;
  updates = updates.then(async () => {
    try {
      const activeIds = host.getActiveIds();
      const url = activeIds.length > 0 && (await usage.isEnabled()) ? toUninstallUrl(config.origin, await installId(), activeIds) : '';
      if (current.get(runtime) === url) return;
      await runtime.setUninstallURL(url);
      current.set(runtime, url);
    } catch (error) {
      log.warn('the uninstall URL could not be set', error);
    }
  });
  return updates;
}
