/**
 * The beta server as a fastify instance, not yet listening. Everything it
 * needs comes in as options, so tests run it on a temporary SQLite file with
 * a clock they control.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PinnedKey } from '../protocol/envelope';
import { KEYS_PATH } from '../protocol/key-document';
import { readPublicKeys } from '../protocol/key-files';
import { MANIFEST_PATH } from '../protocol/manifest-schema';
import type { ServerConfig } from './config';
import { answerClientError, createCutOffHook, createTimeoutOptions } from './connection-guards';
import { createDecoyVerifier, createPasswordQueue, hashPassword, needsRehash, verifyPassword } from './crypto/passwords';
import { ApiError, toErrorResponse } from './errors';
import { compileRouteSchema, createBusyError, requireAdmin, type PasswordHasher, type RouteDeps } from './http';
import { createRefusalCache } from './refusal-cache';
import { registerAccountDataRoutes } from './routes/account-data';
import { registerAccountRoutes } from './routes/accounts';
import { registerAdminDashboardRoutes } from './routes/admin-dashboard';
import { registerAdminFeedbackRoutes } from './routes/admin-feedback';
import { registerAdminHealthRoutes } from './routes/admin-health';
import { registerAdminPageRoutes } from './routes/admin-page';
import { registerAdminReportRoutes } from './routes/admin-report';
import { registerFeedbackRoutes } from './routes/feedback';
import { createKeyDocumentSource, registerKeyRoutes } from './routes/keys';
import { registerHaltRoutes } from './halt/halt-routes';
import { createManifestSource, manifestCacheControl, registerManifestRoutes } from './routes/manifest';
import { registerSessionRoutes } from './routes/sessions';
import { registerTermsRoutes } from './routes/terms';
import { registerUsageRoutes } from './routes/usage';
import { loadServices, type LoadedService } from './services/load-services';
import { mountServices } from './services/mount-services';
import { createMemoryResponder, openDocumentCache } from './served-document';
import type { BetaStore } from './store/store';

/** A number of proxy hops becomes a trust function (fastify's types take no number); addresses pass as they are. */
function trustProxyOption(trust: false | number | string): { trustProxy?: string | ((address: string, hop: number) => boolean) } {
  if (trust === false) return {};
  if (typeof trust === 'number') return { trustProxy: (_address, hop) => hop < trust };
  return { trustProxy: trust };
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface BuildServerOptions {
  /** Closed when the server closes: the server owns it from here on. */
  store: BetaStore;
  config: ServerConfig;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** fastify's logger option; off unless the config sets a log level. */
  logger?: boolean | { level: string };
  /** Defaults to reading `config.publicKeyPaths`; a missing path means no key. */
  loadPublicKeys?: RouteDeps['loadPublicKeys'];
  /** The beta services to run; defaults to every folder under server/services/. */
  services?: readonly LoadedService[];
  /**
   * 'manifest' (the default on a beta server): a service runs only while the signed
   * manifest deploys it; 'all': every service runs (the default with ALLOW_UNREVIEWED).
   */
  serviceDeployment?: 'manifest' | 'all';
  /** How often each process checks for a newer manifest (1 s); PostgreSQL also announces it at once. */
  manifestCheckIntervalMs?: number;
  /** Defaults to reading `config.rootKeyPaths`. */
  loadRootKeys?: RouteDeps['loadRootKeys'];
}

function createPasswordHasher(config: ServerConfig): PasswordHasher {
  const verifyDecoy = createDecoyVerifier(config.passwordParams);
  const queue = createPasswordQueue(config.passwordConcurrency, config.passwordQueueLength, (full) => createBusyError(full.estimateWaitMs()));
  return {
    hash: (password) => queue.run(() => hashPassword(password, config.passwordParams)),
    verify: (password, stored) => queue.run(() => verifyPassword(password, stored)),
    verifyDecoy: (password) => queue.run(() => verifyDecoy(password)),
    needsRehash: (stored) => needsRehash(stored, config.passwordParams),
  };
}

/** Reads the configured key files and folders; a path that does not exist holds no key. */
export function loadConfiguredKeys(paths: readonly string[]): PinnedKey[] {
  return readPublicKeys(paths.filter((path) => existsSync(path)));
}

/** Turns `/terms/:version` into a regular expression over request paths. */
function compilePattern(url: string): RegExp {
  const body = url.replace(/\/+$/, '').split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${body.join('/')}/?$`);
}

/** Sends an error as `{error: {code, message}}`; a 5xx is logged with its cause. */
function sendError(error: unknown, reply: FastifyReply): FastifyReply {
  const response = toErrorResponse(error);
  if (response.status >= 500) reply.log.error({ err: error }, 'request failed');
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/**
 * Builds the beta server. It closes the store when it closes.
 *
 * @example
 *   const app = await buildServer({ store: await openSqliteStore(file), config: createConfig({ adminToken }) });
 *   await app.listen({ host: '127.0.0.1', port: 0 });
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const deps: RouteDeps = {
    store: options.store,
    config,
    now: options.now ?? Date.now,
    passwords: createPasswordHasher(config),
    loadPublicKeys: options.loadPublicKeys ?? (() => loadConfiguredKeys(config.publicKeyPaths)),
    refusals: createRefusalCache(),
    loadRootKeys: options.loadRootKeys ?? (() => loadConfiguredKeys(config.rootKeyPaths)),
  };
  const app = Fastify({
    logger: options.logger ?? (config.logLevel ? { level: config.logLevel } : false),
    bodyLimit: DEFAULT_BODY_LIMIT,
    ...trustProxyOption(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true },
    // Keep-alive connections that sit idle would otherwise hold close() open.
    forceCloseConnections: 'idle',
    ...createTimeoutOptions(config),
    clientErrorHandler: answerClientError,
    // A path that is not a valid URL, or too long a path part, is refused before routing: same body as every error.
    frameworkErrors: (error: FastifyError, _request, reply) => void sendError(error, reply),
  });
  // Request bodies, queries and path parameters are checked against each route's zod schema before its handler runs.
  app.setValidatorCompiler(compileRouteSchema);
  app.decorateRequest('signedIn', null);
  app.addHook('onClose', async () => {
    await deps.store.close();
  });

  // JSON only: any other body type is refused with 415 instead of reaching a route as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new ApiError('invalid_json', `the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  const routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  app.addHook('onRoute', (route) => {
    const pattern = compilePattern(route.url ?? route.path);
    let entry = routes.find((r) => r.pattern.source === pattern.source);
    if (!entry) routes.push((entry = { pattern, methods: new Set() }));
    for (const method of [route.method].flat()) entry.methods.add(method);
  });

  // Every admin route: a stranger's upload is refused before its body is read, and not drained afterwards.
  app.addHook('onRequest', createCutOffHook('/v1/admin/', (request) => requireAdmin(deps, request)));

  // Requests in flight when closing starts finish, then their connection ends, so close() is not held open by keep-alive.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  const checkIntervalMs = options.manifestCheckIntervalMs ?? 1000;
  // The published manifest is answered from memory ahead of fastify's routing and hooks: it is the route every install polls.
  const manifestCache = await openDocumentCache(createManifestSource(options.store), {
    checkIntervalMs,
    onError: (error) => app.log.warn({ err: error }, 'cannot refresh the served manifest'),
  });
  // The key document is fetched before every manifest check, so it is answered from memory too.
  const keysCache = await openDocumentCache(createKeyDocumentSource(options.store), {
    checkIntervalMs,
    onError: (error) => app.log.warn({ err: error }, 'cannot refresh the served key document'),
  });
  app.addHook('onClose', async () => {
    await manifestCache.close();
    await keysCache.close();
  });
  const corsHeaders = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag, Retry-After, X-Last-Modified, X-Weave-Next-Offset' };
  const haltRoute = await registerHaltRoutes(app, deps, { checkIntervalMs });
  const answerFromMemory = createMemoryResponder(
    [
      { path: MANIFEST_PATH, cache: manifestCache, headers: { 'cache-control': manifestCacheControl(deps), ...corsHeaders } },
      { path: KEYS_PATH, cache: keysCache, headers: { 'cache-control': manifestCacheControl(deps), ...corsHeaders } },
      { ...haltRoute, headers: { ...haltRoute.headers, ...corsHeaders } },
    ],
    () => closing,
  );
  const fastifyListeners = app.server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  app.server.removeAllListeners('request');
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (answerFromMemory(req, res)) return;
    for (const listener of fastifyListeners) listener.call(app.server, req, res);
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close');
    if (request.url.startsWith('/v1/')) {
      // Bearer tokens, not cookies: any origin (the add-on's moz-extension://) may call, without credentials.
      reply.headers(corsHeaders);
    }
  });

  app.options('/v1/*', async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS')
      .header('access-control-allow-headers', 'Authorization, Content-Type, If-None-Match, X-If-Modified-Since, X-If-Unmodified-Since')
      .header('access-control-max-age', '600')
      .send(),
  );

  app.setErrorHandler((error, _request, reply) => sendError(error, reply));

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const known = routes.find((r) => r.pattern.test(path) && !r.methods.has(request.method));
    if (known && !routes.some((r) => r.pattern.test(path) && r.methods.has(request.method))) {
      const allow = [...known.methods].sort().join(', ');
      const refusal = new ApiError('method_not_allowed', `${request.method} ${path} is not allowed; use ${allow}`, { allow });
      return sendError(refusal, reply);
    }
    return sendError(new ApiError('not_found', `there is no route ${request.method} ${path}`), reply);
  });

  registerTermsRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerSessionRoutes(app, deps);
  await registerKeyRoutes(app, deps, keysCache);
  await registerManifestRoutes(app, deps, manifestCache);
  const services = options.services ?? (await loadServices());
  registerAccountDataRoutes(app, deps, services);
  await mountServices(app, deps, services, { deployAll: (options.serviceDeployment ?? (config.allowUnreviewed ? 'all' : 'manifest')) === 'all' });
  registerUsageRoutes(app, deps);
  registerFeedbackRoutes(app, deps);
  registerAdminReportRoutes(app, deps);
  registerAdminHealthRoutes(app, deps);
  registerAdminDashboardRoutes(app, deps);
  registerAdminFeedbackRoutes(app, deps);
  registerAdminPageRoutes(app, deps);
  await app.ready();
  return app;
}
