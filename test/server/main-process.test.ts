// Runs `server/main.ts` as a real child process: start, SIGTERM with a request
// in flight, restart on the same DATA_DIR (and DATABASE_URL), SIGINT.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestPostgres } from '../helpers/postgres';
import { makeServiceEntry } from '../helpers/manifests';
import { createSigningKey, signPayload } from '../helpers/signing';
import { callServer, ROOT, startServerProcess, waitForOutput, type RunningProcess } from '../helpers/server-process';
import { createPayload, describeEachStore, runReport, TERMS } from './helpers';

function startMain(dataDir: string, databaseUrl = '', env: Record<string, string> = {}): Promise<RunningProcess> {
  return startServerProcess({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ...env });
}

/** A request with a JSON body, or a text body sent as it is. */
function call(url: string, method: string, path: string, body?: unknown, token?: string) {
  return callServer(url, method, path, typeof body === 'string' ? { raw: body, token } : { body, token });
}

describeEachStore('beta server: the real process', function (store) {
  this.timeout(60_000);
  let dataDir: string;
  let databaseUrl: string;
  let releaseDatabase: () => Promise<void>;
  let running: RunningProcess | undefined;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'beta-main-'));
    const database = store === 'postgres' ? await (await getTestPostgres()).createDatabase() : undefined;
    databaseUrl = database?.url ?? '';
    releaseDatabase = async () => database?.release();
  });
  afterEach(async () => {
    await running?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    await releaseDatabase();
  });

  it('closes cleanly on SIGTERM with a request in flight and keeps everything across a restart', async () => {
    const channel = await createSigningKey('channel');
    mkdirSync(join(dataDir, 'keys'));
    writeFileSync(join(dataDir, 'keys', 'channel.public.json'), JSON.stringify(channel.pinned));

    // Logging requests shows when the late sign-up below has reached the server.
    running = await startMain(dataDir, databaseUrl, { LOG_LEVEL: 'info' });
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
    await waitForOutput(running, /^(?=.*"msg":"incoming request")(?=.*"url":"\/v1\/accounts").*/);
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
