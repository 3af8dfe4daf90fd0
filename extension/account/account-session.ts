/** The signed-in state of the beta account, as kept in browser.storage.local. */
export const SESSION_STORAGE_KEY = 'host:account';

/**
 * A beta session. The token is opaque and valid only on the beta server it
 * came from; it is never shown in the UI.
 */
export interface AccountSession {
  email: string;
  token: string;
  /** ISO time after which the server no longer accepts the token. */
  expiresAt: string;
  /** Version of the terms the account accepted, when known. */
  acceptedTerms: string | null;
  /** The server has newer terms than the account accepted: services refuse until they are accepted. */
  termsOutdated: boolean;
}

/** The part of browser.storage.local the account client needs. */
export interface AccountStorage {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/**
 * Reads a stored session, or null when the value is missing or malformed
 * (an older or damaged value must never leave the user half signed in).
 *
 * @example
 * parseStoredSession({email: 'a@b.c', token: 't', expiresAt: '2030-01-01T00:00:00Z', acceptedTerms: '1', termsOutdated: false});
 */
export function parseStoredSession(value: unknown): AccountSession | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.email !== 'string' || typeof v.token !== 'string' || typeof v.expiresAt !== 'string') return null;
  if (v.token === '' || Number.isNaN(Date.parse(v.expiresAt))) return null;
  return {
    email: v.email,
    token: v.token,
    expiresAt: v.expiresAt,
    acceptedTerms: typeof v.acceptedTerms === 'string' ? v.acceptedTerms : null,
    termsOutdated: v.termsOutdated === true,
  };
}

/** True when the session's expiry has passed at `nowMs`. */
export function isSessionExpired(session: AccountSession, nowMs: number): boolean {
  return Date.parse(session.expiresAt) <= nowMs;
}
