/**
 * The admin dashboard's data (README "Admin dashboard"): each feature of the
 * current manifest with its rollout, failure and opt-out rates and rating
 * distribution, and one feature's daily series for the charts. Verdicts and
 * criteria come from GET /v1/admin/health. Admin token only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { featureId } from '../../protocol/manifest-schema';
import { utcDay } from '../../protocol/usage-schema';
import { ApiError } from '../errors';
import { listManifestFeatures } from '../health/feature-health';
import { wilsonInterval, type Interval } from '../health/stats';
import { requireAdmin, type RouteDeps } from '../http';
import type { ChannelTotals } from '../store/store';

/** The charts' default span: a year, ending today. */
export const DEFAULT_SPAN_DAYS = 365;
/** The longest span one request may ask for: two years and a leap day. */
export const MAX_SPAN_DAYS = 731;
const DAY_MS = 86_400_000;

const featureParams = z.strictObject({ id: featureId });
const dailyQuery = z.strictObject({ from: z.optional(utcDay), to: z.optional(utcDay) });

export function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The day range a request asks for, `to` defaulting to today and `from` to a
 * year before it; refused when reversed or longer than MAX_SPAN_DAYS.
 */
export function resolveDayRange(query: { from?: string; to?: string }, today: string, defaultSpan = DEFAULT_SPAN_DAYS): { from: string; to: string } {
  const to = query.to ?? (query.from ? shiftDay(query.from, defaultSpan - 1) : today);
  const from = query.from ?? shiftDay(to, 1 - defaultSpan);
  const span = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (span < 1) throw new ApiError('invalid_day_range', `query.from (${from}) is after query.to (${to})`);
  if (span > MAX_SPAN_DAYS) throw new ApiError('invalid_day_range', `query.from to query.to spans ${span} days; at most ${MAX_SPAN_DAYS}`);
  return { from, to };
}

export interface RateSummary {
  /** A share of installs (0–1), null before any install reported. */
  value: number | null;
  interval: Interval;
  /** Installs that reported it, of `installs`. */
  reports: number;
}

function summariseRate(reports: number, installs: number): RateSummary {
  const hits = Math.min(reports, installs);
  return { value: installs > 0 ? hits / installs : null, interval: wilsonInterval(hits, installs), reports: hits };
}

function summariseRatings(counts: readonly number[]): { count: number; mean: number | null; distribution: number[] } {
  const count = counts.reduce((sum, n) => sum + n, 0);
  const total = counts.reduce((sum, n, i) => sum + n * (i + 1), 0);
  return { count, mean: count > 0 ? Math.round((total / count) * 100) / 100 : null, distribution: [...counts] };
}

const NO_DATA: ChannelTotals = { installs: 0, failedInstalls: 0, optedOutInstalls: 0, ratings: [0, 0, 0, 0, 0] };

/** Registers GET /v1/admin/features and GET /v1/admin/features/<id>/daily[?from&to]. */
export function registerAdminDashboardRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const today = () => new Date(deps.now()).toISOString().slice(0, 10);
  // app.ts checks the token for every /v1/admin/ route too; the route does not rely on its path alone.
  const onRequest = async (request: FastifyRequest) => requireAdmin(deps, request);

  api.get('/v1/admin/features', { onRequest }, async () => {
    const totals = await deps.store.readChannelTotals();
    const features = (await listManifestFeatures(deps.store)).map((feature) => {
      const found = totals.get(feature.id) ?? NO_DATA;
      return {
        featureId: feature.id,
        version: feature.version,
        rolloutPercent: feature.rollout / 100,
        killed: feature.killed,
        requiresAccount: feature.requiresAccount,
        installs: found.installs,
        failureRate: summariseRate(found.failedInstalls, found.installs),
        optOutRate: summariseRate(found.optedOutInstalls, found.installs),
        ratings: summariseRatings(found.ratings),
      };
    });
    return { asOf: today(), features };
  });

  api.get('/v1/admin/features/:id/daily', { onRequest, schema: { params: featureParams, querystring: dailyQuery } }, async (request) => {
    const { from, to } = resolveDayRange(request.query, today());
    return { featureId: request.params.id, from, to, days: await deps.store.readDailySeries(request.params.id, from, to) };
  });
}
