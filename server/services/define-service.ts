/**
 * What a service folder's entry module exports: `export default
 * defineService({ routes, migrations, deleteAccountData, exportAccountData })`.
 * The server mounts `routes` under /v1/services/<id>/, runs `migrations` once
 * per store, and calls the two account functions when a user deletes their
 * account or asks for a copy of their data.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ServiceJson } from '../../protocol/service-schema';
import type { ServerConfig } from '../config';
import type { StoreDialect } from '../store/schema';
import type { AccountRecord } from '../store/store';

/** A database handle for a service's own tables; Kysely<any> because each service declares its own. */
export type ServiceDatabase = Kysely<any>;

/** One schema step: per-dialect SQL (statements end with ";" at a line end), or Kysely code that runs on both. */
export type ServiceMigration =
  | { version: number; name: string; sqlite: string; postgres: string }
  | { version: number; name: string; up: (db: ServiceDatabase, dialect: StoreDialect) => Promise<void> };

export interface ServiceContext {
  /** The service's service.json, validated. */
  json: ServiceJson;
  db: ServiceDatabase;
  dialect: StoreDialect;
  config: ServerConfig;
  /** Milliseconds since the epoch (the server's clock, which tests move). */
  now: () => number;
  /**
   * The signed-in account of a request to a service that requires one; the
   * server checked the session and the terms before the route ran.
   */
  accountOf: (request: FastifyRequest) => AccountRecord;
}

export interface ServiceDefinition {
  /** Registers the service's routes on a scope already prefixed with /v1/services/<id>. */
  routes: (scope: FastifyInstance, ctx: ServiceContext) => void | Promise<void>;
  /** In version order; never edit a released one, add the next. */
  migrations: readonly ServiceMigration[];
  /** Erases everything the service keeps on the account, inside the account's deletion transaction. */
  deleteAccountData: (db: ServiceDatabase, accountId: number) => Promise<void>;
  /** Everything the service keeps on the account, as JSON for the user's export. */
  exportAccountData: (db: ServiceDatabase, accountId: number) => Promise<unknown>;
}

/**
 * Declares a service; returns it unchanged, with its types checked.
 *
 * @example
 *   export default defineService({
 *     migrations: [{ version: 1, name: 'greetings', sqlite: 'CREATE TABLE …', postgres: 'CREATE TABLE …' }],
 *     routes(scope, ctx) { scope.get('/', async (request) => ({ hello: ctx.accountOf(request).email })); },
 *     async deleteAccountData(db, accountId) { await db.deleteFrom('greetings').where('account_id', '=', accountId).execute(); },
 *     async exportAccountData(db, accountId) { return db.selectFrom('greetings').selectAll().where('account_id', '=', accountId).execute(); },
 *   });
 */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  return definition;
}
