/**
 * The sign-off check the publish tool, the server and the add-on share: a
 * feature needs security, privacy and technical sign-offs given for its
 * version, chunk and content-script files, none by an owner. Problems come
 * as codes and parameters, so that the add-on's pages can say them in the
 * user's language, with the English the tools print beside them.
 */
import { SIGN_OFF_ROLES, type FeatureFile, type ManifestFeature, type SignOffRole } from './manifest-schema';

/** How one content-script file differs between the feature and a sign-off; hashes as their first 12 hex digits. */
export type FileDifference =
  | { path: string; kind: 'differs'; signedOff: string; now: string }
  | { path: string; kind: 'missing' }
  | { path: string; kind: 'also-signed'; signedOff: string }
  | { path: string; kind: 'extra' };

/**
 * A problem with one feature's sign-offs, or null when all three are in
 * order: a code and what its words need (the add-on's pages say it in the
 * user's language), and `message`, the English the tools print.
 */
export interface SignOffProblem {
  featureId: string;
  role: SignOffRole;
  reason: 'missing' | 'stale-version' | 'stale-sha256' | 'stale-files' | 'self-review';
  /** stale-version: the versions; stale-sha256: the chunk hashes' first 12 hex digits; self-review: the reviewer. */
  given?: string;
  expected?: string;
  files?: FileDifference[];
  message: string;
}

/**
 * Checks that a feature carries security, privacy and technical sign-offs,
 * each given for this version, chunk SHA-256 and set of content-script files
 * (path and SHA-256, in any order), none by one of its owners.
 * Used by the publish tool and by the client, so both refuse the same things.
 *
 * @example
 * findSignOffProblems(entry).map((p) => p.message)
 * // ['reading-time: privacy sign-off was given for other content-script files (1 difference): …']
 */
export function findSignOffProblems(feature: SignedOffFeature): SignOffProblem[] {
  return checkSignOffs(feature).map((problem) => ({ ...problem, message: describeSignOffProblem(problem) }));
}

type SignedOffFeature = Pick<ManifestFeature, 'id' | 'version' | 'sha256' | 'owners' | 'signOffs'> & { files?: FeatureFile[] };

/** findSignOffProblems without the English: what the add-on needs, its pages say the rest. */
export function checkSignOffs(feature: SignedOffFeature): Array<Omit<SignOffProblem, 'message'>> {
  const owners = new Set(feature.owners.map((o) => o.trim().toLowerCase()));
  const problems: Array<Omit<SignOffProblem, 'message'>> = [];
  for (const role of SIGN_OFF_ROLES) {
    const signOff = feature.signOffs[role];
    const base = { featureId: feature.id, role };
    const files = signOff ? findFileDifferences(feature.files ?? [], signOff.files ?? []) : [];
    let problem: Omit<SignOffProblem, 'message'> | null = null;
    if (!signOff) problem = { ...base, reason: 'missing' };
    else if (signOff.version !== feature.version) problem = { ...base, reason: 'stale-version', given: signOff.version, expected: feature.version };
    else if (signOff.sha256 !== feature.sha256) problem = { ...base, reason: 'stale-sha256', given: short(signOff.sha256), expected: short(feature.sha256) };
    else if (files.length > 0) problem = { ...base, reason: 'stale-files', files };
    else if (owners.has(signOff.reviewer.trim().toLowerCase())) problem = { ...base, reason: 'self-review', given: signOff.reviewer };
    if (problem) problems.push(problem);
  }
  return problems;
}

const short = (sha256: string): string => sha256.slice(0, 12);

/** The English the publish tool and the server print for a sign-off problem. */
export function describeSignOffProblem(problem: Omit<SignOffProblem, 'message'>): string {
  const { featureId, role, given, expected } = problem;
  switch (problem.reason) {
    case 'missing':
      return `${featureId}: no ${role} sign-off`;
    case 'stale-version':
      return `${featureId}: ${role} sign-off was given for version ${given}, not ${expected}`;
    case 'stale-sha256':
      return `${featureId}: ${role} sign-off was given for chunk ${given}…, not ${expected}…`;
    case 'stale-files': {
      const files = problem.files ?? [];
      const count = files.length === 1 ? '1 difference' : `${files.length} differences`;
      return `${featureId}: ${role} sign-off was given for other content-script files (${count}): ${files.map(describeFileDifference).join('; ')}`;
    }
    case 'self-review':
      return `${featureId}: ${role} sign-off by ${given}, who owns the feature`;
  }
}

function describeFileDifference(file: FileDifference): string {
  switch (file.kind) {
    case 'differs':
      return `${file.path} differs (signed off ${file.signedOff}…, now ${file.now}…)`;
    case 'missing':
      return `${file.path} is missing from the sign-off`;
    case 'also-signed':
      return `${file.path} is also signed off as ${file.signedOff}…, which is not the feature's`;
    case 'extra':
      return `${file.path} is extra: the feature has no such file`;
  }
}

/**
 * How the signed-off files differ from the feature's, compared as sets of
 * {path, sha256} pairs, so that a content script edited without a new review
 * can never ride on the old sign-off.
 */
function findFileDifferences(actual: FeatureFile[], signedOff: FeatureFile[]): FileDifference[] {
  const pair = (file: FeatureFile) => `${file.path}\n${file.sha256}`;
  const actualPairs = new Set(actual.map(pair));
  const signedPairs = new Set(signedOff.map(pair));
  const differences: FileDifference[] = [];
  const reported = new Set<string>();
  for (const file of actual) {
    if (signedPairs.has(pair(file)) || reported.has(file.path)) continue;
    reported.add(file.path);
    const reviewed = signedOff.find((other) => other.path === file.path);
    differences.push(reviewed ? { path: file.path, kind: 'differs', signedOff: short(reviewed.sha256), now: short(file.sha256) } : { path: file.path, kind: 'missing' });
  }
  for (const file of signedOff) {
    if (actualPairs.has(pair(file)) || reported.has(file.path)) continue;
    reported.add(file.path);
    const shipped = actual.some((other) => other.path === file.path);
    differences.push(shipped ? { path: file.path, kind: 'also-signed', signedOff: short(file.sha256) } : { path: file.path, kind: 'extra' });
  }
  return differences;
}
