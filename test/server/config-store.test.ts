import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readConfig } from '../../server/config';
import { MIGRATIONS, migrateDatabase } from '../../server/store/migrations';

describe('beta server: configuration and schema migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'beta-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the environment, generating an admin token once and keeping it', () => {
    const env = { DATA_DIR: dir, PORT: '9999', TERMS_VERSION: '2027-01-01', PUBLIC_KEYS: 'a.public.json, keys', ALLOW_UNREVIEWED: '1', SESSION_TTL_SECONDS: '60' };
    const first = readConfig(env);
    assert.equal(first.adminTokenGenerated, true);
    assert.match(first.config.adminToken, /^[A-Za-z0-9_-]{43}$/);
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

    const defaults = readConfig({ DATA_DIR: dir }).config;
    assert.equal(defaults.port, 8787);
    assert.equal(defaults.termsVersion, '2026-11-01');
    assert.deepEqual(defaults.publicKeyPaths, [join(dir, 'keys')]);
    assert.equal(defaults.allowUnreviewed, false);
    assert.throws(() => readConfig({ DATA_DIR: dir, PORT: 'eighty' }), /PORT/);
  });

  it('migrates once, records the version, and refuses a database from a newer server', () => {
    const db = new Database(join(dir, 'beta.sqlite3'));
    try {
      assert.equal(migrateDatabase(db), MIGRATIONS.length);
      assert.equal(migrateDatabase(db), MIGRATIONS.length);
      const versions = db.prepare('SELECT version FROM schema_version').all();
      assert.deepEqual(versions, MIGRATIONS.map((m) => ({ version: m.version })));
      const next = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'later', sql: 'CREATE TABLE later (id INTEGER)' }];
      assert.equal(migrateDatabase(db, next), MIGRATIONS.length + 1);
      assert.throws(() => migrateDatabase(db), new RegExp(`schema version ${MIGRATIONS.length + 1}, newer`));
    } finally {
      db.close();
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
