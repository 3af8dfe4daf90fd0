/**
 * Mounts every loaded service under /v1/services/<id>/ behind one gate:
 * deployed (else 404 service_not_deployed), then, unless the service says
 * otherwise, a beta session and the current terms. Also GET /v1/services.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import { authenticate, requireCurrentTerms, type RouteDeps } from '../http';
import type { AccountRecord } from '../store/store';
import type { ServiceContext } from './define-service';
import type { LoadedService } from './load-services';
import { migrateService } from './service-migrations';
import { createDeploymentCheck } from './service-deployment';

/**
 * Runs the services' migrations, then registers their routes.
 *
 * @example await mountServices(app, deps, await loadServices());
 */
export async function mountServices(
  app: FastifyInstance,
  deps: RouteDeps,
  services: readonly LoadedService[],
  options: { deployAll?: boolean } = {},
): Promise<void> {
  for (const service of services) {
    await migrateService(deps.store.db, deps.store.dialect, service.id, service.definition.migrations);
  }
  const deployment = createDeploymentCheck(deps, services, options.deployAll);
  const accounts = new WeakMap<FastifyRequest, AccountRecord>();

  app.get('/v1/services', async () => ({ services: await deployment.listDeployed() }));

  for (const service of services) {
    const ctx: ServiceContext = {
      json: service.json,
      db: deps.store.db,
      dialect: deps.store.dialect,
      config: deps.config,
      now: deps.now,
      accountOf(request) {
        const account = accounts.get(request);
        if (!account) throw new Error(`service ${service.id} asked for the account of a request to a route that needs none`);
        return account;
      },
    };
    await app.register(
      async (scope) => {
        // onRequest: refused before any body is read.
        scope.addHook('onRequest', async (request) => {
          const reason = await deployment.findReason(service.id);
          if (reason) throw new ApiError('service_not_deployed', `the service "${service.id}" is not deployed: ${reason}`);
          if (!service.json.requiresAccount) return;
          const { account } = await authenticate(deps, request);
          requireCurrentTerms(deps, account);
          accounts.set(request, account);
        });
        await service.definition.routes(scope, ctx);
      },
      { prefix: `/v1/services/${service.id}` },
    );
  }
}
