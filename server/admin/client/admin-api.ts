/**
 * The admin routes as the page calls them: the admin token from this tab's
 * sessionStorage (never the URL, never localStorage), sent as a Bearer
 * header. A 401 signs the page out.
 */

const TOKEN_KEY = 'sbc-admin-token';

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A refusal from the server, with its code and message. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

async function readError(response: Response): Promise<AdminApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return new AdminApiError(response.status, body.error?.code ?? 'unknown', body.error?.message ?? response.statusText);
  } catch {
    return new AdminApiError(response.status, 'unknown', `the server answered ${response.status}`);
  }
}

/** GET an admin route; resolves with the response once it is known to be a success. */
export async function fetchAdmin(path: string): Promise<Response> {
  const token = readToken();
  if (!token) throw new AdminApiError(401, 'admin_token_required', 'sign in with the admin token');
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (!response.ok) throw await readError(response);
  return response;
}

/** GET an admin route's JSON. */
export async function getAdmin<T>(path: string): Promise<T> {
  return (await (await fetchAdmin(path)).json()) as T;
}
