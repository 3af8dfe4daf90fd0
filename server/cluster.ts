/**
 * `WORKERS=n npm run server`: n server processes on one port (node:cluster).
 * The primary serves nothing: it starts the workers, forwards SIGTERM and
 * SIGINT to them and exits when they have. Workers keep no state of their
 * own (the store holds everything), so any of them may answer any request.
 */
import cluster, { type Worker } from 'node:cluster';

/** Reads WORKERS: unset, empty or 1 means one process and no primary. */
export function readWorkerCount(env: NodeJS.ProcessEnv): number {
  const text = env.WORKERS?.trim();
  if (!text) return 1;
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 1 || count > 256) throw new Error(`environment variable WORKERS must be a whole number from 1 to 256, not "${text}"`);
  return count;
}

/** What a worker tells the primary once it listens. */
export interface ListeningMessage {
  type: 'listening';
  url: string;
}

/** In a worker: tells the primary where it listens; false outside a cluster. */
export function reportListening(url: string): boolean {
  if (!cluster.isWorker || !process.send) return false;
  process.send({ type: 'listening', url } satisfies ListeningMessage);
  return true;
}

/**
 * Starts `count` workers running this same script, prints one line once all
 * listen, and stops them on SIGTERM or SIGINT. A worker that dies before all
 * listen stops the server (its error is in the output); one that dies later
 * is replaced.
 */
export function runPrimary(count: number): void {
  let stopping = false;
  let listening = 0;
  const exits: Array<number | null> = [];
  const start = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: ListeningMessage) => {
      if (message?.type !== 'listening') return;
      listening += 1;
      if (listening === count) {
        const pids = Object.values(cluster.workers ?? {}).map((w) => w!.process.pid);
        console.log(`beta server listening on ${message.url} with ${count} processes (pids ${pids.join(', ')})`);
      }
    });
    return worker;
  };
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  cluster.on('exit', (worker, code, signal) => {
    exits.push(code);
    if (!stopping && listening >= count) {
      console.warn(`beta server: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      listening -= 1;
      start();
      return;
    }
    if (!stopping) stop('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exits.every((c) => c === 0) && listening >= count ? 0 : 1);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i += 1) start();
}
