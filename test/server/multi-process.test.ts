// Several real server processes are one server: two processes on one real
// PostgreSQL (different ports), and WORKERS=2 on one port.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestPostgres } from '../helpers/postgres';
import { createSigningKey, signKeyDocument, signPayload, type SigningKey } from '../helpers/signing';
import { createPayload, TERMS } from './helpers';
import { callServer, startServerProcess, type RunningProcess } from '../helpers/server-process';

const ADMIN = 'fleet-admin-token-0123456789';

/** GET over a new connection each time, so cluster workers take turns answering. */
function getFresh(url: string): Promise<{ status: number; etag: string | undefined }> {
  return new Promise((done, fail) => {
    get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => done({ status: response.statusCode!, etag: response.headers.etag }));
    }).on('error', fail);
  });
}

function readParentPid(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function publish(url: string, channel: SigningKey, serial: number): Promise<{ etag: string; envelope: string }> {
  const envelope = await signPayload(createPayload({ serial, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }), [channel]);
  const published = await callServer(url, 'PUT', '/v1/admin/manifest', { raw: envelope, token: ADMIN });
  assert.equal(published.status, 201, published.text);
  return { etag: published.body.etag as string, envelope };
}

describe('beta server: several processes are one server', function () {
  this.timeout(120_000);
  let dir: string;
  let channel: SigningKey;
  const running: RunningProcess[] = [];
  let release: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beta-fleet-'));
    channel = await createSigningKey('channel');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'channel.public.json'), JSON.stringify(channel.pinned));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((process) => process.kill()));
    await release?.();
    release = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('two processes on one PostgreSQL share accounts, sessions, rate limits, usage and the manifest', async () => {
    const database = await (await getTestPostgres()).createDatabase();
    release = () => database.release();
    const env = {
      DATABASE_URL: database.url,
      ADMIN_TOKEN: ADMIN,
      PUBLIC_KEYS: join(dir, 'keys'),
      SCRYPT_N: '1024',
      LOGIN_LIMIT_PER_EMAIL: '3',
    };
    const [a, b] = await Promise.all([
      startServerProcess({ ...env, DATA_DIR: join(dir, 'a') }),
      startServerProcess({ ...env, DATA_DIR: join(dir, 'b') }),
    ]);
    running.push(a!, b!);
    const one = a!.url;
    const other = b!.url;
    assert.notEqual(one, other);

    // An account made on one signs in on the other.
    const credentials = { email: 'ada@example.org', password: 'long enough' };
    assert.equal((await callServer(one, 'POST', '/v1/accounts', { body: { ...credentials, acceptedTerms: TERMS } })).status, 201);
    const signedIn = await callServer(other, 'POST', '/v1/sessions', { body: credentials });
    assert.equal(signedIn.status, 201, signedIn.text);
    const token = signedIn.body.token as string;
    assert.equal((await callServer(one, 'GET', '/v1/account', { token })).body.email, 'ada@example.org');

    // A session revoked on one is refused by the other at once.
    assert.equal((await callServer(one, 'DELETE', '/v1/sessions/current', { token })).status, 204);
    assert.equal((await callServer(other, 'GET', '/v1/account', { token })).status, 401);

    // Rate-limit counters are shared: the limit is 3 per email over both processes together.
    const wrong = { email: 'ada@example.org', password: 'wrong password' };
    assert.equal((await callServer(one, 'POST', '/v1/sessions', { body: wrong })).status, 401);
    assert.equal((await callServer(other, 'POST', '/v1/sessions', { body: wrong })).status, 401);
    // The sign-in above counted too: this is the fourth attempt for the email, and the other process's second.
    const refused = await callServer(other, 'POST', '/v1/sessions', { body: wrong });
    assert.equal(refused.status, 429, refused.text);
    assert.equal((await callServer(one, 'POST', '/v1/sessions', { body: credentials })).status, 429);

    // The same usage batch sent to both is counted once.
    const day = new Date().toISOString().slice(0, 10);
    const batch = { batchId: 'batch-1', installId: 'install-1', counts: [{ day, featureId: 'page-notes', event: 'opened', count: 5 }] };
    const statuses = await Promise.all([one, other].map(async (url) => (await callServer(url, 'POST', '/v1/usage', { body: batch })).body.status));
    assert.deepEqual(statuses.sort(), ['duplicate', 'recorded']);
    const report = await callServer(other, 'GET', '/v1/admin/report', { token: ADMIN });
    assert.deepEqual(report.body.features[0].events, { opened: 5 });

    // A manifest published through one is served by the other within a second, with the same ETag.
    assert.equal((await callServer(other, 'GET', '/v1/manifest')).status, 404);
    const { etag, envelope } = await publish(one, channel, 7);
    const publishedAt = Date.now();
    let served = await callServer(other, 'GET', '/v1/manifest');
    while (served.headers.get('etag') !== etag && Date.now() - publishedAt < 10_000) {
      await new Promise((wait) => setTimeout(wait, 10));
      served = await callServer(other, 'GET', '/v1/manifest');
    }
    const delay = Date.now() - publishedAt;
    assert.equal(served.headers.get('etag'), etag);
    assert.equal(served.text, envelope);
    assert.ok(delay < 1000, `the other process served the new manifest after ${delay} ms`);
    const revalidated = await callServer(other, 'GET', '/v1/manifest', { headers: { 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);
  });

  it('two processes on one PostgreSQL: a key document published through one is served by the other and governs its manifest uploads', async () => {
    const database = await (await getTestPostgres()).createDatabase();
    release = () => database.release();
    const root = await createSigningKey('root');
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'root.public.json'), JSON.stringify(root.pinned));
    const env = { DATABASE_URL: database.url, ADMIN_TOKEN: ADMIN, PUBLIC_KEYS: join(dir, 'keys'), ROOT_KEYS: join(dir, 'root') };
    const [a, b] = await Promise.all([startServerProcess({ ...env, DATA_DIR: join(dir, 'a') }), startServerProcess({ ...env, DATA_DIR: join(dir, 'b') })]);
    running.push(a!, b!);
    assert.equal((await callServer(b!.url, 'GET', '/v1/keys')).status, 404);

    const next = await createSigningKey('manifest-next');
    const document = await signKeyDocument(root, [next.pinned]);
    const published = await callServer(a!.url, 'PUT', '/v1/admin/keys', { raw: document, token: ADMIN });
    assert.equal(published.status, 201, published.text);
    // Served from the other process's memory once the publication reaches it (NOTIFY, or its check each second).
    let served = await callServer(b!.url, 'GET', '/v1/keys');
    const deadline = Date.now() + 10_000;
    while (served.headers.get('etag') !== published.body.etag && Date.now() < deadline) {
      await new Promise((wait) => setTimeout(wait, 10));
      served = await callServer(b!.url, 'GET', '/v1/keys');
    }
    assert.equal(served.text, document);
    assert.equal((await callServer(b!.url, 'GET', '/v1/keys', { headers: { 'if-none-match': published.body.etag as string } })).status, 304);
    // PUBLIC_KEYS no longer count on the other process either: only the listed manifest key does.
    const byOldKey = await callServer(b!.url, 'PUT', '/v1/admin/manifest', {
      raw: await signPayload(createPayload({ serial: 7, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }), [channel]),
      token: ADMIN,
    });
    assert.equal(byOldKey.body.error?.code, 'unknown_key', byOldKey.text);
    assert.equal((await publish(b!.url, next, 7)).etag.length > 0, true);
  });

  it('WORKERS=2 serves on one port from two processes and stops them all on SIGTERM', async () => {
    const server = await startServerProcess({ WORKERS: '2', DATA_DIR: dir, ADMIN_TOKEN: ADMIN, SCRYPT_N: '1024' });
    running.push(server);
    const match = /with 2 processes \(pids (\d+), (\d+)\)/.exec(server.line);
    assert.ok(match, server.line);
    const workers = [Number(match[1]), Number(match[2])];
    for (const pid of workers) assert.equal(readParentPid(pid), server.child.pid, `worker ${pid} belongs to the server`);

    const { etag } = await publish(server.url, channel, 3);
    // Each new connection goes to the next worker: both serve the new manifest once four in a row do.
    let inARow = 0;
    for (let attempt = 0; inARow < 4 && attempt < 2000; attempt++) {
      const answer = await getFresh(`${server.url}/v1/manifest`);
      inARow = answer.status === 200 && answer.etag === etag ? inARow + 1 : 0;
    }
    assert.equal(inARow, 4);
    const signUp = await callServer(server.url, 'POST', '/v1/accounts', { body: { email: 'bo@example.org', password: 'long enough', acceptedTerms: TERMS } });
    assert.equal(signUp.status, 201);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    for (const pid of workers) assert.equal(existsSync(`/proc/${pid}`), false, `worker ${pid} has exited`);
  });
});
