/**
 * Opaque bearer tokens: 256 random bits, shown to the client once and stored
 * only as their SHA-256, so a leaked database holds no usable token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 bytes in base64url without padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Makes a new token and the hash to store.
 *
 * @example
 *   const { token, tokenHash } = createToken();
 *   hashToken(token) === tokenHash; // true
 */
export function createToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True for a string shaped like a token this server issues. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** Reads the token from `Authorization: Bearer <token>`; undefined when absent or malformed. */
export function readBearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '');
  return match ? match[1] : undefined;
}

/** Compares two secrets without leaking, through timing, how much of them matched. */
export function secretsEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
