/**
 * The event page. Firefox runs this file afresh on every wake, so everything
 * that must wake the page is registered synchronously here, at top level,
 * before any await: the host's own listeners and one listener per browser
 * event that any feature declares in its feature.json (createHostController
 * does both at once). Each listener waits until the installed features are
 * restored before it dispatches.
 */
import type Browser from 'webextension-polyfill';
import { featureRegistry } from 'sbc:feature-registry';
import { buildConfig } from 'sbc:build-config';
import { createHostController } from './host-controller';

// Firefox's own `browser` already answers with promises: the polyfill would hand it back unchanged, and its
// 2 KB gzip would be parsed on every wake. The types are the polyfill's, which describe Firefox's API.
const browser = (globalThis as unknown as { browser: Browser.Browser }).browser;

const controller = createHostController({ browser, registry: featureRegistry, config: buildConfig });

void controller.start();
