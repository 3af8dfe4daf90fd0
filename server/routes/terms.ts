/**
 * The beta Terms of Service and Privacy Notice: which versions are current,
 * and their text, served by this server so the links never go stale.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ServerConfig } from '../config';
import { ApiError } from '../errors';
import type { RouteDeps } from '../http';

const versionParams = z.strictObject({ version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a terms version') });

/**
 * Absolute links need the server's public address (PUBLIC_URL). Without it
 * the links are relative to the server, never built from the request's Host
 * header, which a client or a cache in front could make point anywhere.
 */
function originOf(deps: RouteDeps): string {
  return deps.config.publicUrl ?? '';
}

const TEXT_FILE = /^(terms|privacy)-([A-Za-z0-9._-]{1,64})\.html$/;

/**
 * Every terms and privacy text in `termsDir`, read once: served from memory,
 * a page never waits for a file read behind password hashing in the libuv
 * threadpool. Throws when the current versions have no text, because users
 * would be asked to accept a page that does not exist.
 */
export function readTermsTexts(config: ServerConfig): Map<string, string> {
  const texts = new Map<string, string>();
  const names = existsSync(config.termsDir) ? readdirSync(config.termsDir) : [];
  for (const name of names) {
    if (TEXT_FILE.test(name)) texts.set(name, readFileSync(join(config.termsDir, name), 'utf8'));
  }
  const missing = [
    ['TERMS_VERSION', `terms-${config.termsVersion}.html`],
    ['PRIVACY_VERSION', `privacy-${config.privacyVersion}.html`],
  ].filter(([, name]) => !texts.has(name!));
  if (missing.length > 0) {
    const list = missing.map(([variable, name]) => `${variable}: ${join(config.termsDir, name!)}`).join('; ');
    throw new Error(`the text of the current terms is missing (${list}); add the file or set TERMS_DIR`);
  }
  return texts;
}

/** Registers GET /v1/terms, GET /terms/:version and GET /privacy/:version; throws when the current texts are missing. */
export function registerTermsRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const texts = readTermsTexts(deps.config);
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/v1/terms', async () => {
    const origin = originOf(deps);
    return {
      terms: { version: deps.config.termsVersion, url: `${origin}/terms/${deps.config.termsVersion}` },
      privacy: { version: deps.config.privacyVersion, url: `${origin}/privacy/${deps.config.privacyVersion}` },
    };
  });

  for (const kind of ['terms', 'privacy'] as const) {
    api.get(`/${kind}/:version`, { schema: { params: versionParams } }, async (request, reply) => {
      const { version } = request.params;
      const html = texts.get(`${kind}-${version}.html`);
      if (html === undefined) {
        const what = kind === 'terms' ? 'Terms of Service' : 'Privacy Notice';
        throw new ApiError(`${kind}_not_found`, `there is no ${what} version "${version}"`);
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(html);
    });
  }
}
