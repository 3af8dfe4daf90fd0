/**
 * One load run: autocannon in its own process (never the server's), so the
 * figures measure the server and not a client sharing its event loop.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(__dirname, 'load-child.ts');

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** `[<id>]` in the body becomes a fresh id per request. */
  body?: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Requests answered with the expected status class (2xx, or 304 when asked for). */
  total: number;
  /** Connection errors, timeouts, 4xx and 5xx. */
  errors: number;
}

/**
 * Runs autocannon against `options.url` and reads its JSON result.
 *
 * @example
 *   const { requestsPerSecond, p99 } = await runLoad({ url: 'http://127.0.0.1:8787/v1/manifest', connections: 100, seconds: 8 });
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      const result = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        errors: number;
        timeouts: number;
        '2xx': number;
        '4xx': number;
        '5xx': number;
        non2xx: number;
      };
      resolve({
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        errors: result.errors + result.timeouts + result['4xx'] + result['5xx'],
      });
    });
  });
}
