/**
 * `npm run server`: starts the beta server from the environment (see
 * readConfig), prints its URL, and closes cleanly on SIGTERM or SIGINT:
 * requests in flight finish, then the database is closed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from './app';
import { readConfig } from './config';
import { openStore } from './store/open-store';
import { runHousekeeping } from './store/retention';

const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

async function startServer(): Promise<void> {
  const { config, adminTokenGenerated } = readConfig();
  const store = await openStore(config);
  const app = await buildServer({ store, config });
  for (const kind of ['terms', 'privacy'] as const) {
    const version = kind === 'terms' ? config.termsVersion : config.privacyVersion;
    if (!existsSync(join(config.termsDir, `${kind}-${version}.html`))) {
      console.warn(`warning: no ${kind} text for version ${version} in ${config.termsDir}`);
    }
  }
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
  // Once at start too: a fleet whose processes restart more often than hourly still keeps its retention.
  runHousekeeping(store, config, Date.now()).catch((error: unknown) => console.warn('beta server: housekeeping failed:', error));
}

startServer().catch((error: unknown) => {
  console.error(`beta server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
