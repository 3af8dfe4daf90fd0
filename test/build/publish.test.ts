import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readPublicKeyFile } from '../../protocol/key-files';
import { runScript } from '../helpers/run-command';
import { generateKeyPair, type GeneratedKeyPair } from '../../build/keys';
import { buildFeatureEntries, buildManifestPayload, nextSerial, percentToBasisPoints } from '../../build/release';
import { parseLockFile, parseReleaseFile } from '../../protocol/release-schema';
import { ManifestRefusedError, verifyEnvelope, type PinnedKey } from '../../protocol/envelope';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures/publish');
const LOCK = join(FIXTURES, 'features.lock.json');
const GOOD = join(FIXTURES, 'release-signed-off.json');
const PROBLEMS = join(FIXTURES, 'release-problems.json');
const lock = parseLockFile(readFileSync(LOCK, 'utf8'), LOCK);
const readRelease = (path: string) => parseReleaseFile(readFileSync(path, 'utf8'), path);

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runPublish(args: string[], env: Record<string, string> = {}, lockPath = LOCK): Promise<CliRun> {
  const childEnv = { ...process.env, ...env };
  if (!env.ADMIN_TOKEN) delete childEnv.ADMIN_TOKEN;
  return runScript('build/publish.ts', ['--lock', lockPath, ...args], { env: childEnv });
}

describe('release → manifest payload', () => {
  it('builds each entry from the shipped code in the lock and the release settings', () => {
    const { features, problems, warnings } = buildFeatureEntries(readRelease(GOOD), lock);
    assert.deepEqual(problems, []);
    assert.deepEqual(warnings, []);
    const [reading, notes] = features;
    assert.equal(reading!.sha256, lock.features[1]!.sha256);
    assert.deepEqual(reading!.files, lock.features[1]!.files);
    assert.deepEqual(reading!.owners, ['reading-time-team@services.example.org', 'Dana Reyes']);
    assert.equal(reading!.rollout, 1250);
    assert.deepEqual(reading!.targeting.os, ['linux', 'win', 'mac']);
    assert.equal(reading!.requiresAccount, false);
    assert.equal(notes!.requiresAccount, true);
    assert.equal(notes!.killed, true);
  });

  it('lists every problem at once, each naming the feature and the role', () => {
    const { problems } = buildFeatureEntries(readRelease(PROBLEMS), lock);
    const summary = problems.map((p) => `${p.featureId}/${p.kind}/${p.role ?? '-'}/${p.reason ?? '-'}`).sort();
    assert.deepEqual(summary, [
      'page-notes/sign-off/privacy/stale-sha256',
      'page-notes/sign-off/security/stale-files',
      'page-notes/sign-off/technical/stale-files',
      'page-notes/version-mismatch/-/-',
      'reading-time/sign-off/privacy/missing',
      'reading-time/sign-off/security/stale-version',
      'reading-time/sign-off/technical/self-review',
      'tab-groups/not-in-lock/-/-',
    ]);
    for (const problem of problems) {
      assert.ok(problem.message.startsWith(`${problem.featureId}:`), problem.message);
      if (problem.role) assert.ok(problem.message.includes(problem.role), problem.message);
    }
  });

  it('lets local development publish without sign-offs but never ship what the build lacks', () => {
    const { problems, warnings } = buildFeatureEntries(readRelease(PROBLEMS), lock, { localDev: true });
    assert.deepEqual(problems.map((p) => p.kind).sort(), ['not-in-lock', 'version-mismatch']);
    assert.equal(warnings.length, 6);
  });

  it('makes a beta payload that expires in the given days and is unreviewed only for local development', () => {
    const { features } = buildFeatureEntries(readRelease(GOOD), lock);
    const issuedAt = new Date('2026-11-25T12:00:00Z');
    const payload = buildManifestPayload({ features, serial: 42, issuedAt, expiresInDays: 7 });
    assert.equal(payload.env, 'beta');
    assert.equal(payload.expiresAt, '2026-12-02T12:00:00.000Z');
    assert.equal(payload.unreviewed, undefined);
    assert.equal(buildManifestPayload({ features, serial: 43, issuedAt, expiresInDays: 1, localDev: true }).unreviewed, true);
    assert.throws(() => buildManifestPayload({ features, serial: 0, issuedAt, expiresInDays: 7 }), /serial/);
  });

  it("carries the release's poll interval into the signed payload, within 5 minutes to 6 hours", () => {
    const { features } = buildFeatureEntries(readRelease(GOOD), lock);
    const issuedAt = new Date('2026-11-25T12:00:00Z');
    assert.equal(buildManifestPayload({ features, serial: 42, issuedAt, expiresInDays: 7 }).pollIntervalMinutes, undefined, 'absent: the add-on keeps 15');
    assert.equal(buildManifestPayload({ features, serial: 42, issuedAt, expiresInDays: 7, pollIntervalMinutes: 60 }).pollIntervalMinutes, 60);
    const release = (minutes: unknown) => JSON.stringify({ pollIntervalMinutes: minutes, features: [] });
    assert.equal(parseReleaseFile(release(360), 'r.json').pollIntervalMinutes, 360);
    for (const bad of [4, 361, 7.5, '15']) {
      assert.throws(() => parseReleaseFile(release(bad), 'r.json'), /pollIntervalMinutes: .*(5 to 360|expected)/, `${JSON.stringify(bad)} is refused`);
    }
    assert.throws(() => buildManifestPayload({ features, serial: 42, issuedAt, expiresInDays: 7, pollIntervalMinutes: 2 }), /5 to 360/);
  });

  it('moves the serial past both the last one and the clock', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const clock = now.getTime() / 1000;
    assert.equal(nextSerial(undefined, now), clock);
    assert.equal(nextSerial(clock - 3600, now), clock);
    assert.equal(nextSerial(clock, now), clock + 1);
    assert.equal(nextSerial(1900000000, now), 1900000001);
  });

  it('turns percent into basis points without float noise', () => {
    assert.equal(percentToBasisPoints(0.29), 29);
    assert.equal(percentToBasisPoints(100), 10000);
  });

  it('ships an example release whose features, versions, content scripts and reviewers fit the feature folders', () => {
    const example = readRelease(join(ROOT, 'release/example.json'));
    assert.deepEqual(example.features.map((f) => f.id).sort(), ['page-notes', 'reading-time', 'tab-stash']);
    for (const feature of example.features) {
      const folder = JSON.parse(readFileSync(join(ROOT, 'features', feature.id, 'feature.json'), 'utf8'));
      assert.equal(feature.version, folder.version, feature.id);
      const owners = (folder.owners as string[]).map((o) => o.toLowerCase());
      for (const signOff of Object.values(feature.signOffs)) {
        assert.equal(signOff.version, folder.version);
        assert.ok(!owners.includes(signOff.reviewer.toLowerCase()), `${feature.id}: ${signOff.reviewer} owns it`);
      }
      assert.equal(Object.keys(feature.signOffs).length, 3, feature.id);
      // Each content script of the folder is built to features/<id>/content/<name>.js and must be signed off.
      const contentDir = join(ROOT, 'features', feature.id, 'content');
      const scripts = (existsSync(contentDir) ? readdirSync(contentDir) : [])
        .filter((name) => name.endsWith('.ts'))
        .map((name) => `features/${feature.id}/content/${name.replace(/\.ts$/, '.js')}`);
      for (const [role, signOff] of Object.entries(feature.signOffs)) {
        assert.deepEqual((signOff.files ?? []).map((file) => file.path).sort(), scripts.sort(), `${feature.id} ${role}`);
      }
    }
    const withScripts = example.features.filter((feature) => (feature.signOffs.security?.files ?? []).length > 0).map((feature) => feature.id);
    assert.deepEqual(withScripts.sort(), ['page-notes', 'reading-time'], 'the content scripts of the example are signed off');
  });

  it('names the file, the feature and the field of a malformed release', () => {
    const bad = JSON.stringify({
      features: [
        { id: 'reading-time', version: '1.1.0', rollout: 12.345, signOffs: {} },
        { id: 'reading-time', version: '1.1.0', rollout: 5, colour: 'red' },
      ],
    });
    assert.throws(
      () => parseReleaseFile(bad, 'release/bad.json'),
      (error: Error) => {
        assert.match(error.message, /^release\/bad\.json:/);
        assert.match(error.message, /features\[0\] \(reading-time\)\.rollout: must have at most two decimals/);
        assert.match(error.message, /features\[1\] \(reading-time\)\.colour: unknown field/);
        assert.match(error.message, /features\[1\] \(reading-time\)\.id: "reading-time" is listed more than once/);
        return true;
      },
    );
  });
});

describe('npm run publish', function () {
  this.timeout(60_000);
  let dir: string;
  let key: GeneratedKeyPair;
  let pinned: PinnedKey[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbc-publish-'));
    key = await generateKeyPair({ outDir: join(dir, 'keys'), keyId: 'test-key' });
    pinned = [readPublicKeyFile(key.publicKeyPath)];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an envelope the add-on verifies, and each publish raises the serial', async () => {
    const out = join(dir, 'first', 'manifest.signed.json');
    const first = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    const payload = await verifyEnvelope(readFileSync(out, 'utf8'), { keys: pinned, env: 'beta' });
    assert.deepEqual(payload.features.map((f) => f.id), ['reading-time', 'page-notes']);
    assert.ok(payload.serial >= Math.floor(Date.now() / 1000) - 60);
    const days = (Date.parse(payload.expiresAt) - Date.parse(payload.issuedAt)) / 86_400_000;
    assert.equal(days, 7);

    // A serial ahead of the clock (as a previous publisher may have left) must still be passed.
    const aheadSerial = Math.floor(Date.now() / 1000) + 500_000;
    const ahead = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--serial', String(aheadSerial)]);
    assert.equal(ahead.code, 0, ahead.stderr);
    const second = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out]);
    assert.equal(second.code, 0, second.stderr);
    const latest = await verifyEnvelope(readFileSync(out, 'utf8'), { keys: pinned, env: 'beta', lastSerial: aheadSerial });
    assert.equal(latest.serial, aheadSerial + 1);

    const backwards = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--serial', String(aheadSerial + 1)]);
    assert.equal(backwards.code, 1);
    assert.ok(backwards.stderr.includes(`--serial ${aheadSerial + 1} is not above the last published serial ${aheadSerial + 1}`), backwards.stderr);
  });

  it('refuses a release with problems, lists them all, and writes nothing', async () => {
    const out = join(dir, 'refused.json');
    const run = await runPublish(['--release', PROBLEMS, '--key', key.privateKeyPath, '--out', out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused, 8 problems/);
    assert.match(run.stderr, /reading-time: no privacy sign-off/);
    assert.match(run.stderr, /reading-time: security sign-off was given for version 1\.0\.0, not 1\.1\.0/);
    assert.match(run.stderr, /reading-time: technical sign-off by dana reyes, who owns the feature/);
    assert.match(run.stderr, /page-notes: privacy sign-off was given for chunk 04df0c11c5bb…/);
    // Content scripts are code too: a sign-off without them, or for an older copy, does not cover them.
    assert.match(
      run.stderr,
      /page-notes: security sign-off was given for other content-script files \(1 difference\): features\/page-notes\/content\/notes\.js is missing from the sign-off \(after a new review, copy "files" from the lock file\)/,
    );
    assert.match(
      run.stderr,
      /page-notes: technical sign-off was given for other content-script files \(1 difference\): features\/page-notes\/content\/notes\.js differs \(signed off 72f9db57ac4b…, now 60db1ca29822…\)/,
    );
    assert.match(run.stderr, /page-notes: the release says version 1\.0\.1 but the build ships 1\.0\.0/);
    assert.match(run.stderr, /tab-groups: not in the build's lock file/);
    assert.equal(existsSync(out), false);
  });

  it('refuses old sign-offs once a content script changed without a version bump, for every role', async () => {
    const edited = JSON.parse(readFileSync(LOCK, 'utf8')) as { features: Array<{ id: string; files: Array<{ path: string; sha256: string }> }> };
    const badge = edited.features.find((f) => f.id === 'reading-time')!.files[0]!;
    badge.sha256 = createHash('sha256').update('badge.js, edited after the review').digest('hex');
    const lockPath = join(dir, 'edited.lock.json');
    writeFileSync(lockPath, JSON.stringify(edited));
    const out = join(dir, 'edited-manifest.json');
    const run = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out], {}, lockPath);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused, 3 problems/);
    for (const role of ['security', 'privacy', 'technical']) {
      assert.match(run.stderr, new RegExp(`reading-time: ${role} sign-off was given for other content-script files \\(1 difference\\): features/reading-time/content/badge\\.js differs`));
    }
    assert.equal(existsSync(out), false);
  });

  it('--local-dev publishes unsigned-off features as unreviewed, which beta builds refuse', async () => {
    const release = readRelease(PROBLEMS);
    release.features = release.features.filter((f) => f.id === 'reading-time');
    const releasePath = join(dir, 'local.json');
    writeFileSync(releasePath, JSON.stringify(release));
    const out = join(dir, 'local-manifest.json');
    const run = await runPublish(['--release', releasePath, '--key', key.privateKeyPath, '--out', out, '--local-dev']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning \(local development only\): reading-time: no privacy sign-off/);
    const text = readFileSync(out, 'utf8');
    await assert.rejects(verifyEnvelope(text, { keys: pinned, env: 'beta' }), (e: ManifestRefusedError) => e.reason === 'unreviewed');
    const payload = await verifyEnvelope(text, { keys: pinned, env: 'beta', allowUnreviewed: true });
    assert.equal(payload.unreviewed, true);
  });

  it('refuses a serial far above any plausible next one, and a lifetime over 30 days, writing nothing', async () => {
    const out = join(dir, 'implausible.json');
    const huge = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--serial', String(2 ** 53 - 1)]);
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /serial 9007199254740991 is far above any plausible next serial/);
    const long = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--expires-in', '31']);
    assert.equal(long.code, 2);
    assert.match(long.stderr, /--expires-in "31" must be a positive number of days, at most 30/);
    assert.equal(existsSync(out), false);
  });

  it('refuses a malformed release naming the file and the field', async () => {
    const releasePath = join(dir, 'malformed.json');
    writeFileSync(releasePath, JSON.stringify({ features: [{ id: 'page-notes', version: '1.0.0', rollout: 120 }] }));
    const run = await runPublish(['--release', releasePath, '--key', key.privateKeyPath, '--out', join(dir, 'never.json')]);
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(`${releasePath}:`), run.stderr);
    assert.match(run.stderr, /features\[0\] \(page-notes\)\.rollout: must be a percentage from 0 to 100/);
  });

  describe('with --server', () => {
    let server: Server;
    let origin: string;
    let requests: Array<{ method: string; url: string; authorization?: string; body: string }>;
    let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void;

    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
          answer(req, res, body);
        });
      });
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    beforeEach(() => {
      requests = [];
    });
    after(() => new Promise<void>((closed) => server.close(() => closed())));

    it('uploads past the live serial with the admin token and prints the answer', async () => {
      // The live manifest's serial comes from the server; publish one locally to serve it.
      const live = join(dir, 'live.json');
      const liveSerial = Math.floor(Date.now() / 1000) + 600_000;
      assert.equal((await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', live, '--serial', String(liveSerial)])).code, 0);
      answer = (req, res) => {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(live));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(`{"serial":${liveSerial + 1},"etag":"\\"abc\\""}`);
        }
      };
      const out = join(dir, 'uploaded.json');
      const run = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--server', `${origin}/`], { ADMIN_TOKEN: 'secret-admin' });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), ['GET /v1/manifest', 'PUT /v1/admin/manifest']);
      assert.equal(requests[1]!.authorization, 'Bearer secret-admin');
      const payload = await verifyEnvelope(requests[1]!.body, { keys: pinned, env: 'beta' });
      assert.equal(payload.serial, liveSerial + 1);
      assert.equal(requests[1]!.body, readFileSync(out, 'utf8'));
      assert.ok(run.stdout.includes(`HTTP 200 {"serial":${liveSerial + 1}`), run.stdout);
    });

    it('never follows a redirect with the admin token', async () => {
      const elsewhere: string[] = [];
      const other = createServer((req, res) => {
        elsewhere.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      await new Promise<void>((ready) => other.listen(0, '127.0.0.1', ready));
      const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      try {
        answer = (req, res) => {
          if (req.method === 'GET') res.writeHead(404).end();
          else res.writeHead(307, { location: `${otherOrigin}/v1/admin/manifest` }).end();
        };
        const run = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', join(dir, 'redirected.json'), '--server', origin], { ADMIN_TOKEN: 'secret-admin' });
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stderr, new RegExp(`PUT ${origin}/v1/admin/manifest failed: .*redirect`));
        assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), ['GET /v1/manifest', 'PUT /v1/admin/manifest']);
        assert.deepEqual(elsewhere, [], 'the other origin never saw the token');
      } finally {
        await new Promise<void>((closed) => other.close(() => closed()));
      }
    });

    it('writes no signed file for a serial the server refuses, so no second manifest under it exists', async () => {
      const out = join(dir, 'conflict.json');
      answer = (req, res) => {
        if (req.method === 'GET') res.writeHead(404).end();
        else res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":{"code":"stale_serial","message":"not higher than the current serial"}}');
      };
      const run = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', out, '--server', origin], { ADMIN_TOKEN: 'secret-admin' });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /HTTP 409: stale_serial/);
      assert.deepEqual(requests.map((r) => r.method), ['GET', 'PUT']);
      assert.equal(existsSync(out), false, 'the refused envelope was written to --out');
    });

    it('exits non-zero with the server\'s error code and message when the upload is refused', async () => {
      answer = (req, res) => {
        if (req.method === 'GET') res.writeHead(404).end('{"error":{"code":"no-manifest","message":"nothing published"}}');
        else res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"bad-admin-token","message":"the admin token is not valid"}}');
      };
      const run = await runPublish(['--release', GOOD, '--key', key.privateKeyPath, '--out', join(dir, 'refused-upload.json'), '--server', origin, '--admin-token', 'wrong']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /HTTP 401: bad-admin-token: the admin token is not valid/);
      assert.equal(requests[1]!.authorization, 'Bearer wrong');
    });
  });
});
