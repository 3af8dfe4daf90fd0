/**
 * The BetaStore on PostgreSQL (node-postgres pool), for several stateless
 * server processes sharing one database. Same queries as SQLite (kysely-store.ts).
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createKyselyStore, KEY_DOCUMENT_CHANNEL, MANIFEST_CHANNEL } from './kysely-store';
import { migrateOrClose } from './migrations';
import { RefuseNulPlugin } from './refuse-nul';
import type { BetaTables } from './schema';
import type { BetaStore } from './store';

export interface PostgresStoreOptions {
  /** Connections this process keeps open at most (pg's default: 10). */
  poolSize?: number;
  /** An idle connection that fails (the database restarted) is reported here, not thrown. */
  onPoolError?: (error: Error) => void;
}

const INT8 = 20;

/** BIGINT columns hold milliseconds and ids, far below 2^53: numbers, like on SQLite. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/** Says what is wrong with a DATABASE_URL, or nothing when it names a PostgreSQL database. */
export function findDatabaseUrlProblem(url: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(url)) return `DATABASE_URL must start with postgres:// or postgresql://, not "${url.replace(/:[^:@/]*@/, ':…@')}"`;
  if (!URL.canParse(url)) return 'DATABASE_URL is not a valid URL';
  return undefined;
}

/**
 * Opens a pool to `url` as Kysely; not yet migrated.
 *
 * @example
 *   const db = openPostgresDatabase('postgres://beta@db.internal/beta');
 */
export function openPostgresDatabase(url: string, options: PostgresStoreOptions = {}): Kysely<BetaTables> {
  const problem = findDatabaseUrlProblem(url);
  if (problem) throw new Error(problem);
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: typeParsers });
  pool.on('error', options.onPoolError ?? ((error) => console.warn(`beta store: an idle PostgreSQL connection failed: ${error.message}`)));
  return new Kysely<BetaTables>({ dialect: new PostgresDialect({ pool }), plugins: [new RefuseNulPlugin()] });
}

/**
 * Opens the PostgreSQL store at `url` and migrates it; several processes may do so at once.
 *
 * @example
 *   const store = await openPostgresStore(process.env.DATABASE_URL!);
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<BetaStore> {
  const db = openPostgresDatabase(url, options);
  await migrateOrClose(db, 'postgres').catch((error: Error) => {
    throw new Error(`cannot open the PostgreSQL database: ${error.message}`);
  });
  const store = createKyselyStore(db, 'postgres');
  return {
    ...store,
    watchManifest: (onPublished) => listenForPublications(url, MANIFEST_CHANNEL, onPublished),
    watchKeyDocument: (onPublished) => listenForPublications(url, KEY_DOCUMENT_CHANNEL, onPublished),
  };
}

/**
 * LISTENs for published manifests (or key documents) on a dedicated connection (a pooled one
 * would drop the LISTEN when returned). A lost connection is reported and
 * re-opened after a second; callers keep their own periodic check as well.
 */
async function listenForPublications(url: string, channel: string, onPublished: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reconnectLater = (): void => {
    if (stopped) return;
    retry = setTimeout(() => {
      connect().catch((error: Error) => {
        console.warn(`beta store: cannot listen on ${channel}: ${error.message}`);
        reconnectLater();
      });
    }, 1000).unref();
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', () => onPublished());
    next.on('error', (error) => {
      console.warn(`beta store: the connection listening on ${channel} failed: ${error.message}`);
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      reconnectLater();
    });
    await next.connect();
    await next.query(`LISTEN ${channel}`);
    if (stopped) return void (await next.end());
    client = next;
    // Anything published while no connection listened is picked up now.
    onPublished();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end();
  };
}
