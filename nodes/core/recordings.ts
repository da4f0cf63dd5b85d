import { sleep } from './async';
import { errors } from './errors';
import { describe, isObject, own } from './values';

/**
 * The recordings part of the msg contract: what the recordings node sends and accepts, and the
 * pure parsing of its input. No Node-RED, no cloud: unit-tested on its own.
 */

export const RECORDING_ACTIONS = ['list', 'days', 'play', 'download'] as const;
export type RecordingAction = (typeof RECORDING_ACTIONS)[number];

/** One recording as every cloud reports it. */
export interface Recording {
  /** Opaque, "<camera id>|<the cloud's own key>"; play and download take it back. */
  id: string;
  camera: { id: string; name: string };
  /** ISO 8601. */
  start: string;
  end: string;
  /** Seconds. */
  duration: number;
  /** What started it, in the event types' words where the cloud says (person, vehicle, ...). */
  labels: string[];
  thumbnailUrl?: string;
  /** The event that made it, where the cloud links the two. */
  eventId?: string;
}

export interface RecordingFile {
  data: Buffer;
  contentType: 'video/mp4';
  filename: string;
}

export interface RecordingRange {
  /** Epoch ms, inclusive. */
  from: number;
  to: number;
  /** Most recordings to return (newest first). */
  limit: number;
}

/** What an event msg tells about its recording: the event, and the clip where the cloud named one. */
export interface EventClipRef {
  eventId?: string;
  clipId?: string;
  /** false while the cloud is still recording or uploading the clip. */
  ready?: boolean;
  /** ISO 8601 time of the event. */
  time?: string;
  /** The cloud's own event, for clouds whose clip id sits in it. */
  raw?: unknown;
}

export type RecordingRequest =
  | { action: 'list'; from: number; to: number }
  | { action: 'days'; year: number; month: number }
  | { action: 'play' | 'download'; id: string }
  | { action: 'play' | 'download'; event: EventClipRef };

export const DAY_MS = 86_400_000;
/** The default list range: the last 24 hours. */
export const DEFAULT_RANGE_MS = DAY_MS;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** The separator between the camera id and the cloud's key in a recording id. */
const ID_SEP = '|';

export function recordingId(cameraId: string, key: string): string {
  return `${cameraId}${ID_SEP}${key}`;
}

/** Splits a recording id; INVALID_INPUT for anything camhub did not hand out. */
export function splitRecordingId(id: string): { cameraId: string; key: string } {
  const at = id.indexOf(ID_SEP);
  if (at <= 0 || at === id.length - 1) {
    throw errors.invalidInput(
      `"${id.slice(0, 60)}" is not a recording id: use the id of an item the "list" action sent.`,
    );
  }
  return { cameraId: id.slice(0, at), key: id.slice(at + 1) };
}

/** The node's configured action, falling back to list. */
export function parseAction(value: unknown, fallback: RecordingAction = 'list'): RecordingAction {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (RECORDING_ACTIONS as readonly string[]).includes(value)) {
    return value as RecordingAction;
  }
  throw errors.invalidInput(
    `Recordings action ${describe(value)} is unknown: use ${RECORDING_ACTIONS.join(', ')}.`,
  );
}

/** An ISO 8601 string or epoch ms; `name` is for the message. */
export function parseTime(value: unknown, name: string): number {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    ms = /^\d{10,}$/.test(text) ? Number(text) : Date.parse(text);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
    throw errors.invalidInput(
      `"${name}" ${describe(value)} is not a time: use ISO 8601 ("2026-05-01T08:00:00Z") or epoch milliseconds.`,
    );
  }
  return ms;
}

/** from/to with the default of the last 24 hours; to before from is refused. */
export function parseRange(
  payload: Record<string, unknown>,
  now: number,
): { from: number; to: number } {
  const rawFrom = own(payload, 'from');
  const rawTo = own(payload, 'to');
  const to = rawTo === undefined || rawTo === null || rawTo === '' ? now : parseTime(rawTo, 'to');
  const from =
    rawFrom === undefined || rawFrom === null || rawFrom === ''
      ? to - DEFAULT_RANGE_MS
      : parseTime(rawFrom, 'from');
  if (to < from) {
    throw errors.invalidInput(
      `"to" (${new Date(to).toISOString()}) is before "from" (${new Date(from).toISOString()}): send from <= to, or leave both out for the last 24 hours.`,
    );
  }
  return { from, to };
}

function parseMonth(
  payload: Record<string, unknown>,
  now: number,
): { year: number; month: number } {
  const today = new Date(now);
  const year = own(payload, 'year') ?? today.getFullYear();
  const month = own(payload, 'month') ?? today.getMonth() + 1;
  const y = typeof year === 'string' && /^\d+$/.test(year) ? Number(year) : year;
  const m = typeof month === 'string' && /^\d+$/.test(month) ? Number(month) : month;
  if (typeof y !== 'number' || !Number.isInteger(y) || y < 2000 || y > 3000) {
    throw errors.invalidInput(`"year" ${describe(year)} is out of range: use 2000 to 3000.`);
  }
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 12) {
    throw errors.invalidInput(`"month" ${describe(month)} is out of range: use 1 to 12.`);
  }
  return { year: y, month: m };
}

/**
 * What an event msg says about its recording, or undefined when the payload is no event.
 * Takes `payload.clip` ({id, ready}), `payload.eventId`, and the camera event shape
 * ({vendor, type, eventId, raw}).
 */
export function eventClipRef(payload: Record<string, unknown>): EventClipRef | undefined {
  const clip = own(payload, 'clip');
  const eventId = own(payload, 'eventId');
  const isEvent =
    typeof own(payload, 'vendor') === 'string' && typeof own(payload, 'type') === 'string';
  if (!isObject(clip) && typeof eventId !== 'string' && !isEvent) return undefined;
  const ref: EventClipRef = {};
  if (typeof eventId === 'string' && eventId) ref.eventId = eventId.slice(0, 500);
  if (isObject(clip)) {
    const id = own(clip, 'id');
    if (typeof id === 'string' && id) ref.clipId = id.slice(0, 1000);
    else if (typeof id === 'number' && Number.isFinite(id)) ref.clipId = String(id);
    const ready = own(clip, 'ready');
    if (typeof ready === 'boolean') ref.ready = ready;
  }
  const time = own(payload, 'time');
  if (typeof time === 'string') ref.time = time;
  if (own(payload, 'raw') !== undefined) ref.raw = own(payload, 'raw');
  if (!ref.eventId && !ref.clipId) {
    throw errors.invalidInput(
      'The event msg names no recording: it needs payload.clip.id or payload.eventId (wire a camera event node in).',
    );
  }
  return ref;
}

/**
 * msg.payload of the recordings node: a string is the action; an object may carry action,
 * from/to, year/month or id; an event msg asks for its own recording.
 */
export function parseRecordingInput(
  payload: unknown,
  configured: RecordingAction,
  now: number = Date.now(),
): RecordingRequest {
  let action = configured;
  let body: Record<string, unknown> = {};
  if (typeof payload === 'string' && payload.trim() !== '') {
    action = parseAction(payload.trim());
  } else if (isObject(payload)) {
    body = payload;
    const event = eventClipRef(body);
    if (event && own(body, 'action') === undefined) {
      // An event asks for its clip: play unless the node is set to download.
      return { action: configured === 'download' ? 'download' : 'play', event };
    }
    if (own(body, 'action') !== undefined) action = parseAction(own(body, 'action'));
  } else if (
    payload !== undefined &&
    payload !== null &&
    payload !== '' &&
    typeof payload !== 'number' &&
    typeof payload !== 'boolean'
  ) {
    throw errors.invalidInput(
      `msg.payload ${describe(payload)} is not a recordings request: send "list", "days", "play", "download" or an object like {"action":"list","from":"2026-05-01T00:00:00Z"}.`,
    );
  }
  switch (action) {
    case 'list':
      return { action, ...parseRange(body, now) };
    case 'days':
      return { action, ...parseMonth(body, now) };
    case 'play':
    case 'download': {
      const id = own(body, 'id');
      if (typeof id === 'string' && id.trim() !== '' && id.length <= 2000) {
        splitRecordingId(id.trim());
        return { action, id: id.trim() };
      }
      const event = eventClipRef(body);
      if (event) return { action, event };
      throw errors.invalidInput(
        `"${action}" needs the recording's id: send {"action":"${action}","id":"<id from list>"}, or wire a camera event in.`,
      );
    }
  }
}

/** The node's limit and maxBytes settings, with msg overrides where given. */
export function parseLimit(value: unknown, fallback = DEFAULT_LIMIT): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw errors.invalidInput(`limit ${describe(value)} is out of range: use 1 to ${MAX_LIMIT}.`);
  }
  return n;
}

export function parseMaxBytes(value: unknown, fallback = DEFAULT_MAX_BYTES): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 31) {
    throw errors.invalidInput(
      `maxBytes ${describe(value)} is out of range: use a whole number of bytes, up to 2 GB.`,
    );
  }
  return n;
}

/** Newest first, at most `limit`: how every list leaves the provider. */
export function newestFirst(items: Recording[], limit: number): Recording[] {
  return [...items].sort((a, b) => b.start.localeCompare(a.start)).slice(0, limit);
}

/** A file name for a download: camera and start time, safe on every file system. */
export function recordingFilename(rec: { camera: { name: string }; start: string }): string {
  const name = rec.camera.name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'camera';
  const at = rec.start.replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '-');
  return `${name}_${at}.mp4`;
}

/** Days in local "YYYY-MM-DD" for a year, month and the day numbers a calendar reports. */
export function monthDays(year: number, month: number, days: number[]): string[] {
  const pad = (n: number) => String(n).padStart(2, '0');
  return [...new Set(days)]
    .filter((d) => Number.isInteger(d) && d >= 1 && d <= 31)
    .sort((a, b) => a - b)
    .map((d) => `${year}-${pad(month)}-${pad(d)}`);
}

/**
 * Asks `probe` until it finds the clip, at most until `timeoutMs` has passed, then TIMEOUT:
 * a clip is still recording or uploading for a while after its event. `stopped` ends the wait
 * early (the account was closed).
 */
export async function waitForClip<T>(
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs: number; what: string; stopped?: () => boolean },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (opts.stopped?.()) throw errors.timeout(opts.what);
    const left = deadline - Date.now();
    if (left <= 0) {
      throw errors.timeout(
        `${opts.what} (not ready after ${Math.round(opts.timeoutMs / 1000)} s, the account's command timeout)`,
      );
    }
    await sleep(Math.min(opts.intervalMs, left));
  }
}
