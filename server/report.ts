/**
 * `npm run report`: prints the adoption report as a table and the verdict on
 * each feature of the current manifest against its exit criteria, read from
 * the store (DATABASE_URL, else the SQLite file in DATA_DIR) or from a running server:
 *   npm run report [-- --as-of 2026-11-25] [--json]
 *   npm run report -- --server https://beta.example --admin-token <t>
 * `--json` prints the verdicts only, as GET /v1/admin/health answers them.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { formatHealth } from './health/format-health';
import { readChannelHealth } from './health/feature-health';
import type { FeatureHealth } from './health/judge';
import { describeStore, openStore } from './store/open-store';
import type { FeatureReport } from './store/store';

export interface Report {
  asOf: string;
  features: FeatureReport[];
}

/** The verdicts, as GET /v1/admin/health and `npm run report -- --json` give them. */
export interface HealthReport {
  asOf: string;
  features: FeatureHealth[];
}

/**
 * Formats the report as a plain-text table, one feature a row.
 *
 * @example
 *   console.log(formatReportTable({ asOf: '2026-11-25', features }));
 */
export function formatReportTable(report: Report): string {
  const header = ['feature', 'installs', 'active 1d', 'active 7d', 'active 28d', 'feedback', 'mean rating', 'events'];
  const rows = report.features.map((f) => [
    f.featureId,
    String(f.installs),
    String(f.active1d),
    String(f.active7d),
    String(f.active28d),
    String(f.feedbackCount),
    f.meanRating === null ? '-' : f.meanRating.toFixed(2),
    Object.entries(f.events)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([event, count]) => `${event}=${count}`)
      .join(' ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = [`Adoption report as of ${report.asOf}`, line(header), line(widths.map((w) => '-'.repeat(w)))];
  lines.push(...(rows.length ? rows.map(line) : ['(no usage or feedback yet)']));
  return lines.join('\n');
}

/** Fetches the report (or, with path /v1/admin/health, the verdicts) from a running server's admin route. */
export async function fetchReport<T = Report>(server: string, adminToken: string, asOf?: string, fetchImpl: typeof fetch = fetch, path = '/v1/admin/report'): Promise<T> {
  const url = new URL(path, server);
  if (asOf) url.searchParams.set('asOf', asOf);
  const response = await fetchImpl(url, { headers: { authorization: `Bearer ${adminToken}` } });
  const body = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
  return body;
}

/** Reads the report and the verdicts straight from the store: PostgreSQL at `databaseUrl`, else the SQLite file in `dataDir`. */
export async function readLocalReport(dataDir: string, asOf?: string, databaseUrl?: string): Promise<Report & { health: HealthReport }> {
  const location = { dataDir, databaseUrl };
  let store;
  try {
    store = await openStore(location, { fileMustExist: true });
  } catch (error) {
    throw new Error(`${describeStore(location)}: cannot open the beta database: ${(error as Error).message}`);
  }
  try {
    const day = asOf ?? new Date().toISOString().slice(0, 10);
    return { asOf: day, features: await store.readReport(day), health: { asOf: day, features: await readChannelHealth(store, day) } };
  } finally {
    await store.close();
  }
}

async function runReport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { server: { type: 'string' }, 'admin-token': { type: 'string' }, 'as-of': { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  });
  const asOf = values['as-of'];
  if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`--as-of must be a day like 2026-11-25, not "${asOf}"`);
  let report: Report;
  let health: HealthReport;
  if (values.server) {
    const token = values['admin-token'] ?? process.env.ADMIN_TOKEN;
    if (!token) throw new Error('--server needs --admin-token (or ADMIN_TOKEN)');
    report = await fetchReport(values.server, token, asOf);
    health = await fetchReport<HealthReport>(values.server, token, asOf, fetch, '/v1/admin/health');
  } else {
    const local = await readLocalReport(resolve(values['data-dir'] ?? process.env.DATA_DIR ?? '.beta-data'), asOf, process.env.DATABASE_URL || undefined);
    report = local;
    health = local.health;
  }
  if (values.json) console.log(JSON.stringify(health, null, 2));
  else console.log(`${formatReportTable(report)}\n\n${formatHealth(health.asOf, health.features)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runReport(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
