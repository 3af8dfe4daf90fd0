/**
 * Every refusal of the build and publish tools is a BuildError with a stable
 * code and the file, flag or URL it is about, and the commands print it
 * without a stack trace.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { resolveBuildSettings } from '../../build/channel-config';
import { BuildError, describeForCli, isBuildError } from '../../build/errors';
import { generateKeyPair } from '../../build/keys';
import { publishRelease, runPublishCli } from '../../build/publish';
import { parsePublishArgs } from '../../build/publish/args';
import { uploadManifest } from '../../build/publish/server-client';
import { useTempDir } from '../helpers/temp-dir';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures/publish');

/** Asserts that `promise` rejects with a BuildError of this code and subject, and returns it. */
async function refusal(promise: Promise<unknown>, code: string, subject: string): Promise<BuildError> {
  let caught: unknown;
  await promise.catch((error: unknown) => void (caught = error));
  assert.ok(isBuildError(caught), `expected a BuildError, got ${String(caught)}`);
  assert.deepEqual([caught.code, caught.subject], [code, subject], caught.message);
  return caught;
}

describe('the build and publish errors', () => {
  const dir = useTempDir('sbc-errors-', 'block');

  it('refuses a release with problems as release-refused, about the release file', async () => {
    const key = await generateKeyPair({ outDir: join(dir(), 'keys'), keyId: 'errors-test' });
    const releasePath = join(FIXTURES, 'release-problems.json');
    const error = await refusal(
      publishRelease({
        releasePath,
        keyPath: key.privateKeyPath,
        lockPath: join(FIXTURES, 'features.lock.json'),
        outPath: join(dir(), 'refused.json'),
        expiresInDays: 7,
        localDev: false,
      }),
      'release-refused',
      releasePath,
    );
    assert.match(error.message, /refused, 8 problems/);
  });

  it('names the flag of a usage mistake', async () => {
    await refusal(Promise.resolve().then(() => parsePublishArgs(['--release', 'r.json'], {})), 'usage', '--key');
    await refusal(
      Promise.resolve().then(() => parsePublishArgs(['--release', 'r.json', '--key', 'k.pem', '--serial', '0'], {})),
      'usage',
      '--serial',
    );
  });

  it('tells a refused upload from an unreachable server, keeping the server’s own code', async () => {
    const url = 'http://127.0.0.1:9/v1/admin/manifest';
    const refused = async () => Response.json({ error: { code: 'bad-admin-token', message: 'the admin token is not valid' } }, { status: 401 });
    const error = await refusal(uploadManifest('http://127.0.0.1:9', 'token', '{}', refused), 'server-refused', url);
    assert.equal((error as unknown as { serverCode: string }).serverCode, 'bad-admin-token');
    const down = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    const unreachable = await refusal(uploadManifest('http://127.0.0.1:9', 'token', '{}', down), 'server-unreachable', url);
    assert.match(unreachable.message, /ECONNREFUSED/);
  });

  it('refuses to overwrite a key as key-exists, about the file', async () => {
    const first = await generateKeyPair({ outDir: join(dir(), 'keys'), keyId: 'taken' });
    await refusal(generateKeyPair({ outDir: join(dir(), 'keys'), keyId: 'taken' }), 'key-exists', first.privateKeyPath);
  });

  it('names the variable of a wrong build setting', async () => {
    await refusal(Promise.resolve().then(() => resolveBuildSettings({ rootDir: ROOT, env: { SBC_ENV: 'staging' } })), 'invalid-settings', 'SBC_ENV');
    await refusal(
      Promise.resolve().then(() => resolveBuildSettings({ rootDir: ROOT, env: { SBC_ORIGIN: 'https://beta.example.org/path' } })),
      'invalid-settings',
      'SBC_ORIGIN',
    );
  });

  it('prints an author-facing error as its message alone, and anything else as an unexpected error with its stack', async () => {
    assert.equal(describeForCli(new BuildError('stale-serial', '--serial 3 is not above 4', { subject: '--serial' })), '--serial 3 is not above 4');
    assert.match(describeForCli(new TypeError('x is undefined')), /^unexpected error: TypeError: x is undefined\n\s+at /);

    const lines: string[] = [];
    const key = await generateKeyPair({ outDir: join(dir(), 'keys'), keyId: 'cli-test' });
    const args = ['--release', join(FIXTURES, 'release-signed-off.json'), '--key', key.privateKeyPath, '--lock', join(FIXTURES, 'features.lock.json')];
    const code = await runPublishCli([...args, '--out', join(dir(), 'out.json')], {}, {
      warn: (line) => lines.push(line),
      log: (line) => lines.push(line),
      writeText: () => {
        throw new TypeError('a bug in writing');
      },
    });
    assert.equal(code, 1);
    assert.match(lines.join('\n'), /^publish: unexpected error: TypeError: a bug in writing\n\s+at /);
  });
});
