/**
 * Password stretching with scrypt (node:crypto, async so the event loop never
 * blocks). The stored form carries its parameters, so they can be raised later
 * and old hashes still verify (and are re-hashed on the next login).
 *
 * Stored form: `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1. */
export const OWASP_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_CHARACTERS = 8;
export const MAX_PASSWORD_BYTES = 1024;

function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r·p bytes; Node's default maxmem (32 MiB) is below OWASP's 128 MiB.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Hashes a password for storage.
 *
 * @example
 *   const stored = await hashPassword('correct horse battery');
 *   await verifyPassword('correct horse battery', stored); // true
 */
export async function hashPassword(password: string, params: ScryptParams = OWASP_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseStored(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') };
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const key = await deriveKey(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when a stored hash used weaker parameters than the current ones. */
export function needsRehash(stored: string, params: ScryptParams = OWASP_SCRYPT_PARAMS): boolean {
  const parsed = parseStored(stored);
  return !parsed || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p;
}

/**
 * True when the password holds a lone UTF-16 surrogate: not Unicode text, and
 * UTF-8 encoding would turn every one into U+FFFD, so "\ud800" and "\udfff"
 * would hash alike.
 */
export function hasLoneSurrogate(password: string): boolean {
  return /\p{Surrogate}/u.test(password);
}

/** Why a password is refused, or undefined when it is acceptable. */
export function findPasswordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_CHARACTERS) return `the password must have at least ${MIN_PASSWORD_CHARACTERS} characters`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `the password must be at most ${MAX_PASSWORD_BYTES} bytes`;
  return undefined;
}

/**
 * A verifier for unknown emails: it runs scrypt against a throw-away hash made
 * with the same parameters, so an unknown email costs as much as a wrong
 * password and timing does not reveal which accounts exist.
 */
export function createDecoyVerifier(params: ScryptParams = OWASP_SCRYPT_PARAMS): (password: string) => Promise<false> {
  // Made at once, so that even the first unknown email costs one scrypt and not two.
  const decoy = hashPassword(randomBytes(16).toString('base64url'), params);
  return async (password) => {
    await verifyPassword(password, await decoy);
    return false;
  };
}

export interface PasswordQueue {
  /** Runs `task` when one of the slots is free; throws `whenFull()` at once when too many already wait. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Roughly how long the queue now takes to empty, from recent task durations. */
  estimateWaitMs(): number;
}

/**
 * Bounds the scrypt work in progress: each one holds 128·N·r bytes and a
 * libuv thread, which file and DNS work share, so a login storm neither
 * exhausts memory nor starves the rest of the server.
 *
 * @example
 *   const queue = createPasswordQueue(2, 64, () => new Error('busy'));
 *   const stored = await queue.run(() => hashPassword(password));
 */
export function createPasswordQueue(concurrency: number, maxWaiting: number, whenFull: (queue: PasswordQueue) => Error): PasswordQueue {
  const waiting: Array<() => void> = [];
  let running = 0;
  let averageMs = 500;
  // A finished task hands its slot straight to the next waiter, so no newcomer can slip in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  const queue: PasswordQueue = {
    async run(task) {
      if (running >= concurrency) {
        if (waiting.length >= maxWaiting) throw whenFull(queue);
        await new Promise<void>((start) => waiting.push(start));
      } else {
        running += 1;
      }
      const started = performance.now();
      try {
        return await task();
      } finally {
        averageMs = averageMs * 0.8 + (performance.now() - started) * 0.2;
        release();
      }
    },
    estimateWaitMs: () => ((waiting.length + running) / concurrency) * averageMs,
  };
  return queue;
}
