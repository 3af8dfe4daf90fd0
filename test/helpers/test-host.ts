import { FeatureHost } from '../../extension/runtime/feature-host';
import type { FakeBrowser } from './fake-browser';
import { makeFetchFile, makeLogger, makeServices, makeUsage, type TestFeature } from './test-features';

/** A host on a fake browser, serving the features' files; one event bus per page life, like the real page. */
export function createTestHost(browser: FakeBrowser, features: Array<TestFeature & { files: Record<string, string> }>, activateTimeoutMs = 200) {
  const files = makeFetchFile(...features.map((f) => f.files));
  const log = makeLogger();
  const usage = makeUsage();
  const host = new FeatureHost({
    browser,
    registry: features.map((f) => f.registered),
    fetchFile: files.fetchFile,
    usage,
    services: makeServices(),
    log,
    activateTimeoutMs,
    eventBus: browser.createEventBus(),
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { host, files, log, usage };
}
