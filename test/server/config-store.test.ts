import { strict as assert } from 'node:assert';
import { sql, type Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readConfig } from '../../server/config';
import { MIGRATIONS, migrateDatabase } from '../../server/store/migrations';
import { openPostgresDatabase } from '../../server/store/postgres-store';
import type { BetaTables, StoreDialect } from '../../server/store/schema';
import { openSqliteDatabase } from '../../server/store/sqlite-store';
import { getTestPostgres } from '../helpers/postgres';
import { describeEachStore } from './helpers';
import { useTempDir } from '../helpers/temp-dir';

/** A database with no tables yet, on either store. */
async function openEmptyDatabase(store: StoreDialect): Promise<{ db: Kysely<BetaTables>; cleanup: () => Promise<void> }> {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'beta-migrate-'));
    const db = openSqliteDatabase(join(dir, 'beta.sqlite3'));
    return { db, cleanup: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
  }
  const database = await (await getTestPostgres()).createDatabase({ empty: true });
  const db = openPostgresDatabase(database.url);
  return { db, cleanup: async () => (await db.destroy(), await database.release()) };
}

describe('beta server: configuration', () => {
  const dir = useTempDir('beta-config-');

  it('reads the environment, generating an admin token once and keeping it', () => {
    const env = { DATA_DIR: dir(), PORT: '9999', TERMS_VERSION: '2027-01-01', PUBLIC_KEYS: 'a.public.json, keys', ALLOW_UNREVIEWED: '1', SESSION_TTL_SECONDS: '60' };
    const first = readConfig(env);
    assert.equal(first.adminTokenGenerated, true);
    assert.match(first.config.adminToken, /^[0-9a-f]{64}$/, 'a 256-bit token that can never read as a command-line option');
    const second = readConfig(env);
    assert.equal(second.adminTokenGenerated, false);
    assert.equal(second.config.adminToken, first.config.adminToken);
    assert.equal(second.config.port, 9999);
    assert.equal(second.config.host, '127.0.0.1');
    assert.equal(second.config.termsVersion, '2027-01-01');
    assert.deepEqual(second.config.publicKeyPaths, [resolve('a.public.json'), resolve('keys')]);
    assert.equal(second.config.allowUnreviewed, true);
    assert.equal(second.config.sessionTtlMs, 60_000);
    assert.equal(readConfig({ ...env, ADMIN_TOKEN: 'given' }).config.adminToken, 'given');

    const defaults = readConfig({ DATA_DIR: dir() }).config;
    assert.equal(defaults.port, 8787);
    assert.equal(defaults.termsVersion, '2026-11-01');
    assert.deepEqual(defaults.publicKeyPaths, [join(dir(), 'keys')]);
    assert.equal(defaults.allowUnreviewed, false);
    assert.throws(() => readConfig({ DATA_DIR: dir(), PORT: 'eighty' }), /PORT/);
  });

  it('reads the store and the usage retention from DATABASE_URL and USAGE_RETENTION_DAYS', () => {
    const defaults = readConfig({ DATA_DIR: dir() }).config;
    assert.equal(defaults.databaseUrl, undefined);
    assert.equal(defaults.usageRetentionDays, 400);
    const postgres = readConfig({ DATA_DIR: dir(), DATABASE_URL: 'postgres://beta@db.internal:5432/beta', USAGE_RETENTION_DAYS: '30' }).config;
    assert.equal(postgres.databaseUrl, 'postgres://beta@db.internal:5432/beta');
    assert.equal(postgres.usageRetentionDays, 30);
    assert.equal(readConfig({ DATA_DIR: dir(), DATABASE_URL: ' ' }).config.databaseUrl, undefined);
    assert.throws(() => readConfig({ DATA_DIR: dir(), DATABASE_URL: 'mysql://beta:secret@db/beta' }), /DATABASE_URL must start with postgres:\/\//);
    assert.throws(() => readConfig({ DATA_DIR: dir(), DATABASE_URL: 'mysql://beta:secret@db/beta' }), (error: Error) => !error.message.includes('secret'));
    assert.throws(() => readConfig({ DATA_DIR: dir(), USAGE_RETENTION_DAYS: '0' }), /USAGE_RETENTION_DAYS must be at least 1/);
    assert.throws(() => readConfig({ DATA_DIR: dir(), USAGE_RETENTION_DAYS: 'forever' }), /USAGE_RETENTION_DAYS/);
  });
});

describeEachStore('beta server: schema migrations', (store) => {
  let db: Kysely<BetaTables>;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ db, cleanup } = await openEmptyDatabase(store));
  });
  afterEach(async () => cleanup());

  it('migrates once, records the version, and refuses a database from a newer server', async () => {
    assert.equal(await migrateDatabase(db, store), MIGRATIONS.length);
    assert.equal(await migrateDatabase(db, store), MIGRATIONS.length);
    const versions = await db.selectFrom('schema_version').select('version').orderBy('version').execute();
    assert.deepEqual(versions, MIGRATIONS.map((m) => ({ version: m.version })));
    const later = { version: MIGRATIONS.length + 1, name: 'later', sqlite: 'CREATE TABLE later (id INTEGER)', postgres: 'CREATE TABLE later (id INTEGER)' };
    assert.equal(await migrateDatabase(db, store, [...MIGRATIONS, later]), MIGRATIONS.length + 1);
    await assert.rejects(migrateDatabase(db, store), new RegExp(`schema version ${MIGRATIONS.length + 1}, newer`));
  });

  it('applies a migration whole or not at all', async () => {
    await migrateDatabase(db, store);
    const broken = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      sqlite: 'CREATE TABLE half (id INTEGER);\nCREATE TABLE accounts (id INTEGER);',
      postgres: 'CREATE TABLE half (id INTEGER);\nCREATE TABLE accounts (id INTEGER);',
    };
    await assert.rejects(migrateDatabase(db, store, [...MIGRATIONS, broken]), /accounts/);
    assert.equal(await migrateDatabase(db, store), MIGRATIONS.length, 'the failed version is not recorded');
    await assert.rejects(sql`SELECT 1 FROM half`.execute(db), /half/);
  });
});

describe('beta server: migrations on one PostgreSQL from several processes', () => {
  it('migrates once when several servers start at the same time', async () => {
    const database = await (await getTestPostgres()).createDatabase({ empty: true });
    const pools = Array.from({ length: 4 }, () => openPostgresDatabase(database.url));
    try {
      const versions = await Promise.all(pools.map((db) => migrateDatabase(db, 'postgres')));
      assert.deepEqual(versions, pools.map(() => MIGRATIONS.length));
      const recorded = await pools[0]!.selectFrom('schema_version').select('version').orderBy('version').execute();
      assert.deepEqual(recorded, MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      await Promise.all(pools.map((db) => db.destroy()));
      await database.release();
    }
  });
});

describe('beta server: TRUST_PROXY', () => {
  it('trusts no proxy by default, a number of hops, or given addresses, and refuses "true"', async () => {
    const { parseTrustProxy } = await import('../../server/config');
    assert.equal(parseTrustProxy(undefined), false);
    assert.equal(parseTrustProxy('0'), false);
    assert.equal(parseTrustProxy('1'), 1);
    assert.equal(parseTrustProxy('10.0.0.0/8, 127.0.0.1'), '10.0.0.0/8, 127.0.0.1');
    assert.throws(() => parseTrustProxy('true'), /any client could choose its address|TRUST_PROXY=true/);
  });
});
