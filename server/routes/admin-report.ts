/**
 * The adoption report: per feature, installs, active installs over 1, 7 and 28
 * days, event counts and feedback. Admin token only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput, requireAdmin, type RouteDeps } from '../http';
import { utcDay } from '../../protocol/usage-schema';

const reportQuery = z.strictObject({ asOf: z.optional(utcDay) });

/** Registers GET /v1/admin/report[?asOf=YYYY-MM-DD]. */
export function registerAdminReportRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/v1/admin/report', async (request) => {
    requireAdmin(deps, request);
    const { asOf } = parseInput(reportQuery, request.query, 'query');
    const day = asOf ?? new Date(deps.now()).toISOString().slice(0, 10);
    return { asOf: day, features: await deps.store.readReport(day) };
  });
}
