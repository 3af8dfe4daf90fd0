import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Registers, in the calling describe block, a fresh temporary folder for each
 * of its tests (or one for the whole block), removed after it.
 *
 * @example
 * const dir = useTempDir('sbc-keys-');
 * it('…', () => writeFileSync(join(dir(), 'key.pem'), pem));
 */
export function useTempDir(prefix: string, per: 'test' | 'block' = 'test'): () => string {
  let dir: string | undefined;
  const [setUp, tearDown] = per === 'test' ? [beforeEach, afterEach] : [before, after];
  setUp(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  tearDown(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error('test: the temporary folder exists only while a test runs');
    return dir;
  };
}
