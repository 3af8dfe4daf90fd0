/**
 * `npm run bench:fleet`: a time-compressed fleet of add-on installs against
 * the real server (WORKERS=2 on a temporary PostgreSQL), on loopback.
 *
 * Each install polls GET /v1/manifest on the add-on's own schedule
 * (extension/channel/poll-schedule.ts: 15 min, up to 20% early; backoff on
 * failure), revalidating with its ETag; uploads a usage batch on about one
 * poll in four; and now and then signs in and calls the notes service. The
 * server's scrypt cost is cheap here (SCRYPT_N=1024), so sign-ins measure
 * the server, not scrypt. Mid-run a kill switch is published; the report says
 * how long it took to reach 50/90/99% of the online installs, in fleet time.
 *
 * FLEET_INSTALLS (20000), FLEET_COMPRESSION (30: one fleet minute is 2 s),
 * FLEET_INTERVALS (3 poll intervals of fleet time in all; the kill switch
 * goes out after 1.5). Stops by itself: the run is bounded, with a hard stop
 * at 4.5 minutes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextPollDelay } from '../protocol/poll-schedule';
import { DEFAULT_POLL_INTERVAL_MINUTES } from '../protocol/manifest-schema';
import { DEFAULT_TERMS_VERSION } from '../server/config';
import { makeEntry, makeManifestPayload, makeServiceEntry } from '../test/helpers/manifests';
import { getTestPostgres, stopTestPostgres } from '../test/helpers/postgres';
import { startServerProcess, type RunningProcess } from '../test/helpers/server-process';
import { createSigningKey, signPayload, type SigningKey } from '../test/helpers/signing';
import { runBench } from './run-bench';

const INSTALLS = Number(process.env.FLEET_INSTALLS ?? 20_000);
const COMPRESSION = Number(process.env.FLEET_COMPRESSION ?? 30);
const INTERVALS = Number(process.env.FLEET_INTERVALS ?? 3);
const ACCOUNTS = 200;
const ADMIN = 'fleet-admin-token-0123456789';
const INTERVAL_MINUTES = DEFAULT_POLL_INTERVAL_MINUTES;
const REAL_INTERVAL_MS = (INTERVAL_MINUTES * 60_000) / COMPRESSION;
const HARD_STOP_MS = 270_000;

interface Answer {
  status: number;
  etag?: string;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const latencies: Record<string, number[]> = { manifest: [], usage: [], signIn: [], notes: [] };
const failures: Record<string, number> = {};
let polls = 0;
let notModified = 0;

/** One request over the shared keep-alive pool; its latency counts from when a socket carries it. */
function send(base: string, kind: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    let started = 0;
    const fail = (reason: string) => {
      failures[`${kind}: ${reason}`] = (failures[`${kind}: ${reason}`] ?? 0) + 1;
      resolve({ status: 0, body: '' });
    };
    const req = request(`${base}${path}`, { method, agent, headers: body ? { ...headers, 'content-type': 'application/json' } : headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        latencies[kind]!.push(performance.now() - started);
        if (res.statusCode! >= 400) fail(String(res.statusCode));
        else resolve({ status: res.statusCode!, etag: res.headers.etag, body: text });
      });
    });
    req.on('socket', () => (started = performance.now()));
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error) => fail(error.message));
    req.end(body);
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function publish(base: string, key: SigningKey, serial: number, killed: boolean): Promise<string> {
  const feature = makeEntry('page-notes', '1.0.0', 'a'.repeat(64), { killed });
  // The notes service runs only while the signed manifest deploys it.
  const services = [makeServiceEntry('notes', join(__dirname, '..', 'server', 'services', 'notes'))];
  const envelope = await signPayload(makeManifestPayload({ serial, features: [feature], services }, Date.now(), 7), key);
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/admin/manifest`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(text).etag as string) : reject(new Error(`publish: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(envelope);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-fleet-'));
  let server: RunningProcess | undefined;
  const hardStop = setTimeout(() => {
    console.error('fleet: hard stop after 4.5 minutes');
    void server?.kill().finally(() => process.exit(2));
  }, HARD_STOP_MS);
  hardStop.unref();
  try {
    const key = await createSigningKey('fleet');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'fleet.public.json'), JSON.stringify(key.pinned));
    const database = await (await getTestPostgres()).createDatabase();
    server = await startServerProcess({
      WORKERS: '2',
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      ADMIN_TOKEN: ADMIN,
      PUBLIC_KEYS: join(dir, 'keys'),
      SCRYPT_N: '1024',
      LOGIN_LIMIT_PER_ADDRESS: '100000000',
      SIGNUP_LIMIT_PER_ADDRESS: '100000000',
      LOGIN_LIMIT_PER_EMAIL: '100000000',
    });
    const base = server.url;
    await publish(base, key, 1, false);
    const termsVersion = DEFAULT_TERMS_VERSION;
    for (let i = 0; i < ACCOUNTS; i++) {
      await send(base, 'signIn', 'POST', '/v1/accounts', {}, JSON.stringify({ email: `user${i}@example.org`, password: 'fleet password', acceptedTerms: termsVersion }));
    }
    latencies.signIn = [];

    const runMs = INTERVALS * REAL_INTERVAL_MS;
    const killAtMs = 1.5 * REAL_INTERVAL_MS;
    const start = performance.now();
    let killEtag: string | undefined;
    let killPublishedAt = 0;
    const reachedAt: number[] = [];
    const day = new Date().toISOString().slice(0, 10);

    const runInstall = async (id: number): Promise<void> => {
      let etag: string | undefined;
      let failuresInARow = 0;
      let batch = 0;
      // Browsers start at different times: the first poll falls anywhere in the first interval.
      let wait = Math.random() * REAL_INTERVAL_MS;
      for (;;) {
        await new Promise((done) => setTimeout(done, wait));
        if (performance.now() - start >= runMs) return;
        polls++;
        const answer = await send(base, 'manifest', 'GET', '/v1/manifest', etag ? { 'if-none-match': etag } : {});
        if (answer.status === 304) notModified++;
        if (answer.status === 200) etag = answer.etag;
        failuresInARow = answer.status === 0 ? failuresInARow + 1 : 0;
        if (killEtag && etag === killEtag && reachedAt[id] === undefined) reachedAt[id] = performance.now() - killPublishedAt;
        if (Math.random() < 0.25) {
          batch++;
          const counts = [{ day, featureId: 'page-notes', event: 'opened', count: 1 + (id % 5) }];
          await send(base, 'usage', 'POST', '/v1/usage', {}, JSON.stringify({ batchId: `b-${id}-${batch}`, installId: `install-${id}`, counts }));
        }
        if (Math.random() < 0.01) {
          const email = `user${id % ACCOUNTS}@example.org`;
          const signedIn = await send(base, 'signIn', 'POST', '/v1/sessions', {}, JSON.stringify({ email, password: 'fleet password' }));
          const token = signedIn.status === 201 ? (JSON.parse(signedIn.body) as { token: string }).token : undefined;
          if (token) {
            const auth = { authorization: `Bearer ${token}` };
            await send(base, 'notes', 'PUT', '/v1/services/notes/', auth, JSON.stringify({ url: `https://example.org/${id}`, text: `note ${batch}` }));
            await send(base, 'notes', 'GET', '/v1/services/notes/', auth);
          }
        }
        wait = nextPollDelay({ intervalMinutes: INTERVAL_MINUTES, failures: failuresInARow, random: Math.random() }) / COMPRESSION;
      }
    };

    console.error(`fleet: ${INSTALLS} installs, 1 fleet minute = ${60 / COMPRESSION} s, ${INTERVALS} intervals (${(runMs / 1000).toFixed(0)} s)…`);
    const killTimer = setTimeout(() => {
      killPublishedAt = performance.now();
      publish(base, key, 2, true).then(
        (etag) => (killEtag = etag),
        (error: Error) => (failures[`kill switch: ${error.message}`] = 1),
      );
    }, killAtMs);
    await Promise.all(Array.from({ length: INSTALLS }, (_, id) => runInstall(id)));
    clearTimeout(killTimer);
    const elapsed = (performance.now() - start) / 1000;

    const toFleetMinutes = (ms: number) => ((ms * COMPRESSION) / 60_000).toFixed(1);
    const reached = reachedAt.filter((t) => t !== undefined);
    const reach = (share: number) => {
      const needed = Math.ceil(share * INSTALLS);
      return reached.length >= needed ? `${toFleetMinutes(percentile(reached, share * 100 * (INSTALLS / reached.length)))} min` : 'not reached';
    };
    const all = Object.values(latencies).flat();
    const errors = Object.entries(failures);
    console.log(`\nFleet simulation: ${INSTALLS} installs, server WORKERS=2 on PostgreSQL, ${availableParallelism()} cores, scrypt N=1024 (cheap, simulation only)`);
    console.log(`time compression ${COMPRESSION}× (poll every ${INTERVAL_MINUTES} min, up to 20% early = every ${(REAL_INTERVAL_MS / 1000).toFixed(1)} s here), ${elapsed.toFixed(0)} s run`);
    // An install polls every 0.9 intervals on average (up to 20% early): this many real installs would make the same load.
    const equivalentInstalls = (polls / elapsed) * 0.9 * INTERVAL_MINUTES * 60;
    console.log(`requests: ${all.length} (${(all.length / elapsed).toFixed(0)}/s); ${(polls / elapsed).toFixed(0)} polls/s, the load of ${Math.round(equivalentInstalls).toLocaleString('en')} installs in real time`);
    for (const [kind, values] of Object.entries(latencies)) {
      console.log(`  ${kind.padEnd(9)} ${String(values.length).padStart(7)} requests  p50 ${percentile(values, 50).toFixed(1)} ms  p99 ${percentile(values, 99).toFixed(1)} ms`);
    }
    console.log(`  all       ${String(all.length).padStart(7)} requests  p50 ${percentile(all, 50).toFixed(1)} ms  p99 ${percentile(all, 99).toFixed(1)} ms`);
    // Every install's first poll and its poll after the kill switch are 200s; in a run of few intervals they weigh more than in a day.
    const firstPolls = Math.min(INSTALLS, polls);
    console.log(`polls answered 304: ${((notModified / polls) * 100).toFixed(1)}% (${((notModified / Math.max(1, polls - firstPolls)) * 100).toFixed(1)}% of the polls after each install's first)`);
    console.log(`errors: ${errors.length === 0 ? 'none' : errors.map(([what, n]) => `${what} ×${n}`).join(', ')}`);
    console.log(`kill switch reached 50% in ${reach(0.5)}, 90% in ${reach(0.9)}, 99% in ${reach(0.99)} of fleet time (target: within one ${INTERVAL_MINUTES}-min interval); ${reached.length}/${INSTALLS} reached by the end`);
    await database.release();
  } finally {
    clearTimeout(hardStop);
    agent.destroy();
    await server?.kill();
    await stopTestPostgres();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
