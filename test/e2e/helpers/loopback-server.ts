/**
 * A small HTTP server on 127.0.0.1 for end-to-end tests: serves the current
 * signed manifest and key document (with an ETag) and a few web pages for features to act on.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  origin: string;
  /** Replace the manifest served at /v1/manifest (null: 404). */
  setManifest(envelopeText: string | null): void;
  /** Replace the key document served at /v1/keys (null: 404). */
  setKeys(envelopeText: string | null): void;
  /** How many times /v1/manifest was asked for. */
  manifestRequests(): number;
  close(): Promise<void>;
}

const ARTICLE_TEXT = Array.from(
  { length: 120 },
  (_, i) => `Paragraph ${i + 1} of a long article about restartless features, signed manifests and careful rollouts.`,
).join(' ');

export const PAGES: Record<string, string> = {
  '/article.html': `<!doctype html><html><head><meta charset="utf-8"><title>An article</title></head><body><article><h1>An article</h1><p>${ARTICLE_TEXT}</p></article></body></html>`,
  '/short.html': '<!doctype html><html><head><meta charset="utf-8"><title>Short</title></head><body><p>Just a few words.</p></body></html>',
};

export async function startLoopbackServer(): Promise<LoopbackServer> {
  let manifest: string | null = null;
  let keys: string | null = null;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/v1/keys' || path === '/v1/manifest') {
      const document = path === '/v1/keys' ? keys : manifest;
      if (path === '/v1/manifest') requests++;
      if (document === null) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"no_manifest","message":"nothing published"}}');
        return;
      }
      const etag = `"${createHash('sha256').update(document).digest('hex').slice(0, 32)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag, 'cache-control': 'no-cache' }).end(document);
      return;
    }
    const page = PAGES[path];
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    setManifest(text) {
      manifest = text;
    },
    setKeys(text) {
      keys = text;
    },
    manifestRequests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
