/**
 * The beta-account client: sign-up under the beta terms, sign-in, the stored
 * session, and the authenticated calls features make through
 * ctx.services.fetch. It talks only to the beta origin of its BetaServerClient,
 * under that client's deadline, size cap and no-redirect rule.
 *
 * @example
 * const account = new AccountClient({ server: new BetaServerClient({ origin: buildConfig.origin }), storage: browser.storage.local });
 * account.onChange(() => replan());
 * await account.signIn('qa@example.org', 'correct horse battery staple');
 * const response = await account.servicesFetch('shared-notes', '/v1/services/notes', { method: 'POST', body: { text } });
 */
import type { Disposable, ServicesInit } from '../runtime/feature-api';
import type { Terms } from '../messages';
import type { BetaAnswer, BetaServerClient } from '../channel/beta-server-client';
import { AccountError, createBadResponseError, createNotSignedInError, createRequestError, readAccountError, type AccountAction } from './account-error';
import { isSessionExpired, parseStoredSession, SESSION_STORAGE_KEY, type AccountSession, type AccountStorage } from './account-session';
import { checkServicesHeaders } from './services-headers';

export { AccountError } from './account-error';
export type { AccountSession, AccountStorage } from './account-session';

export type AccountListener = (session: AccountSession | null) => void | Promise<void>;

export interface AccountClientDeps {
  /** The beta server of the add-on's build. */
  server: BetaServerClient;
  storage: AccountStorage;
  now?: () => number;
  /** Where a listener's failure is reported; listeners never break the client. */
  log?: (message: string, error: unknown) => void;
}

/** What a feature may pass to ctx.services.fetch. */
export type ServicesRequestInit = ServicesInit;

/** Only this part of the beta server is open to features. */
export const SERVICES_PATH_PREFIX = '/v1/services/';
/** Most a service answer may weigh; the largest today, every note URL of an account, is about 2 MB. */
export const MAX_SERVICES_BYTES = 8 * 1024 * 1024;

interface RequestOptions {
  body?: unknown;
  token?: string;
  maxBytes?: number;
  headers?: Record<string, string>;
}

export class AccountClient {
  private readonly server: BetaServerClient;
  private readonly origin: string;
  private readonly storage: AccountStorage;
  private readonly now: () => number;
  private readonly log: (message: string, error: unknown) => void;
  private readonly listeners = new Set<AccountListener>();

  constructor(deps: AccountClientDeps) {
    this.server = deps.server;
    this.origin = deps.server.origin;
    this.storage = deps.storage;
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((message, error) => console.warn(message, error));
  }

  /** The current Terms of Service and Privacy Notice, with absolute URLs. */
  async getTerms(): Promise<Terms> {
    const action = 'load-terms';
    const response = await this.request('GET', '/v1/terms', action);
    if (!response.ok) throw readAccountError(response, action);
    const body = response.json<Partial<Terms>>();
    const terms = body?.terms;
    const privacy = body?.privacy;
    if (!isVersionedLink(terms) || !isVersionedLink(privacy)) {
      throw createBadResponseError(response, action, 'GET /v1/terms', 'terms.version/url, privacy.version/url');
    }
    return {
      terms: { version: terms.version, url: new URL(terms.url, this.origin).href },
      privacy: { version: privacy.version, url: new URL(privacy.url, this.origin).href },
    };
  }

  /** Creates a beta account under the given terms version, then signs in. */
  async signUp(email: string, password: string, acceptedTerms: string): Promise<AccountSession> {
    const action = 'sign-up';
    const response = await this.request('POST', '/v1/accounts', action, { body: { email, password, acceptedTerms } });
    if (!response.ok) throw readAccountError(response, action);
    return this.signIn(email, password);
  }

  /** Signs in and keeps the session; a failed account lookup afterwards does not undo the sign-in. */
  async signIn(email: string, password: string): Promise<AccountSession> {
    const action = 'sign-in';
    const response = await this.request('POST', '/v1/sessions', action, { body: { email, password } });
    if (!response.ok) throw readAccountError(response, action);
    const body = response.json<{ token?: unknown; expiresAt?: unknown }>();
    const session = parseStoredSession({ email, token: body?.token, expiresAt: body?.expiresAt });
    if (!session) {
      throw createBadResponseError(response, action, 'POST /v1/sessions', 'token, expiresAt');
    }
    await this.saveSession(session);
    try {
      return (await this.refreshAccount()) ?? session;
    } catch (error) {
      this.log('The beta account could not be loaded after sign-in; the session is kept.', error);
      return session;
    }
  }

  /** Signs out here even when the server cannot be told. */
  async signOut(): Promise<void> {
    const session = await this.readSession();
    if (!session) return;
    try {
      await this.request('DELETE', '/v1/sessions/current', 'sign-out', { token: session.token });
    } catch (error) {
      this.log('The beta server could not be told about the sign-out; the session is forgotten here.', error);
    }
    await this.forgetSession();
  }

  /**
   * The stored session, or null when there is none or it has expired.
   * Never touches the network, so the background can answer on every wake.
   */
  async getSession(): Promise<AccountSession | null> {
    const session = await this.readSession();
    if (session && isSessionExpired(session, this.now())) {
      await this.forgetSession();
      return null;
    }
    return session;
  }

  /** Asks the server for the account; a 401 means the token is gone and signs out. */
  async refreshAccount(): Promise<AccountSession | null> {
    const session = await this.getSession();
    if (!session) return null;
    const action = 'load-account';
    const response = await this.request('GET', '/v1/account', action, { token: session.token });
    if (response.status === 401) {
      await this.forgetSession(session.token);
      return null;
    }
    if (!response.ok) throw readAccountError(response, action);
    const body = response.json<{ email?: unknown; acceptedTerms?: unknown; termsOutdated?: unknown }>();
    return this.updateSession(session.token, {
      email: typeof body?.email === 'string' ? body.email : session.email,
      acceptedTerms: typeof body?.acceptedTerms === 'string' ? body.acceptedTerms : session.acceptedTerms,
      termsOutdated: body?.termsOutdated === true,
    });
  }

  /** Records that the account accepts the given terms version. */
  async acceptTerms(version: string): Promise<AccountSession | null> {
    const action = 'accept-terms';
    const session = await this.requireSession(action);
    const response = await this.request('POST', '/v1/account/terms', action, { token: session.token, body: { acceptedTerms: version } });
    await this.throwUnlessOk(response, action, session.token);
    return this.updateSession(session.token, { acceptedTerms: version, termsOutdated: false });
  }

  /** Deletes the beta account and everything the server keeps for it, then signs out. */
  async deleteAccount(): Promise<void> {
    const action = 'delete-account';
    const session = await this.requireSession(action);
    const response = await this.request('DELETE', '/v1/account', action, { token: session.token });
    await this.throwUnlessOk(response, action, session.token);
    await this.forgetSession(session.token);
  }

  /**
   * ctx.services.fetch for a feature: only paths under /v1/services/ on the
   * beta origin, signed in as the user's beta account, with a JSON body.
   * The Response is handed back as is, after the client has learnt from it.
   */
  async servicesFetch(featureId: string, path: string, init: ServicesRequestInit = {}): Promise<Response> {
    const url = new URL(path, this.origin);
    // Checked after resolving so that "..", "%2e%2e" or another origin cannot slip past.
    if (url.origin !== this.origin || !url.pathname.startsWith(SERVICES_PATH_PREFIX)) {
      throw new AccountError('forbidden-path', `Feature "${featureId}" may only call the beta services under ${SERVICES_PATH_PREFIX}, not "${path}".`, {
        subject: featureId,
      });
    }
    const headers = checkServicesHeaders(featureId, init.headers);
    const session = await this.getSession();
    if (!session) {
      throw new AccountError('not-signed-in', `Feature "${featureId}" needs a beta account: sign in to the beta channel first.`, { subject: featureId });
    }
    const answer = await this.request(init.method ?? 'GET', url.pathname + url.search, 'call-service', {
      token: session.token,
      body: init.body,
      maxBytes: MAX_SERVICES_BYTES,
      headers,
    });
    if (answer.status === 401) {
      await this.forgetSession(session.token);
    } else if (answer.status === 403) {
      const body = answer.json<{ error?: { code?: unknown } }>();
      if (body?.error?.code === 'terms_not_accepted') await this.updateSession(session.token, { termsOutdated: true });
    }
    return answer.toResponse();
  }

  /**
   * The runtime's ServicesClient (ctx.services.fetch) backed by this account.
   *
   * @example
   * const host = new FeatureHost({ ..., services: account.toServicesClient() });
   */
  toServicesClient(): { fetch(featureId: string, path: string, init?: ServicesRequestInit): Promise<Response> } {
    return { fetch: (featureId, path, init) => this.servicesFetch(featureId, path, init) };
  }

  /**
   * Calls the listener whenever the user signs in or out, or the terms state
   * changes. Returns a Disposable that removes it.
   */
  onChange(listener: AccountListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  private async request(method: string, path: string, action: AccountAction, options: RequestOptions = {}): Promise<BetaAnswer> {
    try {
      return await this.server.request({ method, path, json: options.body, token: options.token, maxBytes: options.maxBytes, headers: options.headers });
    } catch (error) {
      throw createRequestError(this.origin, action, error);
    }
  }

  private async requireSession(action: AccountAction): Promise<AccountSession> {
    const session = await this.getSession();
    if (!session) throw createNotSignedInError(action, this.origin);
    return session;
  }

  private async throwUnlessOk(response: BetaAnswer, action: AccountAction, token: string): Promise<void> {
    if (response.ok) return;
    if (response.status === 401) await this.forgetSession(token);
    throw readAccountError(response, action);
  }

  private async readSession(): Promise<AccountSession | null> {
    const stored = await this.storage.get(SESSION_STORAGE_KEY);
    return parseStoredSession(stored[SESSION_STORAGE_KEY]);
  }

  /** Merges into the stored session, unless the user signed out or in again meanwhile. */
  private async updateSession(token: string, patch: Partial<AccountSession>): Promise<AccountSession | null> {
    const current = await this.readSession();
    if (!current || current.token !== token) return current;
    const next = { ...current, ...patch };
    await this.saveSession(next, current);
    return next;
  }

  private async saveSession(session: AccountSession, previous?: AccountSession | null): Promise<void> {
    const before = previous === undefined ? await this.readSession() : previous;
    await this.storage.set({ [SESSION_STORAGE_KEY]: session });
    if (!isSameState(before, session)) this.notify(session);
  }

  /** Forgets the session; with a token, only if it is still that session. */
  private async forgetSession(token?: string): Promise<void> {
    const current = await this.readSession();
    if (!current || (token !== undefined && current.token !== token)) return;
    await this.storage.remove(SESSION_STORAGE_KEY);
    this.notify(null);
  }

  private notify(session: AccountSession | null): void {
    for (const listener of this.listeners) {
      try {
        Promise.resolve(listener(session)).catch((error) => this.log('A beta-account listener failed.', error));
      } catch (error) {
        this.log('A beta-account listener failed.', error);
      }
    }
  }
}

function isVersionedLink(value: unknown): value is { version: string; url: string } {
  const v = value as { version?: unknown; url?: unknown } | undefined;
  return typeof v?.version === 'string' && typeof v.url === 'string';
}

/** Listeners care about who is signed in and whether terms block services, not about token refreshes. */
function isSameState(a: AccountSession | null, b: AccountSession | null): boolean {
  if (!a || !b) return a === b;
  return a.token === b.token && a.email === b.email && a.termsOutdated === b.termsOutdated && a.acceptedTerms === b.acceptedTerms;
}
