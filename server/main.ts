/**
 * `npm run server`: starts the beta server from the environment (see
 * readConfig), prints its URL, and closes cleanly on SIGTERM or SIGINT:
 * requests in flight finish, then the database is closed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from './app';
import { getDatabasePath, readConfig } from './config';
import { openSqliteStore } from './store/sqlite-store';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

async function startServer(): Promise<void> {
  const { config, adminTokenGenerated } = readConfig();
  const store = openSqliteStore(getDatabasePath(config.dataDir));
  const app = await buildServer({ store, config });
  for (const kind of ['terms', 'privacy'] as const) {
    const version = kind === 'terms' ? config.termsVersion : config.privacyVersion;
    if (!existsSync(join(config.termsDir, `${kind}-${version}.html`))) {
      console.warn(`warning: no ${kind} text for version ${version} in ${config.termsDir}`);
    }
  }
  // A failed prune (the database busy with another process) is retried next hour, never fatal.
  const prune = setInterval(() => {
    store.pruneExpired(Date.now()).catch((error: unknown) => console.warn('beta server: pruning expired sessions failed:', error));
  }, PRUNE_INTERVAL_MS);
  prune.unref();

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    clearInterval(prune);
    try {
      await app.close();
      await store.close();
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
  console.log(`beta server listening on http://${host}:${port}`);
}

startServer().catch((error: unknown) => {
  console.error(`beta server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
