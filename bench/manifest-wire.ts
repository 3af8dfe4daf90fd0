/**
 * `npm run bench` (kill-switch cost): the bytes one manifest check puts on
 * the wire, request and response headers included, against the real beta
 * server over loopback, and what polling every 15 minutes costs an install
 * per day. An unchanged manifest is a 304 without a body; the baseline is the
 * full 200 the same check would cost without If-None-Match.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLL_INTERVAL_MINUTES } from '../protocol/manifest-schema';
import { buildServer } from '../server/app';
import { createConfig, getDatabasePath } from '../server/config';
import { openSqliteStore } from '../server/store/sqlite-store';
import { makeEntry, makeManifestPayload } from '../test/helpers/manifests';
import { createSigningKey, signPayload } from '../test/helpers/signing';
import { runBench } from './run-bench';

const ADMIN = 'bench-admin-token-0123456789';
/** The headers Firefox's fetch() sends from an add-on's event page, close enough to count bytes. */
const FIREFOX_HEADERS = [
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Accept: application/json',
  'Accept-Language: en-US,en;q=0.5',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Sec-Fetch-Dest: empty',
  'Sec-Fetch-Mode: cors',
  'Sec-Fetch-Site: cross-site',
  'Cache-Control: no-cache',
  'Pragma: no-cache',
];

/** One HTTP/1.1 exchange on a raw socket: the exact bytes each way. */
function exchange(port: number, request: string): Promise<{ sent: number; received: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks);
      resolve({ sent: Buffer.byteLength(request), received: response.length, head: response.toString('latin1').split('\r\n\r\n')[0]! });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-bench-wire-'));
  const key = await createSigningKey('bench');
  const app = await buildServer({
    store: await openSqliteStore(getDatabasePath(dir)),
    config: createConfig({ dataDir: dir, adminToken: ADMIN }),
    loadPublicKeys: () => [key.pinned],
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const origin = `http://127.0.0.1:${port}`;
    const features = Array.from({ length: 20 }, (_, i) => makeEntry(`feature-${String(i).padStart(2, '0')}`, '1.0.0', 'a'.repeat(64)));
    const published = await fetch(`${origin}/v1/admin/manifest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: await signPayload(makeManifestPayload({ features }, Date.now(), 1), key),
    });
    if (!published.ok) throw new Error(`publishing failed: ${published.status} ${await published.text()}`);
    const etag = (await fetch(`${origin}/v1/manifest`)).headers.get('etag')!;

    const request = (extra: string[]) =>
      ['GET /v1/manifest HTTP/1.1', 'Host: beta.services.example.org', ...FIREFOX_HEADERS, ...extra, 'Connection: close', '', ''].join('\r\n');
    const full = await exchange(port, request([]));
    const revalidated = await exchange(port, request([`If-None-Match: ${etag}`]));
    if (!revalidated.head.startsWith('HTTP/1.1 304')) throw new Error(`expected a 304, got ${revalidated.head.split('\r\n')[0]}`);
    const bodyBytes = revalidated.received - revalidated.head.length - 4;
    if (bodyBytes !== 0) throw new Error(`the 304 carries ${bodyBytes} body bytes`);

    const perDay = (24 * 60) / DEFAULT_POLL_INTERVAL_MINUTES;
    const bytes = (exchange: { sent: number; received: number }) => exchange.sent + exchange.received;
    console.log(`Manifest check on the wire (HTTP/1.1, headers included, 20-feature manifest), polling every ${DEFAULT_POLL_INTERVAL_MINUTES} min = ${perDay} checks/day`);
    console.log(
      `${'unchanged manifest: 304, no body'.padEnd(52)} ${String(bytes(revalidated)).padStart(6)} B/check (${revalidated.sent} up, ${revalidated.received} down)` +
        `  baseline 200 ${bytes(full)} B  ratio ${(bytes(revalidated) / bytes(full)).toFixed(3)}×`,
    );
    console.log(`${'per install per day, manifest unchanged'.padEnd(52)} ${(bytes(revalidated) * perDay / 1024).toFixed(1).padStart(6)} KiB/day (without If-None-Match: ${((bytes(full) * perDay) / 1024).toFixed(0)} KiB/day)`);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
