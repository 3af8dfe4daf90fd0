import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sinon from 'sinon';
import { verifyFeatureFiles, type ExpectedHashes } from '../../../extension/runtime/feature-loader';
import { createVerifiedFiles } from '../../../extension/runtime/verified-files';

/** storage.local in memory, shared by the "page lives" of one test. */
function memoryStorage() {
  const items = new Map<string, unknown>();
  return {
    get: async (key?: null | string | string[]) => (typeof key === 'string' && items.has(key) ? { [key]: structuredClone(items.get(key)) } : {}),
    set: async (values: Record<string, unknown>) => void Object.entries(values).forEach(([k, v]) => items.set(k, structuredClone(v))),
    remove: async () => undefined,
  };
}

const CHUNK = new TextEncoder().encode('export default { activate() {} }');
const SHA = createHash('sha256').update(CHUNK).digest('hex');
const expected: ExpectedHashes = { featureId: 'kit', chunk: 'features/kit/index.js', sha256: SHA, files: [], registeredFiles: [] };

describe('verified files: a chunk is hashed once per add-on version', () => {
  it('skips fetching and hashing on a later wake of the same version, and hashes again for a new version or a new sha256', async () => {
    const storage = memoryStorage();
    const fetchFile = sinon.spy(async () => CHUNK.slice().buffer);
    await verifyFeatureFiles(expected, fetchFile, createVerifiedFiles(storage, '1.0.0'));
    assert.equal(fetchFile.callCount, 1);

    await verifyFeatureFiles(expected, fetchFile, createVerifiedFiles(storage, '1.0.0')); // a wake: a new page life, the same storage
    assert.equal(fetchFile.callCount, 1, 'a wake of the same version hashed the chunk again');

    await verifyFeatureFiles(expected, fetchFile, createVerifiedFiles(storage, '1.1.0'));
    assert.equal(fetchFile.callCount, 2, 'an add-on update checks its files again');

    const resigned = { ...expected, sha256: 'f'.repeat(64) };
    await assert.rejects(verifyFeatureFiles(resigned, fetchFile, createVerifiedFiles(storage, '1.1.0')), /does not match its sign-off/);
    await assert.rejects(verifyFeatureFiles(resigned, fetchFile, createVerifiedFiles(storage, '1.1.0')), /does not match its sign-off/, 'a mismatch is never remembered');
    assert.equal(fetchFile.callCount, 4);
  });
});
