/**
 * The account across every beta service: deleting it erases what each
 * service keeps on it in the same transaction, and the export is the user's
 * copy of everything the beta holds on them.
 */
import type { FastifyInstance } from 'fastify';
import { authenticate, toIso, type RouteDeps } from '../http';
import type { LoadedService } from '../services/load-services';
import { describeAccount } from './accounts';

/** Registers DELETE /v1/account and GET /v1/account/export. */
export function registerAccountDataRoutes(app: FastifyInstance, deps: RouteDeps, services: readonly LoadedService[]): void {
  app.delete('/v1/account', async (request, reply) => {
    const { account } = await authenticate(deps, request);
    // Withdrawn services too: their data is kept while they are dark, so it must go with the account.
    await deps.store.deleteAccount(account.id, async (trx) => {
      for (const service of services) await service.definition.deleteAccountData(trx, account.id);
    });
    return reply.code(204).send();
  });

  app.get('/v1/account/export', async (request, reply) => {
    const { account } = await authenticate(deps, request);
    const exported: Record<string, unknown> = {};
    // One read transaction, so the copy is of one moment.
    await deps.store.db.transaction().setAccessMode('read only').execute(async (trx) => {
      for (const service of services) {
        exported[service.id] = { name: service.json.name, version: service.json.version, data: service.json.data, records: await service.definition.exportAccountData(trx, account.id) };
      }
    });
    reply.header('content-disposition', 'attachment; filename="beta-account-export.json"');
    return { exportedAt: toIso(deps.now()), account: describeAccount(deps, account), services: exported };
  });
}
