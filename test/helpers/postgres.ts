// A real PostgreSQL server for the tests: one cluster per mocha run, made with
// initdb in a temporary folder and started with pg_ctl on a free loopback
// port, stopped by the root hook in test/setup.ts. Each test gets a migrated
// database that no other test is using and that holds no rows.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../../server/store/postgres-store';
import { findFreePort } from './free-port';

const run = promisify(execFile);

export const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found. The server tests run against a real PostgreSQL: ' +
  'install it with `sudo apt-get install -y postgresql` (Debian, Ubuntu), or set POSTGRES_BIN to the folder holding initdb and pg_ctl.';

export interface BinDirLookup {
  env: NodeJS.ProcessEnv;
  /** Folders under /usr/lib/postgresql (one per major version); empty when it does not exist. */
  listVersionDirs: () => string[];
  exists: (path: string) => boolean;
}

const realLookup: BinDirLookup = {
  env: process.env,
  listVersionDirs: () => (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : []),
  exists: existsSync,
};

/**
 * The folder holding initdb and pg_ctl: POSTGRES_BIN, else Debian's newest
 * /usr/lib/postgresql/<version>/bin, else a folder on PATH. Throws INSTALL_HINT
 * when there is none, so a run without PostgreSQL fails instead of skipping.
 */
export function findPostgresBinDir(lookup: BinDirLookup = realLookup): string {
  const hasTools = (dir: string) => lookup.exists(join(dir, 'initdb')) && lookup.exists(join(dir, 'pg_ctl'));
  if (lookup.env.POSTGRES_BIN) {
    if (hasTools(lookup.env.POSTGRES_BIN)) return lookup.env.POSTGRES_BIN;
    throw new Error(`POSTGRES_BIN=${lookup.env.POSTGRES_BIN} holds no initdb and pg_ctl. ${INSTALL_HINT}`);
  }
  const versions = lookup
    .listVersionDirs()
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const candidates = [...versions.map((v) => `/usr/lib/postgresql/${v}/bin`), ...(lookup.env.PATH ?? '').split(delimiter).filter(Boolean)];
  const found = candidates.find(hasTools);
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export interface TestPostgres {
  /** postgres://… of the cluster's maintenance database. */
  adminUrl: string;
  /**
   * A database for one test, migrated and holding no rows, or with no tables at
   * all when `empty`. `release` gives it back: a migrated one is emptied of
   * rows for the next test, an empty one is dropped.
   */
  createDatabase(options?: { empty?: boolean }): Promise<{ url: string; release(): Promise<void> }>;
  stop(): Promise<void>;
}

async function startCluster(): Promise<TestPostgres> {
  const bin = findPostgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'beta-postgres-'));
  // initdb refuses to run as root: as root, the cluster belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('su', ['postgres', '-s', '/bin/sh', '-c', [join(bin, tool), ...args].map(quote).join(' ')])
      : run(join(bin, tool), args);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
  const port = await findFreePort();
  // Durability settings off: a test cluster is thrown away, and they cut each commit's cost.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const stopNow = () => {
    try {
      const args = ['-D', data, '-m', 'immediate', 'stop'];
      if (asRoot) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', [join(bin, 'pg_ctl'), ...args].map(quote).join(' ')], { stdio: 'ignore' });
      else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await exec('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-o', options, 'start']);
  } catch (error) {
    stopNow();
    throw new Error(`PostgreSQL did not start from ${bin} as ${asRoot ? 'postgres' : userInfo().username}: ${(error as Error).message}`);
  }
  // A run that ends without the root hook (an uncaught error, Ctrl-C) still stops the cluster.
  process.once('exit', stopNow);

  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  const admin = new pg.Pool({ connectionString: urlOf('postgres'), max: 2 });
  // The template is migrated once; CREATE DATABASE copies it when no emptied database is free.
  await admin.query('CREATE DATABASE beta_template');
  const template = await openPostgresStore(urlOf('beta_template'));
  await template.close();
  const reader = new pg.Client({ connectionString: urlOf('beta_template') });
  await reader.connect();
  const { rows } = await reader
    .query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version' ORDER BY tablename")
    .finally(() => reader.end());
  // Emptying a database is a few milliseconds; copying one takes 15 ms idle and over 500 ms on a busy machine.
  const emptyAll = rows.map((row: { tablename: string }) => `DELETE FROM ${row.tablename};`).join('\n');
  const free: Array<{ name: string; pool: pg.Pool }> = [];
  const cleaners: pg.Pool[] = [];
  let made = 0;
  return {
    adminUrl: urlOf('postgres'),
    async createDatabase(options = {}) {
      let entry = options.empty ? undefined : free.pop();
      if (!entry) {
        const name = `beta_${process.pid}_${++made}`;
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${options.empty ? 'template0' : 'beta_template'}`);
        if (options.empty) {
          // Not WITH (FORCE): a test that leaves a connection open fails here, after PostgreSQL's 5 s wait, instead of leaking it.
          return { url: urlOf(name), release: async () => void (await admin.query(`DROP DATABASE ${name}`)) };
        }
        entry = { name, pool: new pg.Pool({ connectionString: urlOf(name), max: 1 }) };
        cleaners.push(entry.pool);
      }
      const taken = entry;
      let released = false;
      return {
        url: urlOf(taken.name),
        // Once only: a database handed out twice would let two tests see each other's rows.
        release: async () => {
          if (released) return;
          released = true;
          await taken.pool.query(emptyAll);
          // Services bring their own tables (server/services/*/ migrations): empty those the template lacks too.
          const extra = await taken.pool.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schema_version', 'service_migrations') AND NOT (tablename = ANY($1))",
            [rows.map((row: { tablename: string }) => row.tablename)],
          );
          if (extra.rows.length) await taken.pool.query(extra.rows.map((row: { tablename: string }) => `DELETE FROM "${row.tablename}";`).join('\n'));
          free.push(taken);
        },
      };
    },
    async stop() {
      await Promise.all([admin, ...cleaners].map((pool) => pool.end()));
      process.removeListener('exit', stopNow);
      stopNow();
    },
  };
}

let cluster: Promise<TestPostgres> | undefined;

/** The run's PostgreSQL, started on first use; runs that never ask for it never start it. */
export function getTestPostgres(): Promise<TestPostgres> {
  cluster ??= startCluster();
  return cluster;
}

/** Stops the run's PostgreSQL if it was started (mocha root afterAll hook). */
export async function stopTestPostgres(): Promise<void> {
  if (!cluster) return;
  const started = cluster;
  cluster = undefined;
  await (await started.catch(() => undefined))?.stop();
}
