// Services are signed off like features: publish refuses a missing, stale or
// self-given sign-off, and the signed manifest carries the deployed services.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPair, type GeneratedKeyPair } from '../../build/keys';
import { buildServiceEntries } from '../../build/release';
import { createServicesLock } from '../../build/services-lock';
import { verifyEnvelope } from '../../protocol/envelope';
import { readPublicKeyFile } from '../../protocol/key-files';
import { runScript } from '../helpers/run-command';
import { parseReleaseFile } from '../../protocol/release-schema';

const ROOT = resolve(__dirname, '../..');
const FEATURES_LOCK = join(__dirname, 'fixtures/publish/features.lock.json');
const servicesLock = createServicesLock(join(ROOT, 'server', 'services'));
const notes = servicesLock.services.find((s) => s.id === 'notes')!;

const signOff = (reviewer: string, overrides: Record<string, string> = {}) => ({
  reviewer,
  date: '2026-11-20',
  reference: 'SVC-1',
  version: notes.version,
  sha256: notes.sha256,
  ...overrides,
});
const reviewed = () => ({ security: signOff('sec@example.org'), privacy: signOff('priv@example.org'), technical: signOff('tech@example.org') });
const releaseWith = (services: unknown[]) => parseReleaseFile(JSON.stringify({ features: [], services }), 'release.json');

describe('publish: services', () => {
  it('builds the manifest entry from the services lock, with the sign-offs', () => {
    const { services, problems } = buildServiceEntries(releaseWith([{ id: 'notes', version: '1.0.0', signOffs: reviewed() }]), servicesLock);
    assert.deepEqual(problems, []);
    assert.deepEqual(services.map((s) => [s.id, s.version, s.sha256, s.owners]), [['notes', '1.0.0', notes.sha256, notes.owners]]);
  });

  it('refuses missing, stale and self-given sign-offs and services the build lacks, all at once', () => {
    const release = releaseWith([
      {
        id: 'notes',
        version: '1.0.0',
        signOffs: {
          security: signOff('sec@example.org', { sha256: 'c'.repeat(64) }),
          privacy: signOff('notes-team@example.org'),
          technical: signOff('tech@example.org', { version: '0.9.0' }),
        },
      },
      { id: 'not-built', version: '1.0.0', signOffs: reviewed() },
    ]);
    const { problems } = buildServiceEntries(release, servicesLock);
    assert.deepEqual(problems.map((p) => `${p.featureId}/${p.kind}/${p.role ?? '-'}/${p.reason ?? '-'}`).sort(), [
      'not-built/service-not-in-lock/-/-',
      'notes/service-sign-off/privacy/self-review',
      'notes/service-sign-off/security/stale-sha256',
      'notes/service-sign-off/technical/stale-version',
    ]);
    assert.match(problems.find((p) => p.reason === 'stale-sha256')!.message, /^service notes: security sign-off was given for folder cccccccccccc…/);
    const missing = buildServiceEntries(releaseWith([{ id: 'notes', version: '1.0.0' }]), servicesLock).problems;
    assert.deepEqual(missing.map((p) => p.message), ['service notes: no security sign-off', 'service notes: no privacy sign-off', 'service notes: no technical sign-off']);
    const version = buildServiceEntries(releaseWith([{ id: 'notes', version: '2.0.0', signOffs: reviewed() }]), servicesLock).problems;
    assert.deepEqual(version.map((p) => p.kind), ['service-version-mismatch']);
  });

  it('ships an example release that deploys notes and storage, signed off for the code in server/services/<id> by non-owners', () => {
    const example = parseReleaseFile(readFileSync(join(ROOT, 'release/example.json'), 'utf8'), 'release/example.json');
    const { services, problems } = buildServiceEntries(example, servicesLock);
    assert.deepEqual(problems.map((p) => p.message), [], 'after changing a folder of server/services/, review it again and update release/example.json');
    assert.deepEqual(services.map((s) => s.id), ['notes', 'storage']);
  });

  describe('the CLI', () => {
    let dir: string;
    let key: GeneratedKeyPair;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sbc-publish-services-'));
      key = await generateKeyPair({ outDir: join(dir, 'keys'), keyId: 'test-key' });
      writeFileSync(join(dir, 'services.lock.json'), JSON.stringify(servicesLock));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const run = (release: unknown, extra: string[] = []) => {
      const path = join(dir, 'release.json');
      writeFileSync(path, JSON.stringify(release));
      return runScript('build/publish.ts', ['--release', path, '--key', key.privateKeyPath, '--lock', FEATURES_LOCK, '--out', join(dir, 'out.json'), ...extra]);
    };

    it('signs a manifest that deploys the reviewed service', async () => {
      const answer = await run({ features: [], services: [{ id: 'notes', version: '1.0.0', signOffs: reviewed() }] }, ['--services-lock', join(dir, 'services.lock.json')]);
      assert.equal(answer.code, 0, answer.stderr);
      assert.match(answer.stdout, /services: notes@1\.0\.0/);
      const payload = await verifyEnvelope(readFileSync(join(dir, 'out.json'), 'utf8'), { keys: [readPublicKeyFile(key.publicKeyPath)], env: 'beta' });
      assert.deepEqual(payload.services?.map((s) => [s.id, s.sha256]), [['notes', notes.sha256]]);
    });

    it('refuses a self-given sign-off and names the service lock it needs when there is none', async () => {
      const selfGiven = { ...reviewed(), technical: signOff('Notes-Team@example.org') };
      const refused = await run({ features: [], services: [{ id: 'notes', version: '1.0.0', signOffs: selfGiven }] }, ['--services-lock', join(dir, 'services.lock.json')]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /service notes: technical sign-off by Notes-Team@example\.org, who owns the service/);
      const noLock = await run({ features: [], services: [{ id: 'notes', version: '1.0.0', signOffs: reviewed() }] }, ['--services-lock', join(dir, 'missing.json')]);
      assert.equal(noLock.code, 1);
      assert.match(noLock.stderr, /missing\.json[\s\S]*cannot read the services lock file/);
    });
  });
});
