/**
 * What Firefox showed when an end-to-end test failed: a screenshot of every
 * tab, the QA panel and the host's status answer (the JSON the panel
 * renders), kept in test-results/failures/<test>/, and named in the failure.
 *
 * @example
 * describe('…', function () {
 *   let session: AddonSession | undefined;
 *   keepEvidenceOnFailure(() => session && { browser: session.browser, addonUuid: session.addonUuid });
 * });
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { openAddonPage, readHostStatus } from './qa-panel';
import { boundBy, waitUntil } from './waits';

export const RESULTS_DIR = join(__dirname, '..', '..', '..', 'test-results');
/** Gathering evidence must not hang a run whose browser has stopped answering. */
const EVIDENCE_MS = 20_000;

export interface EvidenceSource {
  browser: Browser;
  addonUuid: string;
}

/** Registers an afterEach hook in the calling describe that keeps the evidence of each failed test. */
export function keepEvidenceOnFailure(source: () => EvidenceSource | undefined): void {
  afterEach(async function () {
    const test = this.currentTest;
    const found = source();
    if (!test || test.state !== 'failed' || !found) return;
    const dir = join(RESULTS_DIR, 'failures', test.fullTitle().replace(/[^a-z0-9]+/gi, '-').slice(0, 80));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { kept, missed } = await keepEvidence(found, dir);
    const note = `What Firefox showed is kept in ${relative(process.cwd(), dir)}/: ${kept.join(', ') || 'nothing'}${
      missed.length ? `; not kept: ${missed.join('; ')}` : ''
    }`;
    if (test.err) addToFailure(test.err, note);
    else console.error(`  ${test.fullTitle()}: ${note}`);
  });
}

async function keepEvidence({ browser, addonUuid }: EvidenceSource, dir: string): Promise<{ kept: string[]; missed: string[] }> {
  const kept: string[] = [];
  const missed: string[] = [];
  const attempt = async (name: string, keep: () => Promise<unknown>) => {
    try {
      await boundBy(keep(), EVIDENCE_MS, name);
      kept.push(name);
    } catch (error) {
      missed.push(`${name} (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`);
    }
  };

  const tabs = await boundBy(browser.pages(), EVIDENCE_MS, 'the list of tabs').catch(() => []);
  for (const [index, tab] of tabs.entries()) {
    const name = `tab-${index + 1}.png`;
    await attempt(`${name} (${tab.url()})`, () => tab.screenshot({ path: join(dir, name) }));
  }

  // A fresh QA panel: the status the host gives now, and the panel drawn from it.
  const panel = await boundBy(browser.newPage(), EVIDENCE_MS, 'a new tab').catch((error: Error) => {
    missed.push(`host-status.json and qa-panel.png (${error.message})`);
    return null;
  });
  if (!panel) return { kept, missed };
  try {
    await attempt('qa-panel.png', async () => {
      await openAddonPage(panel, addonUuid, 'ui/options.html', '[data-testid="features"] tr[data-feature-id]', EVIDENCE_MS);
      await panel.screenshot({ path: join(dir, 'qa-panel.png') });
    });
    await attempt('host-status.json', async () => {
      const status = await waitUntil(() => readHostStatus(panel), Boolean, 'the host to answer sbc:status', EVIDENCE_MS);
      writeFileSync(join(dir, 'host-status.json'), `${JSON.stringify(status, null, 2)}\n`);
    });
  } finally {
    await panel.close().catch(() => undefined);
  }
  return { kept, missed };
}

/** Appends a line to the failure's message, in the stack too, where mocha's reporter prints it from. */
function addToFailure(error: Error, note: string): void {
  const before = error.message;
  error.message = `${before}\n${note}`;
  if (before && error.stack?.includes(before)) error.stack = error.stack.replace(before, error.message);
}
