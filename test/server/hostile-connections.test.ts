// Clients that never finish, trickle, or upload to admin routes without a
// token, over real sockets against the real server on loopback.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { createConfig } from '../../server/config';
import { startTestServer, type TestServer } from './helpers';

interface RawExchange {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
}

function openRaw(url: string): Promise<RawExchange> {
  const { port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      const closed = new Promise<string>((settle) => socket.on('close', () => settle(received)));
      // A reset after the reply is how a refused upload may end; what was received is what counts.
      socket.on('error', () => {});
      done({ socket, closed });
    });
    socket.once('error', fail);
  });
}

function parseReply(text: string): { status: number; headers: string; body: any } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: body ? JSON.parse(body) : undefined };
}

describe('beta server: hostile connections', function () {
  this.timeout(60_000);
  let server: TestServer;
  afterEach(async () => server?.close());

  it('gives 408 to a chunked body that never ends, after the body deadline', async () => {
    server = await startTestServer({ requestTimeoutMs: 1500, headersTimeoutMs: 1000 });
    const { socket, closed } = await openRaw(server.url);
    const started = Date.now();
    socket.write('POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n');
    const reply = parseReply(await closed);
    const elapsed = Date.now() - started;
    assert.equal(reply.status, 408);
    assert.equal(reply.body.error.code, 'request_timeout');
    assert.match(reply.headers, /connection: close/);
    assert.ok(elapsed >= 1400, `the body had its ${1500} ms (answered after ${elapsed} ms)`);
  });

  it('gives 408 to headers that trickle in, after the headers deadline', async () => {
    server = await startTestServer({ requestTimeoutMs: 60_000, headersTimeoutMs: 1000 });
    const { socket, closed } = await openRaw(server.url);
    const started = Date.now();
    socket.write('GET /v1/terms HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    try {
      const reply = parseReply(await closed);
      assert.equal(reply.status, 408);
      assert.equal(reply.body.error.code, 'request_timeout');
      assert.ok(Date.now() - started >= 900, 'the headers had their deadline');
    } finally {
      clearInterval(trickle);
    }
  });

  it('defaults to 30 s for a request and 15 s for its headers', async () => {
    const defaults = createConfig();
    assert.equal(defaults.requestTimeoutMs, 30_000);
    assert.equal(defaults.headersTimeoutMs, 15_000);
    server = await startTestServer({ requestTimeoutMs: defaults.requestTimeoutMs, headersTimeoutMs: defaults.headersTimeoutMs });
    assert.equal(server.app.server.requestTimeout, 30_000);
    assert.equal(server.app.server.headersTimeout, 15_000);
  });

  for (const [method, path] of [['PUT', '/v1/admin/manifest'], ['GET', '/v1/admin/report']] as const) {
    it(`answers 401 to a stranger's upload to ${method} ${path} and closes without reading it`, async () => {
      server = await startTestServer();
      const { socket, closed } = await openRaw(server.url);
      const total = 100 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
      let sent = 0;
      const pump = setInterval(() => {
        if (!socket.writable || sent >= total) return;
        sent += chunk.length;
        socket.write(chunk);
      }, 5);
      try {
        const reply = parseReply(await closed);
        assert.equal(reply.status, 401);
        assert.equal(reply.body.error.code, 'admin_token_required');
        assert.match(reply.headers, /connection: close/);
        assert.ok(sent < total / 4, `the connection closed after ${sent} of ${total} bytes`);
      } finally {
        clearInterval(pump);
      }
    });
  }
});
