// `npm run server` as a user runs it: SIGTERM to the npm process stops the
// server within its grace period even when a client never finishes a request;
// the server refuses to start without the text of its current terms.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function waitForText(socket: Socket, text: string): Promise<void> {
  let received = '';
  return new Promise((done, fail) => {
    const onData = (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes(text)) {
        socket.off('data', onData);
        done();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => fail(new Error(`closed before "${text}"; received: ${received}`)));
  });
}

function isRefused(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = connect({ host: '127.0.0.1', port }, () => {
      probe.destroy();
      done(false);
    });
    probe.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

describe('beta server: process start and shutdown', function () {
  this.timeout(90_000);
  let dataDir: string;
  let started: ChildProcess | undefined;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'beta-shutdown-'))));
  afterEach(() => {
    // A failed test must not leave a server behind: its process group holds npm and node (none left when it passed).
    try {
      if (started?.pid) process.kill(-started.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is gone.
    }
    started = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM to `npm run server` cuts off an unfinished request after the grace period and exits 0', async () => {
    const npm = spawn('npm', ['run', '--silent', 'server'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN: 'shutdown-test-token', SHUTDOWN_GRACE_MS: '1000', REQUEST_TIMEOUT_MS: '600000', HEADERS_TIMEOUT_MS: '600000' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started = npm;
    const exited = new Promise<number | null>((done) => npm.on('exit', (code) => done(code)));
    let output = '';
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await new Promise<number>((done, fail) => {
      npm.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match) done(Number(match[1]));
      });
      void exited.then((code) => fail(new Error(`npm run server exited (${code}): ${output}`)));
    });

    // 100-continue shows the server has read the headers: the request is in flight, not a connection waiting to be accepted.
    const client = connect({ host: '127.0.0.1', port });
    client.on('error', () => {});
    const clientClosed = new Promise<void>((done) => client.on('close', () => done()));
    const continued = waitForText(client, '100 Continue');
    client.write('POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n');
    await continued;
    client.write('5\r\n{"a":\r\n');

    const signalled = Date.now();
    npm.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    await clientClosed;
    const took = Date.now() - signalled;
    assert.ok(took >= 900, `the request had its grace period (the server stopped after ${took} ms)`);
    assert.equal(await isRefused(port), true, 'no server process is left listening');
  });

  for (const variable of ['TERMS_VERSION', 'PRIVACY_VERSION']) {
    it(`refuses to start when the text for ${variable} is missing`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN: 'terms-test-token', [variable]: '2099-01-01' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => done(exitCode)));
      assert.notEqual(code, 0, output);
      assert.doesNotMatch(output, /listening/);
      const file = variable === 'TERMS_VERSION' ? 'terms-2099-01-01.html' : 'privacy-2099-01-01.html';
      assert.match(output, new RegExp(`failed to start: .*${variable}: \\S+${file.replace(/\./g, '\\.')}`));
    });
  }
});
