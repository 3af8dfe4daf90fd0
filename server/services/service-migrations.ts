/**
 * Runs each service's own migrations, recorded per service in
 * `service_migrations`, so a service brings its tables with it and a new
 * service needs no change to the store's migrations. Same locking as the
 * store's: one process migrates, the others wait.
 */
import { sql } from 'kysely';
import type { StoreDialect } from '../store/schema';
import type { ServiceDatabase, ServiceMigration } from './define-service';

// Distinct from the store's migration lock, so both never wait on each other.
const SERVICE_MIGRATION_LOCK = 0x62657462;

function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

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
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${SERVICE_MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS service_migrations (service TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (service, version))`.execute(
      trx,
    );
    const row = await trx
      .selectFrom('service_migrations')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('service', '=', serviceId)
      .executeTakeFirst();
    const current = Number(row?.version ?? 0);
    if (current > latest) {
      throw new Error(`service ${serviceId}: the database is at its schema version ${current}, newer than this server knows (${latest})`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      if ('up' in migration) await migration.up(trx, dialect);
      else for (const statement of splitStatements(migration[dialect])) await sql.raw(statement).execute(trx);
      await trx
        .insertInto('service_migrations')
        .values({ service: serviceId, version: migration.version, name: migration.name, applied_at: Date.now() })
        .execute();
    }
  });
}
