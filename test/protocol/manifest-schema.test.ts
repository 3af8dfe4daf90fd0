import assert from 'node:assert/strict';
import { findSignOffProblems, type ManifestFeature, type SignOff } from '../../protocol/manifest-schema';
import { makeEntry, sha256 } from '../helpers/manifests';

const BADGE = { path: 'features/kit/content/badge.js', sha256: sha256('badge()') };
const PANEL = { path: 'features/kit/content/panel.js', sha256: sha256('panel()') };

/** kit with two content scripts, all three roles signed off for exactly those files. */
const withFiles = (overrides: Partial<ManifestFeature> = {}) => makeEntry('kit', '1.0.0', sha256('kit code'), { files: [BADGE, PANEL], ...overrides });

/** The entry with one role's sign-off changed. */
function changeSignOff(entry: ManifestFeature, role: 'security' | 'privacy' | 'technical', change: (signOff: SignOff) => SignOff): ManifestFeature {
  return { ...entry, signOffs: { ...entry.signOffs, [role]: change(entry.signOffs[role]!) } };
}

const summarise = (entry: ManifestFeature) => findSignOffProblems(entry).map((p) => `${p.role}/${p.reason}`);

describe('sign-offs bind the content-script files', () => {
  it('accepts sign-offs that list exactly the feature\'s files, in any order', () => {
    const entry = withFiles();
    assert.deepEqual(findSignOffProblems(entry), []);
    const reordered = changeSignOff(entry, 'privacy', (s) => ({ ...s, files: [PANEL, BADGE] }));
    assert.deepEqual(findSignOffProblems(reordered), []);
  });

  it('needs no "files" in the sign-offs of a feature without content scripts', () => {
    const entry = makeEntry('kit', '1.0.0', sha256('kit code'));
    assert.equal(entry.signOffs.security?.files, undefined);
    assert.deepEqual(findSignOffProblems(entry), []);
  });

  it('refuses a sign-off given for an earlier copy of a content script, naming the path', () => {
    // The publisher copied the new hash into the entry but not into the sign-offs.
    const edited = { ...withFiles(), files: [BADGE, { ...PANEL, sha256: sha256('panel() with tracking') }] };
    const problems = findSignOffProblems(edited);
    assert.deepEqual(problems.map((p) => `${p.role}/${p.reason}`), ['security/stale-files', 'privacy/stale-files', 'technical/stale-files']);
    assert.match(
      problems[0]!.message,
      new RegExp(`^kit: security sign-off was given for other content-script files \\(1 difference\\): features/kit/content/panel\\.js differs \\(signed off ${PANEL.sha256.slice(0, 12)}…, now [0-9a-f]{12}…\\)$`),
    );
  });

  it('refuses a sign-off that leaves out one of the feature\'s files', () => {
    const entry = changeSignOff(withFiles(), 'technical', (s) => ({ ...s, files: [BADGE] }));
    const problems = findSignOffProblems(entry);
    assert.deepEqual(problems.map((p) => `${p.role}/${p.reason}`), ['technical/stale-files']);
    assert.match(problems[0]!.message, /features\/kit\/content\/panel\.js is missing from the sign-off/);
  });

  it('refuses a sign-off that lists a file the feature does not have', () => {
    const extra = { path: 'features/kit/content/old.js', sha256: sha256('old()') };
    const entry = changeSignOff(withFiles(), 'privacy', (s) => ({ ...s, files: [BADGE, PANEL, extra] }));
    const problems = findSignOffProblems(entry);
    assert.deepEqual(problems.map((p) => `${p.role}/${p.reason}`), ['privacy/stale-files']);
    assert.match(problems[0]!.message, /features\/kit\/content\/old\.js is extra: the feature has no such file/);
  });

  it('refuses a sign-off that also lists another hash for one of the files', () => {
    const entry = changeSignOff(withFiles(), 'security', (s) => ({ ...s, files: [BADGE, PANEL, { ...PANEL, sha256: sha256('panel() v0') }] }));
    const problems = findSignOffProblems(entry);
    assert.deepEqual(problems.map((p) => `${p.role}/${p.reason}`), ['security/stale-files']);
    assert.match(problems[0]!.message, /features\/kit\/content\/panel\.js is also signed off as [0-9a-f]{12}…, which is not the feature's/);
  });

  it('treats sign-offs without "files" as covering no files, so a feature with content scripts is refused', () => {
    const entry = withFiles();
    const bare = (s: SignOff): SignOff => ({ reviewer: s.reviewer, date: s.date, reference: s.reference, version: s.version, sha256: s.sha256 });
    const unbound = { ...entry, signOffs: { security: bare(entry.signOffs.security!), privacy: bare(entry.signOffs.privacy!), technical: bare(entry.signOffs.technical!) } };
    const problems = findSignOffProblems(unbound);
    assert.deepEqual(problems.map((p) => `${p.role}/${p.reason}`), ['security/stale-files', 'privacy/stale-files', 'technical/stale-files']);
    assert.match(problems[2]!.message, /\(2 differences\): features\/kit\/content\/badge\.js is missing from the sign-off; features\/kit\/content\/panel\.js is missing from the sign-off$/);
  });

  it('reports the older version or chunk first: that review is stale whatever its files', () => {
    const entry = changeSignOff(withFiles(), 'security', (s) => ({ ...s, version: '0.9.0', files: [] }));
    assert.deepEqual(summarise(entry), ['security/stale-version']);
  });
});
