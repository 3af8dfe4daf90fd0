/**
 * Finds every feature folder under features/ and validates its feature.json.
 * A folder is a feature: nothing else is edited by hand. Every problem in
 * every folder is collected and reported in one table, so an author fixes
 * them all in one pass instead of one build per mistake.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { BuildError } from './errors';
import { featureJsonSchema, type FeatureJson } from './feature-schema';
import { findServiceCalls } from './find-service-calls';
import { permissionForEvent } from '../protocol/feature-events';
import { listZodIssues } from '../protocol/zod-issues';

/** One content script of a feature: `features/<id>/content/<name>.ts`. */
export interface DiscoveredContentScript {
  /** File stem, e.g. "badge". */
  name: string;
  /** Source file path, e.g. "features/reading-time/content/badge.ts". */
  source: string;
  /** Path inside the add-on, e.g. "features/reading-time/content/badge.js". */
  output: string;
}

export interface DiscoveredFeature {
  id: string;
  /** The feature folder, e.g. "features/reading-time". */
  dir: string;
  /** e.g. "features/reading-time/feature.json". */
  featureJsonPath: string;
  /** e.g. "features/reading-time/index.ts". */
  entry: string;
  /** feature.json after validation, with defaults filled in. */
  json: FeatureJson;
  /** Chunk path inside the add-on: "features/<id>/index.js". */
  chunk: string;
  /** Sorted by name. */
  contentScripts: DiscoveredContentScript[];
}

/** One thing wrong with a feature folder; `field` is "(file)", "(json)" or "(top level)" when no field applies. */
export interface FeatureProblem {
  file: string;
  field: string;
  message: string;
}

/**
 * Thrown when any feature folder is malformed; `problems` holds all of them,
 * sorted by file then field. The subject is the one file at fault, or the
 * features folder when there are several.
 */
export class FeatureValidationError extends BuildError {
  constructor(
    readonly problems: FeatureProblem[],
    featuresDir: string,
  ) {
    const files = new Set(problems.map((p) => p.file));
    super('invalid-feature', formatProblems(problems), { subject: files.size === 1 ? [...files][0] : featuresDir });
  }
}

/** The file system calls discovery makes; tests may pass their own. */
export interface FeatureFs {
  existsSync(path: string): boolean;
  readdirSync(path: string, options: { withFileTypes: true }): Array<{ name: string; isDirectory(): boolean; isFile(): boolean }>;
  readFileSync(path: string, encoding: 'utf8'): string;
}

/**
 * Finds and validates every feature folder, sorted by id. Folders whose
 * name starts with "." or "_" are ignored. A missing features folder means
 * no features.
 *
 * @example
 *   const features = discoverFeatures('features');
 *   features.map((f) => f.chunk); // ["features/page-notes/index.js", "features/reading-time/index.js"]
 * @throws FeatureValidationError listing every problem in every folder
 */
export function discoverFeatures(featuresDir: string, fs: FeatureFs = nodeFs): DiscoveredFeature[] {
  if (!fs.existsSync(featuresDir)) return [];
  const folders = fs
    .readdirSync(featuresDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !/^[._]/.test(entry.name))
    .map((entry) => entry.name)
    .sort();

  const problems: FeatureProblem[] = [];
  const features: DiscoveredFeature[] = [];
  const folderById = new Map<string, string>();
  for (const folder of folders) {
    const { id, feature } = readFeatureFolder(join(featuresDir, folder), folder, fs, problems);
    if (id === undefined) continue;
    const first = folderById.get(id);
    if (first !== undefined) {
      problems.push({
        file: join(featuresDir, folder, 'feature.json'),
        field: 'id',
        message: `duplicate id "${id}": already used by ${join(featuresDir, first, 'feature.json')}`,
      });
      continue;
    }
    folderById.set(id, folder);
    if (feature) features.push(feature);
  }
  if (problems.length > 0) throw new FeatureValidationError(sortProblems(problems), featuresDir);
  return features.sort((a, b) => compareText(a.id, b.id));
}

/** `id` is set whenever feature.json passed the schema, so duplicates are found even in folders with other problems. */
function readFeatureFolder(
  dir: string,
  folder: string,
  fs: FeatureFs,
  problems: FeatureProblem[],
): { id?: string; feature?: DiscoveredFeature } {
  const featureJsonPath = join(dir, 'feature.json');
  const entry = join(dir, 'index.ts');
  const before = problems.length;
  if (!fs.existsSync(entry)) {
    problems.push({ file: entry, field: '(file)', message: 'missing: every feature needs an index.ts that exports defineFeature({ activate })' });
  }
  const json = readFeatureJson(featureJsonPath, fs, problems);
  if (json) {
    if (json.id !== folder) {
      problems.push({ file: featureJsonPath, field: 'id', message: `"${json.id}" does not match its folder name "${folder}"` });
    }
    json.events.forEach((event, index) => {
      const permission = permissionForEvent(event);
      if (permission && !json.permissions.includes(permission)) {
        problems.push({
          file: featureJsonPath,
          field: `events[${index}]`,
          message: `"${event}" needs the "${permission}" permission: add it to "permissions"`,
        });
      }
    });
  }
  if (!json) return {};
  if (json.dataCollection.length === 0) {
    for (const call of findServiceCalls(dir, fs)) {
      problems.push({
        file: `${call.file}:${call.line}`,
        field: 'dataCollection',
        message: `calls ctx.services.fetch, which sends data to the beta server, but ${featureJsonPath} declares no "dataCollection": name the Firefox data-collection categories it sends (e.g. "browsingActivity")`,
      });
    }
  }
  if (problems.length > before) return { id: json.id };
  const contentScripts = findContentScripts(dir, folder, fs);
  return { id: json.id, feature: { id: json.id, dir, featureJsonPath, entry, json, chunk: `features/${json.id}/index.js`, contentScripts } };
}

function readFeatureJson(path: string, fs: FeatureFs, problems: FeatureProblem[]): FeatureJson | undefined {
  if (!fs.existsSync(path)) {
    problems.push({ file: path, field: '(file)', message: 'missing: every feature folder needs a feature.json' });
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ file: path, field: '(json)', message: `invalid JSON: ${(error as Error).message}` });
    return undefined;
  }
  const result = featureJsonSchema.safeParse(raw);
  if (result.success) return result.data;
  for (const { field, message } of listZodIssues(result.error, { input: raw })) problems.push({ file: path, field, message });
  return undefined;
}

function findContentScripts(dir: string, folder: string, fs: FeatureFs): DiscoveredContentScript[] {
  const contentDir = join(dir, 'content');
  if (!fs.existsSync(contentDir)) return [];
  return fs
    .readdirSync(contentDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => entry.name.slice(0, -'.ts'.length))
    .sort(compareText)
    .map((name) => ({ name, source: join(contentDir, `${name}.ts`), output: `features/${folder}/content/${name}.js` }));
}

// Locale-independent so that the output is the same on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortProblems(problems: FeatureProblem[]): FeatureProblem[] {
  return [...problems].sort(
    (a, b) => compareText(a.file, b.file) || compareText(a.field, b.field) || compareText(a.message, b.message),
  );
}

/**
 * Formats problems as one aligned table, one line per problem.
 *
 * @example
 *   formatProblems([{ file: 'features/x/feature.json', field: 'version', message: 'must be a version like 1.2.3' }]);
 *   // "1 problem in feature folders:\n  features/x/feature.json  version  must be a version like 1.2.3"
 */
export function formatProblems(problems: readonly FeatureProblem[]): string {
  const fileWidth = Math.max(0, ...problems.map((p) => p.file.length));
  const fieldWidth = Math.max(0, ...problems.map((p) => p.field.length));
  const lines = problems.map((p) => `  ${p.file.padEnd(fileWidth)}  ${p.field.padEnd(fieldWidth)}  ${p.message}`);
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [`${count} in feature folders:`, ...lines].join('\n');
}
