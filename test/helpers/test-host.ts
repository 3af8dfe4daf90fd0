import { FeatureHost } from '../../extension/runtime/feature-host';
import type { ServicesClient } from '../../extension/runtime/feature-context';
import type { FakeBrowser } from './fake-browser';
import { makeFetchFile, makeLogger, makeServices, makeUsage, type TestFeature } from './test-features';

export interface TestHostOptions {
  /** How long activate may take: short unless given, so that a hanging feature fails a test fast. */
  activateTimeoutMs?: number;
  /** The beta services the features reach (a fake of one service); unless given, every request answers {ok: true}. */
  services?: ServicesClient;
}

/** A host on a fake browser, serving the features' files; one event bus per page life, like the real page. */
export function createTestHost(browser: FakeBrowser, features: Array<TestFeature & { files: Record<string, string> }>, options: TestHostOptions = {}) {
  const files = makeFetchFile(...features.map((f) => f.files));
  const log = makeLogger();
  const usage = makeUsage();
  const host = new FeatureHost({
    browser,
    registry: features.map((f) => f.registered),
    fetchFile: files.fetchFile,
    usage,
    services: options.services ?? makeServices(),
    log,
    activateTimeoutMs: options.activateTimeoutMs ?? 200,
    eventBus: browser.createEventBus(),
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { host, files, log, usage };
}
