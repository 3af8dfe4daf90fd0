/**
 * The admin dashboard's page at /admin/: static HTML and CSS, one script
 * bundled from server/admin/client/ with uPlot by esbuild the first time it
 * is asked for, and uPlot's stylesheet; nothing from another origin. The
 * page itself holds no data: it asks the admin routes with the token the
 * beta team types in. Every response carries a Content-Security-Policy that
 * allows scripts from this origin only (no inline script), forbids framing,
 * and `nosniff`.
 */
import { build } from 'esbuild';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../errors';
import type { RouteDeps } from '../http';

const PAGE_DIR = fileURLToPath(new URL('../admin/', import.meta.url));
const UPLOT_CSS = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');

export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every file of the page. */
export const ADMIN_PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': ADMIN_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
};

/** The dashboard's script, with uPlot, as one minified file. */
export async function bundleDashboardScript(): Promise<string> {
  const result = await build({
    entryPoints: [`${PAGE_DIR}client/main.ts`],
    bundle: true,
    write: false,
    format: 'iife',
    target: ['firefox115', 'chrome120', 'safari16'],
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Registers GET /admin/ and the page's files. */
export function registerAdminPageRoutes(app: FastifyInstance, _deps: RouteDeps, options: { bundle?: () => Promise<string> } = {}): void {
  const html = readFileSync(`${PAGE_DIR}index.html`, 'utf8');
  const css = readFileSync(`${PAGE_DIR}dashboard.css`, 'utf8');
  const uplotCss = readFileSync(UPLOT_CSS, 'utf8');
  // Built once, on first request: a server that never serves the page never pays for it.
  let script: Promise<string> | undefined;
  const bundle = options.bundle ?? bundleDashboardScript;

  const send = (reply: FastifyReply, type: string, body: string) => reply.headers(ADMIN_PAGE_HEADERS).type(type).send(body);

  app.get('/admin', async (_request, reply) => send(reply, 'text/html; charset=utf-8', html));
  app.get('/admin/dashboard.css', async (_request, reply) => send(reply, 'text/css; charset=utf-8', css));
  app.get('/admin/uPlot.min.css', async (_request, reply) => send(reply, 'text/css; charset=utf-8', uplotCss));
  app.get('/admin/dashboard.js', async (request, reply) => {
    script ??= bundle();
    let text: string;
    try {
      text = await script;
    } catch (error) {
      script = undefined;
      request.log.error({ err: error }, 'the dashboard script cannot be bundled');
      throw new ApiError('dashboard_unavailable');
    }
    return send(reply, 'text/javascript; charset=utf-8', text);
  });
}
