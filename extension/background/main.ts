/**
 * The event page. Firefox runs this file afresh on every wake, so everything
 * that must wake the page is registered synchronously here, at top level,
 * before any await: the host's own listeners and one listener per browser
 * event that any feature declares in its feature.json (createHostController
 * does both at once). Each listener waits until the installed features are
 * restored before it dispatches.
 */
import browser from 'webextension-polyfill';
import { featureRegistry } from 'sbc:feature-registry';
import { buildConfig } from 'sbc:build-config';
import { createHostController } from './host-controller';

const controller = createHostController({ browser, registry: featureRegistry, config: buildConfig });

void controller.start();
