// Runs `server/main.ts` as a real child process: start, SIGTERM with a request
// in flight, restart on the same DATA_DIR (and DATABASE_URL), SIGINT.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getTestPostgres } from '../helpers/postgres';
import { makeServiceEntry } from '../helpers/manifests';
import { createSigningKey, signPayload } from '../helpers/signing';
import { createPayload, describeEachStore, TERMS } from './helpers';

const ROOT = resolve(__dirname, '../..');

interface Running {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

function startMain(dataDir: string, databaseUrl = ''): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN: '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((done, fail) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match) done({ child, url: match[1]!, output, exited });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => fail(new Error(`server exited (${code}) before listening: ${output.join('\n')}`)));
  });
}

async function call(url: string, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Runs `npm run report` (server/report.ts) and resolves with its output, or rejects with its error output. */
function runReport(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/report.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((done, fail) => child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(err)))));
}

describeEachStore('beta server: the real process', function (store) {
  this.timeout(60_000);
  let dataDir: string;
  let databaseUrl: string;
  let releaseDatabase: () => Promise<void>;
  let running: Running | undefined;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'beta-main-'));
    const database = store === 'postgres' ? await (await getTestPostgres()).createDatabase() : undefined;
    databaseUrl = database?.url ?? '';
    releaseDatabase = async () => database?.release();
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    await releaseDatabase();
  });

  it('closes cleanly on SIGTERM with a request in flight and keeps everything across a restart', async () => {
    const channel = await createSigningKey('channel');
    mkdirSync(join(dataDir, 'keys'));
    writeFileSync(join(dataDir, 'keys', 'channel.public.json'), JSON.stringify(channel.pinned));

    running = await startMain(dataDir, databaseUrl);
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    assert.equal(running.output.filter((line) => line.includes(adminToken)).length, 1, 'the generated admin token is printed once');
    const { url } = running;

    assert.equal((await call(url, 'POST', '/v1/accounts', { email: 'ada@example.org', password: 'long enough', acceptedTerms: TERMS })).status, 201);
    const stored = (await call(url, 'POST', '/v1/sessions', { email: 'ada@example.org', password: 'long enough' })).body.token as string;
    const envelope = await signPayload(createPayload({ serial: 9, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), services: [makeServiceEntry('notes', join(ROOT, 'server', 'services', 'notes'))] }), [channel]);
    assert.equal((await call(url, 'PUT', '/v1/admin/manifest', envelope, adminToken)).status, 201);
    assert.equal((await call(url, 'PUT', '/v1/services/notes/', { url: 'https://example.org/', text: 'kept' }, stored)).status, 201);
    const day = new Date().toISOString().slice(0, 10);
    await call(url, 'POST', '/v1/usage', { batchId: 'b1', installId: 'i1', counts: [{ day, featureId: 'page-notes', event: 'opened', count: 2 }] });
    await call(url, 'POST', '/v1/feedback', { featureId: 'page-notes', rating: 5, installId: 'i1' }, stored);

    // Sign-up stretches the password with OWASP scrypt: slow enough to be in flight when SIGTERM arrives.
    const inFlight = call(url, 'POST', '/v1/accounts', { email: 'late@example.org', password: 'long enough', acceptedTerms: TERMS });
    await new Promise((wait) => setTimeout(wait, 60));
    running.child.kill('SIGTERM');
    assert.equal((await inFlight).status, 201);
    assert.equal(await running.exited, 0);

    running = await startMain(dataDir, databaseUrl);
    assert.deepEqual(running.output, [`beta server listening on ${running.url}`]);
    const again = running.url;
    assert.equal((await call(again, 'GET', '/v1/account', undefined, stored)).body.email, 'ada@example.org');
    assert.equal((await call(again, 'POST', '/v1/sessions', { email: 'late@example.org', password: 'long enough' })).status, 201);
    assert.equal((await fetch(`${again}/v1/manifest`).then((r) => r.text())), envelope);
    assert.equal((await call(again, 'GET', '/v1/services/notes/', undefined, stored)).body.notes[0].text, 'kept');
    const report = (await call(again, 'GET', '/v1/admin/report', undefined, adminToken)).body;
    assert.deepEqual(report.features[0], {
      featureId: 'page-notes', installs: 1, active1d: 1, active7d: 1, active28d: 1, events: { opened: 2 }, feedbackCount: 1, meanRating: 5,
    });

    const table = await runReport(['--server', again, '--admin-token', adminToken]);
    assert.match(table, /^page-notes\s+1\s+1\s+1\s+1\s+1\s+5\.00\s+opened=2$/m);
    assert.equal(await runReport([], { DATA_DIR: dataDir, DATABASE_URL: databaseUrl }), table, 'the local database gives the same table');
    assert.match(await runReport(['--server', again, '--admin-token', 'wrong']).catch((e: Error) => e.message), /401 admin_token_required/);

    running.child.kill('SIGINT');
    assert.equal(await running.exited, 0);
  });

  it('starts without any manifest key and says so on upload', async () => {
    running = await startMain(dataDir, databaseUrl);
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const refused = await call(running.url, 'PUT', '/v1/admin/manifest', '{}', adminToken);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'no_public_keys');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
  });
});
