// Starts `server/main.ts` as a real child process with the environment given,
// and waits for the line that says where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export interface RunningProcess {
  child: ChildProcess;
  url: string;
  /** The whole line that announced the URL. */
  line: string;
  output: string[];
  exited: Promise<number | null>;
  /** SIGKILLs it if it still runs, and waits for it to go. */
  kill(): Promise<void>;
}

export function startServerProcess(env: Record<string, string>): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ADMIN_TOKEN: '', DATABASE_URL: '', WORKERS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((done, fail) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match) done({ child, url: match[1]!, line, output, exited, kill });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => fail(new Error(`server exited (${code}) before listening: ${output.join('\n')}`)));
  });
}

/**
 * Resolves with the first line the process prints (stdout or stderr) from now
 * on that matches, as soon as it is printed; rejects if the process exits first.
 */
export function waitForOutput(running: RunningProcess, pattern: RegExp): Promise<string> {
  const from = running.output.length;
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = running.output.slice(from).find((candidate) => pattern.test(candidate));
      if (line === undefined) return;
      running.child.stdout!.off('data', check);
      running.child.stderr!.off('data', check);
      resolve(line);
    };
    // Registered after startServerProcess's own listeners, so the chunk is already split into lines.
    running.child.stdout!.on('data', check);
    running.child.stderr!.on('data', check);
    void running.exited.then((code) => reject(new Error(`the server exited (${code}) before printing ${pattern}: ${running.output.join('\n')}`)));
    check();
  });
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The answer parsed as JSON; undefined when it is empty or not JSON. */
  body: any;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (a signed envelope, broken JSON), as JSON unless a content-type header says otherwise. */
  raw?: string | Uint8Array;
  /** Sent as the bearer token. */
  token?: string;
  headers?: Record<string, string>;
}

/** One request to a beta server over real HTTP, as an add-on or the publish tool makes it. */
export async function callServer(url: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.body !== undefined ? JSON.stringify(options.body) : options.raw;
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}
