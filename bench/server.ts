/**
 * `npm run bench` (server part): the beta server's hot paths under load, as
 * ratios against bare node:http baselines measured in the same run.
 *
 * The beta server runs as its real process (server/main.ts, one process);
 * the load generator (autocannon) runs in a process of its own; the
 * baselines run in this one. PostgreSQL is a temporary cluster started like
 * the tests' (test/helpers/postgres.ts: fsync off, so write figures are
 * upper bounds for a durable database).
 *
 * Each case runs BENCH_ROUNDS (default 3) rounds, server and baseline
 * alternating (server first in odd rounds, baseline first in even ones), so a
 * burst of load from elsewhere on the machine hits both alike; the table gives
 * the median of each figure and the median of the per-round ratios.
 *
 * BENCH_SECONDS (default 5) per run, BENCH_CONNECTIONS (default 100),
 * BENCH_CASES (default all): a comma-separated list of case prefixes to run,
 * e.g. `BENCH_CASES=manifest` or `BENCH_CASES=usage,account`.
 * SCRYPT_N sets the sign-in cost (default: the server's, OWASP's 2^17).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../server/config';
import { makeManifestPayload } from '../test/helpers/manifests';
import { getTestPostgres, stopTestPostgres } from '../test/helpers/postgres';
import { startServerProcess, type RunningProcess } from '../test/helpers/server-process';
import { createSigningKey, signPayload } from '../test/helpers/signing';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import { startBareLogin, startBareManifest, startBarePostgres, startBareUsageSqlite, type Baseline } from './server-baselines';
import { runBench } from './run-bench';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const CASES = (process.env.BENCH_CASES ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
const ADMIN = 'bench-admin-token-0123456789';
// Sign-ins beyond PASSWORD_QUEUE_LENGTH are refused with 503 by design; fewer clients measure throughput, not refusals.
const LOGIN_CONNECTIONS = 4;
// At OWASP's scrypt cost a sign-in takes a good part of a second of one core: short runs would count none.
const LOGIN_SECONDS = Math.max(SECONDS, 20);
const DAY = new Date().toISOString().slice(0, 10);
const USAGE_BODY = JSON.stringify({
  batchId: 'bench-[<id>]',
  installId: 'install-[<id>]',
  counts: Array.from({ length: 10 }, (_, k) => ({ day: DAY, featureId: 'reading-time', event: `event-${k}`, count: 1 + k })),
});

interface Row {
  name: string;
  subject: LoadResult;
  baseline: LoadResult;
  baselineName: string;
  /** Median of the per-round ratios of requests/s. */
  ratio: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function medianResult(results: LoadResult[]): LoadResult {
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    total: results.reduce((sum, r) => sum + r.total, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Whether BENCH_CASES selects the case named `name` (all when unset). */
const selected = (name: string): boolean => CASES.length === 0 || CASES.some((prefix) => name.toLowerCase().replace(/^(get|post) \/v1\//, '').startsWith(prefix));

async function measure(name: string, baselineName: string, subject: LoadOptions, baseline: LoadOptions): Promise<Row> {
  // A short warm-up of each, then the measured rounds.
  await runLoad({ ...subject, seconds: 1 });
  await runLoad({ ...baseline, seconds: 1 });
  const subjects: LoadResult[] = [];
  const baselines: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      subjects.push(await runLoad(subject));
      baselines.push(await runLoad(baseline));
    } else {
      baselines.push(await runLoad(baseline));
      subjects.push(await runLoad(subject));
    }
  }
  const ratio = median(subjects.map((s, i) => s.requestsPerSecond / baselines[i]!.requestsPerSecond));
  console.error(`  measured: ${name} (${subjects.map((s, i) => (s.requestsPerSecond / baselines[i]!.requestsPerSecond).toFixed(2)).join(', ')})`);
  return { name, baselineName, subject: medianResult(subjects), baseline: medianResult(baselines), ratio };
}

/** Whole requests/s, with a decimal when there are few (sign-ins at a real scrypt cost). */
const formatRate = (perSecond: number): string => (perSecond < 100 ? perSecond.toFixed(1) : Math.round(perSecond).toString());

function printTable(rows: Row[]): void {
  const cores = availableParallelism();
  console.log(`\nBeta server under load: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per case, autocannon in its own process; medians`);
  console.log(`machine: ${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}\n`);
  const header = ['case', 'server req/s', 'p99 ms', 'baseline', 'base req/s', 'base p99', 'ratio', 'errors'];
  const lines = rows.map((r) => [
    r.name,
    formatRate(r.subject.requestsPerSecond),
    r.subject.p99.toString(),
    r.baselineName,
    formatRate(r.baseline.requestsPerSecond),
    r.baseline.p99.toString(),
    `${r.ratio.toFixed(2)}×`,
    String(r.subject.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-bench-'));
  const started: Array<RunningProcess | Baseline> = [];
  try {
    const key = await createSigningKey('bench');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'bench.public.json'), JSON.stringify(key.pinned));
    const postgres = await getTestPostgres();
    const database = await postgres.createDatabase();
    const bareDatabase = await postgres.createDatabase({ empty: true });
    const env = {
      ADMIN_TOKEN: ADMIN,
      PUBLIC_KEYS: join(dir, 'keys'),
      LOGIN_LIMIT_PER_EMAIL: '100000000',
      LOGIN_LIMIT_PER_ADDRESS: '100000000',
    };
    const sqliteServer = await startServerProcess({ ...env, DATA_DIR: join(dir, 'sqlite') });
    const postgresServer = await startServerProcess({ ...env, DATA_DIR: join(dir, 'postgres'), DATABASE_URL: database.url });
    started.push(sqliteServer, postgresServer);

    const envelope = await signPayload(makeManifestPayload({}, Date.now(), 1), key);
    const published = await fetch(`${postgresServer.url}/v1/admin/manifest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: envelope,
    });
    if (!published.ok) throw new Error(`publishing failed: ${published.status} ${await published.text()}`);
    const served = await fetch(`${postgresServer.url}/v1/manifest`);
    const bytes = Buffer.from(await served.arrayBuffer());
    const manifestHeaders: Record<string, string> = {};
    for (const name of ['etag', 'cache-control', 'last-modified', 'access-control-allow-origin', 'access-control-expose-headers']) {
      manifestHeaders[name] = served.headers.get(name)!;
    }
    const etag = manifestHeaders.etag!;

    const credentials = { email: 'bench@example.org', password: 'bench password' };
    const signUp = await fetch(`${postgresServer.url}/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, acceptedTerms: readConfig({ ...process.env, ADMIN_TOKEN: ADMIN }).config.termsVersion }),
    });
    if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`);
    const session = await fetch(`${postgresServer.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    const token = ((await session.json()) as { token: string }).token;

    const bareManifest = await startBareManifest(bytes, manifestHeaders);
    const bareSqlite = await startBareUsageSqlite(join(dir, 'bare.sqlite3'));
    const barePostgres = await startBarePostgres(bareDatabase.url, 'usage');
    const bareAccount = await startBarePostgres(database.url, 'account');
    const bareLogin = await startBareLogin(readConfig({ ...process.env, ADMIN_TOKEN: ADMIN }).config.passwordParams);
    started.push(bareManifest, bareSqlite, barePostgres, bareAccount, bareLogin);

    const load = { connections: CONNECTIONS, seconds: SECONDS };
    const post = (url: string, body: string): LoadOptions => ({ ...load, url, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const rows: Row[] = [];
    console.error(`Measuring (about 2 × (1 + ${ROUNDS} × ${SECONDS}) s per case)…`);
    if (selected('GET /v1/manifest 200')) rows.push(await measure('GET /v1/manifest 200', 'bare node:http, same bytes', { ...load, url: `${postgresServer.url}/v1/manifest` }, { ...load, url: `${bareManifest.url}/v1/manifest` }));
    const ifNoneMatch = { 'if-none-match': etag };
    if (selected('GET /v1/manifest 304')) rows.push(await measure('GET /v1/manifest 304', 'bare node:http 304', { ...load, url: `${postgresServer.url}/v1/manifest`, headers: ifNoneMatch }, { ...load, url: `${bareManifest.url}/v1/manifest`, headers: ifNoneMatch }));
    if (selected('POST /v1/usage, SQLite')) rows.push(await measure('POST /v1/usage, SQLite', 'JSON.parse + 1 INSERT, SQLite', post(`${sqliteServer.url}/v1/usage`, USAGE_BODY), post(bareSqlite.url, USAGE_BODY)));
    if (selected('POST /v1/usage, PostgreSQL')) rows.push(await measure('POST /v1/usage, PostgreSQL', 'JSON.parse + 1 INSERT, PostgreSQL', post(`${postgresServer.url}/v1/usage`, USAGE_BODY), post(barePostgres.url, USAGE_BODY)));
    const bearer = { authorization: `Bearer ${token}` };
    if (selected('GET /v1/account, PostgreSQL')) rows.push(await measure('GET /v1/account, PostgreSQL', 'sha256 + 1 join, PostgreSQL', { ...load, url: `${postgresServer.url}/v1/account`, headers: bearer }, { ...load, url: bareAccount.url, headers: bearer }));
    const login = JSON.stringify(credentials);
    if (selected(`POST /v1/sessions (scrypt N=${readConfig({ ...process.env, ADMIN_TOKEN: ADMIN }).config.passwordParams.N})`)) rows.push(await measure(`POST /v1/sessions (scrypt N=${readConfig({ ...process.env, ADMIN_TOKEN: ADMIN }).config.passwordParams.N})`, 'one scrypt, same cost', { ...post(`${postgresServer.url}/v1/sessions`, login), connections: LOGIN_CONNECTIONS, seconds: LOGIN_SECONDS }, { ...post(bareLogin.url, login), connections: LOGIN_CONNECTIONS, seconds: LOGIN_SECONDS }));
    printTable(rows);
    await database.release();
    await bareDatabase.release();
  } finally {
    for (const item of started.reverse()) await ('kill' in item ? item.kill() : item.close());
    await stopTestPostgres();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
