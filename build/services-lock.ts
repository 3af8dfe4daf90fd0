/**
 * dist/services.lock.json: every beta service in server/services/, its
 * version and the hash of its folder (protocol/service-hash.ts), which
 * reviewers sign off in the release file and the server checks against the
 * code it runs. Written with the add-on's lock file, by the same build.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Compiler } from 'webpack';
import { formatServiceProblems, readServiceFolders } from '../protocol/service-folders';
import type { ServiceLockFile } from '../protocol/service-schema';
import { BuildError } from './errors';

export const SERVICES_LOCK_FILE_NAME = 'services.lock.json';

/** Every problem of every service folder, in one message. */
export class ServiceValidationError extends BuildError {
  constructor(message: string, servicesDir: string) {
    super('invalid-service', message, { subject: servicesDir });
  }
}

/**
 * Reads the service folders and builds the lock; entries sorted by id.
 *
 * @example createServicesLock('server/services').services[0]; // { id: "notes", version: "1.0.0", sha256: "…", owners: […] }
 * @throws ServiceValidationError naming every file and field at fault
 */
export function createServicesLock(servicesDir: string): ServiceLockFile {
  const { services, problems } = readServiceFolders(servicesDir);
  if (problems.length > 0) throw new ServiceValidationError(formatServiceProblems(problems), servicesDir);
  return {
    lockfileVersion: 1,
    services: services.map((service) => ({ id: service.id, version: service.json.version, sha256: service.sha256, owners: service.json.owners })),
  };
}

/** Writes the lock to `path`, as the build does. */
export function writeServicesLock(servicesDir: string, path: string): ServiceLockFile {
  const lock = createServicesLock(servicesDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  return lock;
}

/** Webpack plugin: writes the services lock after a build without errors; a failed build leaves none. */
export class ServicesLockPlugin {
  constructor(private readonly options: { servicesDir: string; lockFilePath: string }) {}

  apply(compiler: Compiler): void {
    compiler.hooks.compile.tap('ServicesLockPlugin', () => rmSync(this.options.lockFilePath, { force: true }));
    compiler.hooks.afterEmit.tap('ServicesLockPlugin', (compilation) => {
      if (compilation.errors.length > 0) return;
      try {
        writeServicesLock(this.options.servicesDir, this.options.lockFilePath);
      } catch (error) {
        compilation.errors.push(new compiler.webpack.WebpackError((error as Error).message));
      }
    });
  }
}
