/**
 * Reads the service folders (server/services/<id>/): every folder's
 * service.json validated and its folder hashed. Node only. The build reads
 * them for dist/services.lock.json and the server for what it runs, so both
 * see the same services with the same hashes. Every problem in every folder
 * is collected, as file + field, instead of stopping at the first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashServiceFolder } from './service-hash';
import { serviceJsonSchema, type ServiceJson } from './service-schema';
import { listZodIssues } from './zod-issues';
import { FEATURE_ID_PATTERN } from './manifest-schema';

export const SERVICE_ENTRY = 'index.ts';

export interface ServiceFolder {
  id: string;
  /** The folder, e.g. "server/services/notes". */
  dir: string;
  /** The entry module, e.g. "server/services/notes/index.ts". */
  entry: string;
  json: ServiceJson;
  /** hashServiceFolder(dir): what sign-offs bind to. */
  sha256: string;
}

/** One thing wrong with a service folder; `field` is "(file)" or "(json)" when no field applies. */
export interface ServiceProblem {
  file: string;
  field: string;
  message: string;
}

/**
 * Every folder under `servicesDir` (files beside them are the framework's, not services).
 *
 * @example
 *   const { services, problems } = readServiceFolders('server/services');
 */
export function readServiceFolders(servicesDir: string): { services: ServiceFolder[]; problems: ServiceProblem[] } {
  const services: ServiceFolder[] = [];
  const problems: ServiceProblem[] = [];
  if (!existsSync(servicesDir)) return { services, problems };
  const names = readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const name of names) {
    const dir = join(servicesDir, name);
    const jsonPath = join(dir, 'service.json');
    const entry = join(dir, SERVICE_ENTRY);
    const before = problems.length;
    if (!FEATURE_ID_PATTERN.test(name)) {
      problems.push({ file: dir, field: '(folder)', message: 'a service folder name must be 3–64 characters of a-z, 0-9 and "-", starting with a letter' });
    }
    if (!existsSync(entry)) problems.push({ file: entry, field: '(file)', message: `missing: a service exports defineService({...}) from ${SERVICE_ENTRY}` });
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(jsonPath, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({ file: jsonPath, field: code ? '(file)' : '(json)', message: code === 'ENOENT' ? 'missing' : (error as Error).message });
      continue;
    }
    const parsed = serviceJsonSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of listZodIssues(parsed.error, { input: raw })) problems.push({ file: jsonPath, field: issue.field, message: issue.message });
      continue;
    }
    if (parsed.data.id !== name) problems.push({ file: jsonPath, field: 'id', message: `must equal the folder name "${name}"` });
    if (problems.length > before) continue;
    services.push({ id: name, dir, entry, json: parsed.data, sha256: hashServiceFolder(dir) });
  }
  problems.sort((a, b) => (a.file === b.file ? (a.field < b.field ? -1 : 1) : a.file < b.file ? -1 : 1));
  return { services, problems };
}

/** The problems as one message, a line per file and field. */
export function formatServiceProblems(problems: readonly ServiceProblem[]): string {
  return `invalid service folders:\n${problems.map((p) => `  ${p.file}  ${p.field}: ${p.message}`).join('\n')}`;
}
