/**
 * Runs each service's own migrations, recorded per service in
 * `service_migrations`, so a service brings its tables with it and a new
 * service needs no change to the store's migrations. Same locking as the
 * store's: one process migrates, the others wait.
 */
import { applyMigrations, runStatements } from '../store/apply-migrations';
import type { StoreDialect } from '../store/schema';
import type { ServiceDatabase, ServiceMigration } from './define-service';

/**
 * Applies the migrations of `serviceId` that the database has not seen, in
 * one transaction. Refuses a database migrated by a newer version of the service.
 *
 * @example await migrateService(db, 'postgres', 'notes', service.migrations);
 */
export async function migrateService(
  db: ServiceDatabase,
  dialect: StoreDialect,
  serviceId: string,
  migrations: readonly ServiceMigration[],
): Promise<void> {
  await applyMigrations(db, dialect, migrations, {
    // Distinct from the store's migration lock, so both never wait on each other.
    lock: 0x62657462,
    createTable:
      'CREATE TABLE IF NOT EXISTS service_migrations (service TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (service, version))',
    readVersion: async (trx) => {
      const row = await trx
        .selectFrom('service_migrations')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('service', '=', serviceId)
        .executeTakeFirst();
      return Number(row?.version ?? 0);
    },
    record: async (trx, migration) => {
      await trx
        .insertInto('service_migrations')
        .values({ service: serviceId, version: migration.version, name: migration.name, applied_at: Date.now() })
        .execute();
    },
    run: (trx, migration) => ('up' in migration ? migration.up(trx, dialect) : runStatements(trx, migration[dialect])),
    describe: `service ${serviceId}: the database is at its`,
  });
}
