// dist/services.lock.json: the folder hash reviewers sign off must be the
// same on every machine and checkout, and change with any file of the service.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServicesLock, ServiceValidationError } from '../../build/services-lock';
import { hashServiceFolder } from '../../protocol/service-hash';
import { makeServiceEntry } from '../helpers/manifests';

const ROOT = resolve(__dirname, '../..');
const NOTES = join(ROOT, 'server', 'services', 'notes');

describe('services lock file', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 'services-lock-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('lists each service with its version, owners and the folder hash the server computes', () => {
    const lock = createServicesLock(join(ROOT, 'server', 'services'));
    const notes = lock.services.find((s) => s.id === 'notes')!;
    assert.equal(notes.version, '1.0.0');
    assert.deepEqual(notes.owners, ['notes-team@example.org']);
    assert.equal(notes.sha256, hashServiceFolder(NOTES));
    assert.match(notes.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(createServicesLock(join(ROOT, 'server', 'services')), lock, 'the same sources give the same lock');
  });

  it('hashes the same sources alike wherever they are checked out, and differently after any change', () => {
    const a = join(work, 'checkout-a', 'server', 'services', 'notes');
    const b = join(work, 'elsewhere', 'deeper', 'notes-copy');
    cpSync(NOTES, a, { recursive: true });
    cpSync(NOTES, b, { recursive: true });
    assert.equal(hashServiceFolder(a), hashServiceFolder(NOTES));
    assert.equal(hashServiceFolder(b), hashServiceFolder(NOTES));

    const original = hashServiceFolder(a);
    writeFileSync(join(a, 'index.ts'), '// one more line\n', { flag: 'a' });
    assert.notEqual(hashServiceFolder(a), original, 'an edited file');
    cpSync(NOTES, a, { recursive: true });
    assert.equal(hashServiceFolder(a), original);
    renameSync(join(a, 'notes-queries.ts'), join(a, 'queries.ts'));
    assert.notEqual(hashServiceFolder(a), original, 'a renamed file');
    rmSync(a, { recursive: true });
    cpSync(NOTES, a, { recursive: true });
    mkdirSync(join(a, 'sub'));
    writeFileSync(join(a, 'sub', 'extra.ts'), '');
    assert.notEqual(hashServiceFolder(a), original, 'an added empty file');
  });

  it('names every problem in every service folder at once, by file and field', () => {
    const dir = join(work, 'services');
    mkdirSync(join(dir, 'good'), { recursive: true });
    writeFileSync(join(dir, 'good', 'index.ts'), '');
    writeFileSync(
      join(dir, 'good', 'service.json'),
      JSON.stringify({ id: 'good', name: 'G', description: 'd', version: '1.0.0', owners: ['o'], data: [{ what: 'x', retention: 'y' }] }),
    );
    mkdirSync(join(dir, 'wrong-id'));
    writeFileSync(join(dir, 'wrong-id', 'service.json'), JSON.stringify({ id: 'other', name: 'W', description: 'd', version: 'one', owners: [], data: [] }));
    mkdirSync(join(dir, 'no-json'));
    writeFileSync(join(dir, 'no-json', 'index.ts'), '');
    assert.throws(
      () => createServicesLock(dir),
      (error: unknown) => {
        assert.ok(error instanceof ServiceValidationError);
        for (const expected of [
          /no-json\/service\.json\s+\(file\): missing/,
          /wrong-id\/index\.ts\s+\(file\): missing/,
          /wrong-id\/service\.json\s+version:/,
          /wrong-id\/service\.json\s+owners:/,
          /wrong-id\/service\.json\s+data:/,
        ]) {
          assert.match(error.message, expected);
        }
        assert.doesNotMatch(error.message, /good/);
        return true;
      },
    );
  });

  it('gives the test helper the same entry a publish would', () => {
    const lock = createServicesLock(join(ROOT, 'server', 'services'));
    assert.equal(makeServiceEntry('notes', NOTES).sha256, lock.services.find((s) => s.id === 'notes')!.sha256);
  });
});
