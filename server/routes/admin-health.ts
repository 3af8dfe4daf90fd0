/**
 * Verdicts on the features of the current manifest against their exit
 * criteria (server/health/judge.ts; shape in the README, "Exit criteria and
 * verdicts"). Admin token only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { featureId } from '../../protocol/manifest-schema';
import { utcDay } from '../../protocol/usage-schema';
import { errors } from '../errors';
import { readChannelHealth, readFeatureHealth } from '../health/feature-health';
import { parseInput, requireAdmin, type RouteDeps } from '../http';

const healthQuery = z.strictObject({ asOf: z.optional(utcDay) });
const featureParams = z.strictObject({ id: featureId });

/** Registers GET /v1/admin/health and GET /v1/admin/features/<id>/health, each with an optional ?asOf=YYYY-MM-DD. */
export function registerAdminHealthRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const today = () => new Date(deps.now()).toISOString().slice(0, 10);

  app.get('/v1/admin/health', async (request) => {
    requireAdmin(deps, request);
    const { asOf } = parseInput(healthQuery, request.query, 'query');
    const day = asOf ?? today();
    return { asOf: day, features: await readChannelHealth(deps.store, day) };
  });

  app.get('/v1/admin/features/:id/health', async (request) => {
    requireAdmin(deps, request);
    const { id } = parseInput(featureParams, request.params, 'path');
    const { asOf } = parseInput(healthQuery, request.query, 'query');
    const health = await readFeatureHealth(deps.store, id, asOf ?? today());
    if (!health) throw errors.notFound('unknown_feature', `the current manifest has no feature "${id}"`);
    return health;
  });
}
