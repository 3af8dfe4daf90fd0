// The test run's own PostgreSQL: where it looks for the server binaries, and
// that a machine without them fails the run saying how to install them.
import { strict as assert } from 'node:assert';
import { findPostgresBinDir, INSTALL_HINT, type BinDirLookup } from '../helpers/postgres';

function lookup(files: string[], env: NodeJS.ProcessEnv = {}, versions: string[] = []): BinDirLookup {
  return { env, listVersionDirs: () => versions, exists: (path) => files.includes(path) };
}

const tools = (dir: string) => [`${dir}/initdb`, `${dir}/pg_ctl`];

describe('test setup: finding PostgreSQL', () => {
  it('fails, naming the package to install, when no PostgreSQL binaries are found', () => {
    assert.throws(() => findPostgresBinDir(lookup([], { PATH: '/usr/bin:/bin' })), (error: Error) => {
      assert.equal(error.message, INSTALL_HINT);
      assert.match(error.message, /apt-get install -y postgresql/);
      return true;
    });
    // A client alone (psql, no initdb) is not enough.
    assert.throws(() => findPostgresBinDir(lookup(['/usr/bin/psql', '/usr/bin/pg_ctl'], { PATH: '/usr/bin' })), /apt-get install -y postgresql/);
  });

  it("takes Debian's newest version, then PATH, and POSTGRES_BIN before both", () => {
    const files = [...tools('/usr/lib/postgresql/9.6/bin'), ...tools('/usr/lib/postgresql/15/bin'), ...tools('/opt/pg/bin')];
    assert.equal(findPostgresBinDir(lookup(files, { PATH: '/opt/pg/bin' }, ['9.6', '15', '16'])), '/usr/lib/postgresql/15/bin');
    assert.equal(findPostgresBinDir(lookup(files, { PATH: '/usr/bin:/opt/pg/bin' })), '/opt/pg/bin');
    assert.equal(findPostgresBinDir(lookup(files, { POSTGRES_BIN: '/opt/pg/bin' }, ['15'])), '/opt/pg/bin');
    assert.throws(() => findPostgresBinDir(lookup(files, { POSTGRES_BIN: '/nowhere' }, ['15'])), /POSTGRES_BIN=\/nowhere holds no initdb.*apt-get install -y postgresql/);
  });
});
