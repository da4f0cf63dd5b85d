import type { RecordingPlan } from './devices';

export type RecordStreamType = 'mainStream' | 'subStream';

export interface Recording {
  channel: number;
  streamType: RecordStreamType;
  /** Local time, "YYYY-MM-DD HH:MM:SS". */
  startTime: string;
  endTime: string;
  fileName: string;
}

export const RECORDS_PAGE_SIZE = 40;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local date as "YYYY-MM-DD": recordings are listed by the camera's local day. */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localDateTime(d: Date): string {
  return `${localDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function compact(d: Date): { date: string; time: string } {
  return {
    date: `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`,
    time: `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`,
  };
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Builds a device's recordings from its plan, relative to `now` so that "today" and "yesterday"
 * always have data. The same uid and day always give the same times, so reruns are reproducible.
 */
export function generateRecordings(
  uid: string,
  channels: number,
  plans: readonly RecordingPlan[],
  now: Date,
): Recording[] {
  const out: Recording[] = [];
  for (const plan of plans) {
    const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - plan.daysAgo);
    const date = localDate(day);
    const slot = Math.floor(86400 / plan.count);
    for (let i = 0; i < plan.count; i++) {
      const h = hash(`${uid}/${date}/${i}`);
      const startSec = i * slot + (h % Math.max(1, Math.floor(slot / 2)));
      const duration = Math.min(20 + ((h >>> 8) % 280), slot - 1 - (startSec - i * slot));
      const start = new Date(day.getTime() + startSec * 1000);
      const end = new Date(start.getTime() + Math.max(1, duration) * 1000);
      if (end.getTime() > now.getTime()) continue;
      for (let channel = 0; channel < channels; channel++) {
        for (const streamType of ['mainStream', 'subStream'] as const) {
          const s = compact(start);
          const e = compact(end);
          const size = (0x100000 + (h % 0xffffff)).toString(16).toUpperCase();
          out.push({
            channel,
            streamType,
            startTime: localDateTime(start),
            endTime: localDateTime(end),
            fileName:
              `/mnt/sda/Mp4Record/${date}/Rec${streamType === 'mainStream' ? 'M' : 'S'}` +
              `${pad(channel)}_DST${s.date}_${s.time}_${e.time}_2B14808_${size}.mp4`,
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** Days of a month with any recording on the channel, as the calendar endpoint reports them. */
export function calendarDays(
  recordings: readonly Recording[],
  channel: number,
  year: number,
  month: number,
): number[] {
  const prefix = `${year}-${pad(month)}-`;
  const days = new Set<number>();
  for (const r of recordings) {
    if (r.channel === channel && r.startTime.startsWith(prefix)) {
      days.add(Number(r.startTime.slice(8, 10)));
    }
  }
  return [...days].sort((a, b) => a - b);
}

export interface RecordsQuery {
  channel: number;
  streamType: RecordStreamType;
  recordDate: string;
  startAt: string;
  endAt: string;
  cursor?: RecordsCursor;
}

/** Decoded next_token: where the next page starts, and the total carried across pages. */
export interface RecordsCursor {
  nextTime: string;
  rows: number;
}

export interface RecordsPage {
  nextToken?: string;
  totalRows: number;
  items: Recording[];
}

export function encodeCursor(cursor: RecordsCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Returns undefined for anything that is not a token this server could have issued. */
export function decodeCursor(token: string): RecordsCursor | undefined {
  if (token.length < 1 || token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { nextTime, rows } = value as Record<string, unknown>;
    if (typeof nextTime !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(nextTime)) {
      return undefined;
    }
    if (!Number.isInteger(rows) || (rows as number) < 0) return undefined;
    return { nextTime, rows: rows as number };
  } catch {
    return undefined;
  }
}

/**
 * The file an alarm makes on the card: it runs from the alarm for `seconds`, and the camera
 * lists it only once it is written (its end has passed), so an alarm's file is "still
 * recording" for a while (seed: recordings are files on the micro SD card, listed by day).
 */
export function alarmRecordings(
  uid: string,
  channel: number,
  at: Date,
  seconds: number,
): Recording[] {
  const end = new Date(at.getTime() + seconds * 1000);
  const s = compact(at);
  const e = compact(end);
  return (['mainStream', 'subStream'] as const).map((streamType) => ({
    channel,
    streamType,
    startTime: localDateTime(at),
    endTime: localDateTime(end),
    fileName:
      `/mnt/sda/Mp4Record/${localDate(at)}/Rec${streamType === 'mainStream' ? 'M' : 'S'}` +
      `${pad(channel)}_DST${s.date}_${s.time}_${e.time}_2B14808_${(hash(uid + s.time) % 0xffffff).toString(16).toUpperCase()}.mp4`,
  }));
}

/** Files whose end has passed: a file still being written is not listed yet. */
export function written(all: readonly Recording[], now: Date): Recording[] {
  const at = localDateTime(now);
  return all.filter((r) => r.endTime <= at);
}

export function queryRecordings(all: readonly Recording[], q: RecordsQuery): RecordsPage {
  const from = `${q.recordDate} ${q.startAt}`;
  const to = `${q.recordDate} ${q.endAt}`;
  const matching = all.filter(
    (r) =>
      r.channel === q.channel &&
      r.streamType === q.streamType &&
      r.startTime >= from &&
      r.startTime <= to,
  );
  const cursor = q.cursor;
  const rest = cursor ? matching.filter((r) => r.startTime >= cursor.nextTime) : matching;
  const items = rest.slice(0, RECORDS_PAGE_SIZE);
  const page: RecordsPage = { totalRows: cursor?.rows ?? matching.length, items };
  if (rest.length > RECORDS_PAGE_SIZE) {
    // Listed first to match the documented response layout.
    return {
      nextToken: encodeCursor({
        nextTime: rest[RECORDS_PAGE_SIZE].startTime,
        rows: page.totalRows,
      }),
      ...page,
    };
  }
  return page;
}
