/**
 * Verdicts on the features of the current manifest against their exit
 * criteria (server/health/judge.ts; shape in the README, "Exit criteria and
 * verdicts"). Admin token only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { featureId } from '../../protocol/manifest-schema';
import { utcDay } from '../../protocol/usage-schema';
import { ApiError } from '../errors';
import { readChannelHealth, readFeatureHealth } from '../health/feature-health';
import { requireAdmin, type RouteDeps } from '../http';

const healthQuery = z.strictObject({ asOf: z.optional(utcDay) });
const featureParams = z.strictObject({ id: featureId });

/** Registers GET /v1/admin/health and GET /v1/admin/features/<id>/health, each with an optional ?asOf=YYYY-MM-DD. */
export function registerAdminHealthRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const today = () => new Date(deps.now()).toISOString().slice(0, 10);
  // app.ts checks the token for every /v1/admin/ route too; the route does not rely on its path alone.
  const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);

  api.get('/v1/admin/health', { onRequest, schema: { querystring: healthQuery } }, async (request) => {
    const day = request.query.asOf ?? today();
    return { asOf: day, features: await readChannelHealth(deps.store, day, new Date(deps.now())) };
  });

  api.get('/v1/admin/features/:id/health', { onRequest, schema: { params: featureParams, querystring: healthQuery } }, async (request) => {
    const { id } = request.params;
    const health = await readFeatureHealth(deps.store, id, request.query.asOf ?? today(), new Date(deps.now()));
    if (!health) throw new ApiError('unknown_feature', `the current manifest has no feature "${id}"`);
    return health;
  });
}
