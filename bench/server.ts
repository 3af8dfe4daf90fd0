/**
 * The beta server's hot paths over loopback HTTP, as ratios against a bare
 * node:http server doing the least the same request needs, run in the same
 * process with the same client. At 500k users polling hourly the manifest
 * route takes ~140 requests/s on average; usage batches ~25/s.
 *
 *  - GET /v1/manifest (200 with the stored bytes) vs a bare server sending
 *    the same bytes with an ETag;
 *  - GET /v1/manifest with If-None-Match (304) vs a bare 304;
 *  - POST /v1/usage (validated, deduplicated, written to SQLite in a
 *    transaction) vs a bare server that parses the JSON and answers 200.
 *
 * Bounded: a fixed number of requests per case, loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../server/app';
import { createConfig, getDatabasePath } from '../server/config';
import { openSqliteStore } from '../server/store/sqlite-store';
import { makeManifestPayload } from '../test/helpers/manifests';
import { createSigningKey, signPayload } from '../test/helpers/signing';

const REQUESTS = 1500;
const CONCURRENCY = 16;
const ADMIN = 'bench-admin-token-0123456789';

async function runLoad(count: number, send: (i: number) => Promise<Response>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const response = await send(next++);
        await response.arrayBuffer();
        if (response.status >= 400) throw new Error(`request failed with ${response.status}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function report(name: string, subject: number, baseline: number): void {
  const perSecond = (ms: number) => Math.round((REQUESTS / ms) * 1000);
  console.log(
    `${name.padEnd(44)} ${String(perSecond(subject)).padStart(6)} req/s  baseline ${String(perSecond(baseline)).padStart(6)} req/s  time ratio ${(subject / baseline).toFixed(2)}×`,
  );
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-bench-'));
  const key = await createSigningKey('bench');
  const store = await openSqliteStore(getDatabasePath(dir));
  const app = await buildServer({
    store,
    config: createConfig({ dataDir: dir, adminToken: ADMIN }),
    loadPublicKeys: () => [key.pinned],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const envelope = await signPayload(makeManifestPayload({}, Date.now(), 1), key);
  const published = await fetch(`${origin}/v1/admin/manifest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: envelope,
  });
  if (!published.ok) throw new Error(`publishing failed: ${published.status} ${await published.text()}`);
  const etag = published.headers.get('etag') ?? (await fetch(`${origin}/v1/manifest`)).headers.get('etag')!;

  const bare = createServer((req, res) => {
    if (req.method === 'GET') {
      if (req.headers['if-none-match'] === etag) res.writeHead(304, { etag }).end();
      else res.writeHead(200, { 'content-type': 'application/json', etag }).end(envelope);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"recorded"}');
    });
  });
  const bareOrigin = await listen(bare);

  const usageBody = (i: number, prefix: string) =>
    JSON.stringify({
      batchId: `${prefix}-${i}`,
      installId: `install-${i % 500}`,
      counts: Array.from({ length: 10 }, (_, k) => ({ day: '2026-11-25', featureId: 'reading-time', event: `event-${k}`, count: 1 + k })),
    });
  const post = (base: string, prefix: string) => (i: number) =>
    fetch(`${base}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: usageBody(i, prefix) });

  console.log(`Beta server benchmarks (${REQUESTS} requests per case, ${CONCURRENCY} at a time, loopback)`);
  // Warm both servers and the client's connection pool first.
  await runLoad(200, () => fetch(`${origin}/v1/manifest`));
  await runLoad(200, () => fetch(`${bareOrigin}/v1/manifest`));

  report('GET /v1/manifest (200, stored bytes)', await runLoad(REQUESTS, () => fetch(`${origin}/v1/manifest`)), await runLoad(REQUESTS, () => fetch(`${bareOrigin}/v1/manifest`)));
  const revalidate = (base: string) => () => fetch(`${base}/v1/manifest`, { headers: { 'if-none-match': etag } });
  report('GET /v1/manifest (304, If-None-Match)', await runLoad(REQUESTS, revalidate(origin)), await runLoad(REQUESTS, revalidate(bareOrigin)));
  report('POST /v1/usage (10 counts, SQLite)', await runLoad(REQUESTS, post(origin, 'a')), await runLoad(REQUESTS, post(bareOrigin, 'b')));

  await app.close();
  await store.close();
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
