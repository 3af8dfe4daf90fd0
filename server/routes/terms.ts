/**
 * The beta Terms of Service and Privacy Notice: which versions are current,
 * and their text, served by this server so the links never go stale.
 */
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errors } from '../errors';
import { parseInput, type RouteDeps } from '../http';

const versionParams = z.strictObject({ version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a terms version') });

/**
 * Absolute links need the server's public address (PUBLIC_URL). Without it
 * the links are relative to the server, never built from the request's Host
 * header, which a client or a cache in front could make point anywhere.
 */
function originOf(deps: RouteDeps): string {
  return deps.config.publicUrl ?? '';
}

/** Registers GET /v1/terms, GET /terms/:version and GET /privacy/:version. */
export function registerTermsRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/v1/terms', async () => {
    const origin = originOf(deps);
    return {
      terms: { version: deps.config.termsVersion, url: `${origin}/terms/${deps.config.termsVersion}` },
      privacy: { version: deps.config.privacyVersion, url: `${origin}/privacy/${deps.config.privacyVersion}` },
    };
  });

  for (const kind of ['terms', 'privacy'] as const) {
    app.get(`/${kind}/:version`, async (request, reply) => {
      const { version } = parseInput(versionParams, request.params, 'path');
      let html: string;
      try {
        html = await readFile(join(deps.config.termsDir, `${kind}-${version}.html`), 'utf8');
      } catch {
        const what = kind === 'terms' ? 'Terms of Service' : 'Privacy Notice';
        throw errors.notFound(`${kind}_not_found`, `there is no ${what} version "${version}"`);
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(html);
    });
  }
}
