/**
 * Loads the server's services: reads every folder (protocol/service-folders.ts)
 * and imports each entry module, checking it exports a defineService result.
 * Refuses to start with every problem of every folder named at once.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { formatServiceProblems, readServiceFolders, type ServiceFolder, type ServiceProblem } from '../../protocol/service-folders';
import type { ServiceDefinition } from './define-service';

/** The services shipped with the server. */
export const DEFAULT_SERVICES_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface LoadedService extends ServiceFolder {
  definition: ServiceDefinition;
}

/** A service folder is malformed; `problems` names every file and field. */
export class ServiceFolderError extends Error {
  readonly code = 'invalid-service';
  constructor(readonly problems: ServiceProblem[]) {
    super(formatServiceProblems(problems));
  }
}

const FUNCTIONS = ['routes', 'deleteAccountData', 'exportAccountData'] as const;

function findDefinitionProblems(file: string, exported: unknown): ServiceProblem[] {
  if (typeof exported !== 'object' || exported === null) {
    return [{ file, field: 'default', message: 'must export default defineService({...})' }];
  }
  const definition = exported as Record<string, unknown>;
  const problems: ServiceProblem[] = [];
  for (const name of FUNCTIONS) {
    if (typeof definition[name] !== 'function') problems.push({ file, field: name, message: 'must be a function' });
  }
  const migrations = definition.migrations;
  if (!Array.isArray(migrations)) {
    problems.push({ file, field: 'migrations', message: 'must be an array (empty when the service keeps no tables)' });
  } else {
    const versions = migrations.map((m: { version?: unknown }) => m?.version);
    versions.forEach((version, index) => {
      const ok = Number.isInteger(version) && (version as number) > 0 && versions.indexOf(version) === index;
      if (!ok) problems.push({ file, field: `migrations[${index}].version`, message: 'must be a positive integer, once' });
    });
  }
  return problems;
}

/**
 * Reads, imports and checks every service under `servicesDir`.
 *
 * @example const services = await loadServices(DEFAULT_SERVICES_DIR);
 * @throws ServiceFolderError listing every problem
 */
export async function loadServices(servicesDir: string = DEFAULT_SERVICES_DIR): Promise<LoadedService[]> {
  const { services, problems } = readServiceFolders(servicesDir);
  const loaded: LoadedService[] = [];
  for (const folder of services) {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(resolve(folder.entry)).href)) as { default?: unknown };
    } catch (error) {
      problems.push({ file: folder.entry, field: '(module)', message: `cannot be loaded: ${(error as Error).message}` });
      continue;
    }
    const found = findDefinitionProblems(folder.entry, module.default);
    problems.push(...found);
    if (found.length === 0) loaded.push({ ...folder, definition: module.default as ServiceDefinition });
  }
  if (problems.length > 0) throw new ServiceFolderError(problems);
  return loaded;
}
