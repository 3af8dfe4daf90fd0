/**
 * The baselines: bare node:http servers doing the least each request needs,
 * with no framework, so a ratio shows what the beta server adds.
 */
import Database from 'better-sqlite3';
import { createHash, scrypt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { ScryptParams } from '../server/crypto/passwords';

export interface Baseline {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, onClose: () => Promise<void> = async () => {}): Promise<Baseline> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await onClose();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** The same bytes and headers from memory, with a 304 for a matching If-None-Match. */
export function startBareManifest(bytes: Buffer, headers: Record<string, string>): Promise<Baseline> {
  const etag = headers.etag!;
  return listen((req, res) => {
    if (req.headers['if-none-match'] === etag) res.writeHead(304, headers).end();
    else res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length }).end(bytes);
  });
}

/** JSON.parse and one INSERT of the batch id per request, in SQLite (WAL, like the store). */
export function startBareUsageSqlite(file: string): Promise<Baseline> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The store's durability: every commit reaches the disk (server/store/sqlite-store.ts).
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS bare_batches (batch_id TEXT PRIMARY KEY, install_id TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bare_batches (batch_id, install_id) VALUES (?, ?)');
  return listen(
    async (req, res) => {
      const batch = JSON.parse(await readBody(req)) as { batchId: string; installId: string };
      insert.run(batch.batchId, batch.installId);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"recorded"}');
    },
    async () => void db.close(),
  );
}

/** JSON.parse and one INSERT of the batch id per request, in PostgreSQL (a pool of 10, like the store). */
export async function startBarePostgres(url: string, kind: 'usage' | 'account'): Promise<Baseline> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query('CREATE TABLE IF NOT EXISTS bare_batches (batch_id TEXT PRIMARY KEY, install_id TEXT NOT NULL)');
  return listen(
    async (req, res) => {
      if (kind === 'usage') {
        const batch = JSON.parse(await readBody(req)) as { batchId: string; installId: string };
        await pool.query('INSERT INTO bare_batches (batch_id, install_id) VALUES ($1, $2)', [batch.batchId, batch.installId]);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"recorded"}');
        return;
      }
      // The token check at its least: hash the bearer token, one join of session and account.
      const token = (req.headers.authorization ?? '').slice('Bearer '.length);
      const hash = createHash('sha256').update(token, 'utf8').digest('hex');
      const { rows } = await pool.query(
        'SELECT a.email, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1',
        [hash],
      );
      res.writeHead(rows.length ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ email: rows[0]?.email }));
    },
    () => pool.end(),
  );
}

/** One scrypt at the same cost per request, then a token. */
export function startBareLogin(params: ScryptParams): Promise<Baseline> {
  const salt = Buffer.alloc(16, 1);
  const options = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p };
  return listen(async (req, res) => {
    const { password } = JSON.parse(await readBody(req)) as { password: string };
    scrypt(password, salt, 32, options, (error) => {
      res.writeHead(error ? 500 : 201, { 'content-type': 'application/json' }).end('{"token":"x"}');
    });
  });
}
