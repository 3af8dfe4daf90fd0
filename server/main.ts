/**
 * `npm run server`: starts the beta server from the environment (see
 * readConfig), prints its URL, and closes on SIGTERM or SIGINT: requests in
 * flight get SHUTDOWN_GRACE_MS to finish, then every connection still open is
 * closed, the database is closed and the process exits 0.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import { buildServer } from './app';
import { readWorkerCount, reportListening, runPrimary } from './cluster';
import { readConfig } from './config';
import { openStore } from './store/open-store';
import { runHousekeeping } from './store/retention';

const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

async function startServer(): Promise<void> {
  const { config, adminTokenGenerated } = readConfig();
  const store = await openStore(config);
  const app = await buildServer({ store, config });
  // Expired sessions and usage past its retention go hourly; a failed round (the database busy or away) is retried next hour, never fatal.
  const prune = setInterval(() => {
    runHousekeeping(store, config, Date.now()).catch((error: unknown) => console.warn('beta server: housekeeping failed:', error));
  }, HOUSEKEEPING_INTERVAL_MS);
  prune.unref();

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    clearInterval(prune);
    // A client that never finishes its request must not keep the process alive.
    const deadline = setTimeout(() => {
      console.warn(`beta server: ${signal}: requests still open after ${config.shutdownGraceMs} ms are cut off`);
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    deadline.unref();
    try {
      // Closing the server closes the store too, once the requests in flight are done.
      await app.close();
      clearTimeout(deadline);
      process.exit(0);
    } catch (error) {
      console.error(`beta server: failed to close on ${signal}:`, error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  if (adminTokenGenerated) {
    console.log(`admin token (kept in ${join(config.dataDir, 'admin-token')}, shown once): ${config.adminToken}`);
  }
  if (!reportListening(`http://${host}:${port}`)) console.log(`beta server listening on http://${host}:${port}`);
  // Once at start too: a fleet whose processes restart more often than hourly still keeps its retention.
  runHousekeeping(store, config, Date.now()).catch((error: unknown) => console.warn('beta server: housekeeping failed:', error));
}

function fail(error: unknown): never {
  console.error(`beta server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

// WORKERS=n: this process becomes the primary. The config is read here first, so a bad one fails once, and a
// generated admin token is made (and printed) once: the workers then read the same one from DATA_DIR.
try {
  const workers = cluster.isPrimary ? readWorkerCount(process.env) : 1;
  if (workers > 1) {
    const { config, adminTokenGenerated } = readConfig();
    if (adminTokenGenerated) console.log(`admin token (kept in ${join(config.dataDir, 'admin-token')}, shown once): ${config.adminToken}`);
    runPrimary(workers);
  } else {
    startServer().catch(fail);
  }
} catch (error) {
  fail(error);
}
