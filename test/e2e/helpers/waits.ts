/**
 * Waiting in end-to-end tests: for a condition the user would see, never for
 * a fixed time. The budgets fit a busy two-core machine; on a quiet one the
 * conditions hold long before.
 */

/** How long one wait may take: a page to open, a row to change, a badge to show. */
export const WAIT_MS = 60_000;
/** A test file's own timeout: a few waits in a row, each well under WAIT_MS when the machine is quiet. */
export const TEST_MS = 180_000;
/** Building the add-on with webpack and starting Firefox, in a before hook. */
export const SETUP_MS = 300_000;

const POLL_MS = 200;

/**
 * Reads until `holds` accepts what was read, and returns that. On timeout the
 * error names what was awaited and the last thing read (or the last error),
 * so a failure says what the page showed instead.
 */
export async function waitUntil<T>(read: () => Promise<T>, holds: (value: T) => boolean, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  while (!last || Date.now() < deadline) {
    try {
      const value = await boundBy(read(), deadline - Date.now(), what);
      if (holds(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() < deadline) await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  }
  const seen = !last ? 'nothing was read' : 'value' in last ? `last seen: ${JSON.stringify(last.value)}` : `last error: ${String(last.error)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
}

/** The promise's outcome, or a rejection once `ms` have passed: a page that stops answering cannot hang a wait. */
export function boundBy<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.max(ms, 0)} ms: ${what}`)), Math.max(ms, 0));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Waits until `check` returns true. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  await waitUntil(check, (held) => held, what, timeoutMs);
}
