/**
 * A published document (the signed manifest; key documents alike) kept in
 * memory and answered ahead of fastify: no database read, no async hook per
 * request. Every process stays current without reading per request: it checks
 * the stored version at most once per `checkIntervalMs`, at once when the
 * database announces a publication (PostgreSQL NOTIFY), and at once after its
 * own publish.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ServedDocument {
  /** Rises with every publication; the cheap check compares only this. */
  version: number;
  bytes: Buffer;
  /** A strong ETag of the bytes. */
  etag: string;
  publishedAt: number;
}

export interface DocumentSource {
  readVersion(): Promise<number | undefined>;
  readDocument(): Promise<ServedDocument | undefined>;
  /** Where the database announces publications; resolves with a function that stops listening. */
  watch?(onPublished: () => void): Promise<() => Promise<void>>;
}

export interface DocumentCache {
  /** The document as last read; undefined before anything is published. */
  current(): ServedDocument | undefined;
  /** Re-reads the document if its version moved; concurrent calls share one read. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Loads the document and keeps it current.
 *
 * @example
 *   const cache = await openDocumentCache(manifestSource(store), { checkIntervalMs: 1000 });
 */
export async function openDocumentCache(
  source: DocumentSource,
  options: { checkIntervalMs: number; onError?: (error: unknown) => void },
): Promise<DocumentCache> {
  let document = await source.readDocument();
  let running: Promise<void> | undefined;
  let again = false;
  const onError = options.onError ?? ((error: unknown) => console.warn('beta server: cannot refresh a served document:', error));

  const readIfMoved = async (): Promise<void> => {
    const version = await source.readVersion();
    if (version === document?.version) return;
    const next = await source.readDocument();
    // A slower read never replaces a newer copy.
    if (next && (!document || next.version > document.version)) document = next;
  };
  const refresh = (): Promise<void> => {
    if (running) {
      // A publication announced mid-read may not be in that read: read once more after it.
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await readIfMoved();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const refreshQuietly = () => void refresh().catch(onError);

  const timer = setInterval(refreshQuietly, options.checkIntervalMs);
  timer.unref();
  const stopWatching = source.watch ? await source.watch(refreshQuietly) : undefined;
  return {
    current: () => document,
    refresh,
    async close() {
      clearInterval(timer);
      await stopWatching?.();
      await running?.catch(() => undefined);
    },
  };
}

/** RFC 9110 If-None-Match: a list of tags (weak comparison) or "*". */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export interface MemoryRoute {
  path: string;
  cache: DocumentCache;
  /** Headers every answer carries (Cache-Control, CORS). */
  headers: Record<string, string>;
}

/**
 * A node:http request listener step: answers GET and HEAD of a route whose
 * document is in memory and returns true; anything else (another path or
 * method, nothing published yet) returns false for fastify to answer.
 */
export function createMemoryResponder(routes: readonly MemoryRoute[], isClosing: () => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  const byPath = new Map(routes.map((route) => [route.path, route]));
  // Headers are built once per document, not per request.
  const built = new WeakMap<ServedDocument, { ok: Record<string, string | number>; notModified: Record<string, string> }>();
  const headersFor = (route: MemoryRoute, document: ServedDocument) => {
    let entry = built.get(document);
    if (!entry) {
      const common = { ...route.headers, etag: document.etag, 'last-modified': new Date(document.publishedAt).toUTCString() };
      entry = { ok: { ...common, 'content-type': 'application/json; charset=utf-8', 'content-length': document.bytes.length }, notModified: common };
      built.set(document, entry);
    }
    return entry;
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    let path = query === -1 ? url : url.slice(0, query);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const route = byPath.get(path);
    const document = route?.cache.current();
    if (!route || !document) return false;
    const headers = headersFor(route, document);
    if (isClosing()) res.setHeader('connection', 'close');
    if (matchesIfNoneMatch(req.headers['if-none-match'], document.etag)) {
      res.writeHead(304, headers.notModified).end();
    } else if (req.method === 'HEAD') {
      res.writeHead(200, headers.ok).end();
    } else {
      res.writeHead(200, headers.ok).end(document.bytes);
    }
    return true;
  };
}
