import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first so
 * that neither the content nor the length of the secret leaks through timing.
 */
export function secretEquals(presented: string | undefined, expected: string | undefined): boolean {
  if (!presented || !expected) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function generateSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/** The bearer token of an Authorization or (ROP's spelling) Authentication header. */
export function bearerToken(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  for (const name of ['authorization', 'authentication']) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    const m = value?.match(/^\s*Bearer\s+(\S+)\s*$/i);
    if (m) return m[1];
  }
  return undefined;
}
