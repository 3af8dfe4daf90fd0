/**
 * The adoption report: per feature, installs, active installs over 1, 7 and 28
 * days, event counts and feedback. Admin token only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAdmin, type RouteDeps } from '../http';
import { utcDay } from '../../protocol/usage-schema';

const reportQuery = z.strictObject({ asOf: z.optional(utcDay) });

/** Registers GET /v1/admin/report[?asOf=YYYY-MM-DD]. */
export function registerAdminReportRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // app.ts checks the token for every /v1/admin/ route too; the route does not rely on its path alone.
  const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);
  api.get('/v1/admin/report', { onRequest, schema: { querystring: reportQuery } }, async (request) => {
    const { asOf } = request.query;
    const day = asOf ?? new Date(deps.now()).toISOString().slice(0, 10);
    return { asOf: day, features: await deps.store.readReport(day) };
  });
}
