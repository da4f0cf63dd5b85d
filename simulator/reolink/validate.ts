import type { SimRequest } from '../common';
import { RopError } from './errors';

// The real server validates every body and query against a schema before touching the device:
// wrong types, enums, ranges or a missing required field all end as 400 invalid_parameter.

export const UID_PATTERN = /^[A-Z0-9]{16}$/;

const invalid = (): RopError => new RopError('invalid_parameter');

export function checkUid(uid: string): string {
  if (!UID_PATTERN.test(uid)) throw invalid();
  return uid;
}

export function jsonBody(req: SimRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = req.json();
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  return value as Record<string, unknown>;
}

export function intField(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid();
  return v;
}

export function boolField(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (typeof v !== 'boolean') throw invalid();
  return v;
}

export function enumField<T extends string>(
  body: Record<string, unknown>,
  key: string,
  values: readonly T[],
): T {
  const v = body[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw invalid();
  return v as T;
}

export function stringField(
  body: Record<string, unknown>,
  key: string,
  minBytes: number,
  maxBytes: number,
): string {
  const v = body[key];
  if (typeof v !== 'string') throw invalid();
  const bytes = Buffer.byteLength(v);
  if (bytes < minBytes || bytes > maxBytes) throw invalid();
  return v;
}

function queryValue(req: SimRequest, key: string): string {
  const v = req.query.get(key);
  if (v === null || v === '') throw invalid();
  return v;
}

export function queryInt(req: SimRequest, key: string, min: number, max: number): number {
  const v = queryValue(req, key);
  if (!/^\d{1,9}$/.test(v)) throw invalid();
  const n = Number(v);
  if (n < min || n > max) throw invalid();
  return n;
}

export function queryEnum<T extends string>(req: SimRequest, key: string, values: readonly T[]): T {
  const v = queryValue(req, key);
  if (!(values as readonly string[]).includes(v)) throw invalid();
  return v as T;
}

export function queryDate(req: SimRequest, key: string): string {
  const v = queryValue(req, key);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) throw invalid();
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw invalid();
  }
  return v;
}

export function queryTime(req: SimRequest, key: string): string {
  const v = queryValue(req, key);
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(v);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw invalid();
  return v;
}

export function queryOptional(req: SimRequest, key: string): string | undefined {
  const v = req.query.get(key);
  return v === null ? undefined : v;
}

/** 1-31 bytes of letters, digits, spaces and hyphens, not starting or ending with a space. */
export function checkDeviceName(name: string): string {
  if (Buffer.byteLength(name) > 31 || !/^[A-Za-z0-9-](?:[A-Za-z0-9 -]*[A-Za-z0-9-])?$/.test(name)) {
    throw invalid();
  }
  return name;
}
