/**
 * `tsx bench/dashboard.ts`: the admin dashboard with a year of data for 50
 * features (bench/dashboard-seed.ts), on SQLite and on PostgreSQL.
 *
 * The beta server runs as its real process on the seeded database. Each
 * admin route is timed (median of BENCH_RUNS sequential requests after a
 * warm-up) against the adoption report (GET /v1/admin/report) over the same
 * data, the admin route that already reads everything, and a static file of
 * the page as the floor. The page load is timed in a real Firefox (headless):
 * from submitting the token to the overview of 50 features, the first
 * feature's charts and its comments on screen, against the same page on a
 * server with the same manifest and no data; then opening another feature.
 *
 * BENCH_STORES (default "sqlite,postgres"), BENCH_RUNS (default 7).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { createConfig } from '../server/config';
import { openStore } from '../server/store/open-store';
import { launchFirefox } from '../test/e2e/helpers/firefox';
import { makeEntry, makeManifestPayload, sha256 } from '../test/helpers/manifests';
import { getTestPostgres, stopTestPostgres } from '../test/helpers/postgres';
import { startServerProcess, type RunningProcess } from '../test/helpers/server-process';
import { createSigningKey, signPayload, type SigningKey } from '../test/helpers/signing';
import { BENCH_CRITERIA, featureIdOf, seedYearOfData, YEAR_OF_DATA } from './dashboard-seed';
import { runBench } from './run-bench';

const ADMIN = 'bench-dashboard-admin-token-0123456789';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as Array<'sqlite' | 'postgres'>;
const TODAY = new Date().toISOString().slice(0, 10);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeRoute(url: string, runs = RUNS): Promise<number> {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return performance.now() - started;
  };
  await once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

async function publish(server: RunningProcess, key: SigningKey): Promise<void> {
  const features = Array.from({ length: YEAR_OF_DATA.features }, (_, i) => makeEntry(featureIdOf(i), '1.5.0', sha256(`chunk-${i}`), { exitCriteria: BENCH_CRITERIA }));
  const envelope = await signPayload(makeManifestPayload({ serial: 1, features }), key);
  const response = await fetch(`${server.url}/v1/admin/manifest`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: envelope });
  if (response.status !== 201) throw new Error(`publishing failed: ${response.status} ${await response.text()}`);
}

interface PageLoad {
  /** The overview, and the first feature's charts, verdict and comments. */
  feature: number;
  /** Every feature's verdict in the overview too. */
  verdicts: number;
}

/** Signs in on a fresh tab and times, from submitting the token, the first feature on screen, then every verdict. */
async function loadPage(page: Page, origin: string, expectComments: boolean): Promise<PageLoad> {
  await page.goto(`${origin}/admin/`);
  await page.waitForSelector('#token', { visible: true });
  await page.type('#token', ADMIN);
  const started = performance.now();
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (features: number, comments: boolean) =>
      document.querySelectorAll('#features tbody tr[data-feature-id]').length === features &&
      document.getElementById('detail')?.dataset.loaded !== undefined &&
      document.querySelectorAll('#chart-active canvas, #chart-events canvas').length === 2 &&
      (!comments || document.querySelector('#comments li') !== null),
    { timeout: 120_000, polling: 20 },
    YEAR_OF_DATA.features,
    expectComments,
  );
  const feature = performance.now() - started;
  await page.waitForFunction(() => document.getElementById('overview')?.dataset.verdicts === 'loaded', { timeout: 120_000, polling: 20 });
  return { feature, verdicts: performance.now() - started };
}

/** Opens another feature from the overview and waits for its charts and comments. */
async function openAnotherFeature(page: Page, index: number): Promise<number> {
  const id = featureIdOf(index);
  const started = performance.now();
  await page.click(`#features tr[data-feature-id="${id}"] button`);
  await page.waitForFunction(
    (feature: string) => document.getElementById('detail')?.dataset.loaded === feature,
    { timeout: 120_000, polling: 50 },
    id,
  );
  return performance.now() - started;
}

interface Case {
  name: string;
  ms: number;
}

async function benchStore(store: 'sqlite' | 'postgres', dir: string, key: SigningKey): Promise<{ rows: Record<string, number>; cases: Case[]; page: Case[] }> {
  const env = { ADMIN_TOKEN: ADMIN, PUBLIC_KEYS: join(dir, 'keys') };
  const database = store === 'postgres' ? await (await getTestPostgres()).createDatabase() : undefined;
  const emptyDatabase = store === 'postgres' ? await (await getTestPostgres()).createDatabase() : undefined;
  const dataDir = join(dir, `${store}-year`);
  const seeding = await openStore(createConfig({ dataDir, databaseUrl: database?.url, adminToken: ADMIN }));
  const started = performance.now();
  const rows = await seedYearOfData(seeding.db, TODAY);
  console.error(`  ${store}: seeded ${JSON.stringify(rows)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await seeding.close();

  const processes: RunningProcess[] = [];
  const browser = await launchFirefox({ addonId: 'none@bench', addonUuid: '00000000-0000-4000-8000-000000000000' });
  try {
    const year = await startServerProcess({ ...env, DATA_DIR: dataDir, DATABASE_URL: database?.url ?? '' });
    processes.push(year);
    const empty = await startServerProcess({ ...env, DATA_DIR: join(dir, `${store}-empty`), DATABASE_URL: emptyDatabase?.url ?? '' });
    processes.push(empty);
    await publish(year, key);
    await publish(empty, key);
    const feature = `${year.url}/v1/admin/features/${featureIdOf(7)}`;
    const cases: Case[] = [];
    for (const [name, url] of [
      ['static file of the page (floor)', `${year.url}/admin/dashboard.css`],
      ['GET /v1/admin/report (baseline)', `${year.url}/v1/admin/report`],
      ['GET /v1/admin/features', `${year.url}/v1/admin/features`],
      ['GET /v1/admin/health (50 verdicts)', `${year.url}/v1/admin/health`],
      ['GET …/health (one verdict)', `${feature}/health`],
      ['GET …/daily (365 days)', `${feature}/daily`],
      ['GET …/feedback (first 50)', `${feature}/feedback`],
      ['GET …/feedback?q=crashes&rating=1,2', `${feature}/feedback?q=crashes&rating=1,2`],
      ['GET …/feedback?format=csv (all)', `${feature}/feedback?format=csv`],
    ] as const) {
      cases.push({ name, ms: await timeRoute(url) });
      console.error(`  ${store}: measured ${name}`);
    }
    const page: Case[] = [];
    const loads = { year: [] as PageLoad[], empty: [] as PageLoad[], another: [] as number[] };
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      for (const [which, server] of [['empty', empty], ['year', year]] as const) {
        const tab = await browser.newPage();
        await tab.setViewport({ width: 1280, height: 1000 });
        loads[which].push(await loadPage(tab, server.url, which === 'year'));
        if (which === 'year') loads.another.push(await openAnotherFeature(tab, 10 + i));
        await tab.close();
      }
    }
    page.push({ name: 'first feature on screen, no data (baseline)', ms: median(loads.empty.map((l) => l.feature)) });
    page.push({ name: 'first feature on screen, a year of data', ms: median(loads.year.map((l) => l.feature)) });
    page.push({ name: 'all 50 verdicts on screen, no data', ms: median(loads.empty.map((l) => l.verdicts)) });
    page.push({ name: 'all 50 verdicts on screen, a year of data', ms: median(loads.year.map((l) => l.verdicts)) });
    page.push({ name: 'open another feature', ms: median(loads.another) });
    return { rows, cases, page };
  } finally {
    await browser.close();
    for (const running of processes) await running.kill();
    await database?.release();
    await emptyDatabase?.release();
  }
}

function printTable(title: string, cases: Case[], baseline: Case): void {
  console.log(`\n${title}`);
  const width = Math.max(...cases.map((c) => c.name.length));
  for (const c of cases) console.log(`${c.name.padEnd(width)}  ${c.ms.toFixed(1).padStart(8)} ms  ${(c.ms / baseline.ms).toFixed(2).padStart(6)}× ${baseline.name.replace(/ \(.*\)$/, '')}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-bench-dashboard-'));
  try {
    const key = await createSigningKey('bench-dashboard');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'bench-dashboard.public.json'), JSON.stringify(key.pinned));
    console.log(`Admin dashboard, ${YEAR_OF_DATA.features} features × ${YEAR_OF_DATA.days} days; median of ${RUNS} requests, page loads in Firefox headless`);
    console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`);
    for (const store of STORES) {
      const { rows, cases, page } = await benchStore(store, dir, key);
      const baseline = cases.find((c) => c.name.includes('(baseline)'))!;
      printTable(`${store}: ${rows.install_activity} active-install rows, ${rows.event_counts} event rows, ${rows.feedback} comments`, cases, baseline);
      printTable(`${store}: the page in Firefox`, page, page[0]!);
    }
  } finally {
    await stopTestPostgres();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
