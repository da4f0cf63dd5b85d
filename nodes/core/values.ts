/** Small readers of untrusted msg values, shared by the msg, device and recordings parsers. */

/** An own property only: a msg's prototype chain is never read. */
export function own(o: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

/**
 * A value as an error message shows it: strings quoted and cut at 40 characters, numbers (and
 * booleans where `booleans` is set) as they are, anything else by its kind.
 */
export function describe(v: unknown, booleans = false): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}..."` : `"${v}"`;
  if (typeof v === 'number' || (booleans && typeof v === 'boolean')) return String(v);
  return `a ${typeof v}`;
}

/** A plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
