import { CamhubError, errors } from '../../core/errors';
import type { CameraInfo, StreamInfo } from '../../core/provider';
import {
  DAY_MS,
  type EventClipRef,
  type Recording,
  type RecordingRange,
  monthDays,
  recordingId,
} from '../../core/recordings';
import type { ReolinkClient } from './client';
import type { RopPlaySession, RopRecordFile } from './types';

/** ROP lists one local day per call (seed "Can only query by one day at a time"). */
export const MAX_RANGE_DAYS = 31;
/** A day holds at most this many pages (40 each) before we stop asking: a runaway guard. */
const MAX_PAGES_PER_DAY = 100;

const pad = (n: number) => String(n).padStart(2, '0');

/** Local "YYYY-MM-DD" and "HH:MM:SS": ROP recordings are by the camera's local day. */
function localParts(ms: number): { date: string; time: string } {
  const d = new Date(ms);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
  };
}

/** "YYYY-MM-DD HH:MM:SS" local to epoch ms; NaN when it is not that shape. */
export function parseLocal(text: unknown): number {
  const m =
    typeof text === 'string' && /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/** Local midnights from the day of `to` back to the day of `from`, newest first. */
function daysBack(from: number, to: number): number[] {
  const out: number[] = [];
  const last = new Date(to);
  let day = new Date(last.getFullYear(), last.getMonth(), last.getDate()).getTime();
  while (day + DAY_MS > from || out.length === 0) {
    out.push(day);
    const d = new Date(day);
    day = new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1).getTime();
    if (out.length > MAX_RANGE_DAYS + 1) break;
  }
  return out;
}

export function toRecording(cam: CameraInfo, file: RopRecordFile): Recording | undefined {
  const start = parseLocal(file.startTime);
  const end = parseLocal(file.endTime);
  if (!Number.isFinite(start) || typeof file.fileName !== 'string' || !file.fileName)
    return undefined;
  const stop = Number.isFinite(end) ? end : start;
  return {
    id: recordingId(cam.id, file.fileName),
    camera: { id: cam.id, name: cam.name },
    start: new Date(start).toISOString(),
    end: new Date(stop).toISOString(),
    duration: Math.max(0, Math.round((stop - start) / 1000)),
    // ROP says nothing about what started a file.
    labels: [],
  };
}

export function noCard(cam: CameraInfo, capable: string[]): CamhubError {
  return errors.notSupported(
    `Camera "${cam.name}" (Reolink) keeps no recordings: ROP plays back only from a micro SD card in the camera.`,
    capable,
  );
}

/** cmd_not_support on a records call means the camera has no card (seed: playback needs one). */
export async function orNoCard<T>(
  cam: CameraInfo,
  capable: () => string[],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CamhubError && err.vendorCode === 'cmd_not_support') {
      throw noCard(cam, capable());
    }
    throw err;
  }
}

/**
 * Every recording of a camera in the range, newest first, up to the limit: day by day from the
 * newest, each day's pages followed by next_token (they come oldest first).
 */
export async function listRecordings(
  client: ReolinkClient,
  cam: CameraInfo,
  uid: string,
  channel: number,
  range: RecordingRange,
): Promise<Recording[]> {
  if (range.to - range.from > MAX_RANGE_DAYS * DAY_MS) {
    throw errors.invalidInput(
      `Reolink lists recordings one day at a time; the range may span at most ${MAX_RANGE_DAYS} days: send a shorter from/to.`,
    );
  }
  const out: Recording[] = [];
  const label = `Recordings of "${cam.name}"`;
  for (const day of daysBack(range.from, range.to)) {
    const date = localParts(day).date;
    const startAt = day < range.from ? localParts(range.from).time : '00:00:00';
    const endAt = day + DAY_MS - 1 > range.to ? localParts(range.to).time : '23:59:59';
    const dayItems: Recording[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES_PER_DAY; page++) {
      const res = await client.records(
        uid,
        { channel, streamType: 'mainStream', date, startAt, endAt, nextToken },
        label,
      );
      for (const f of Array.isArray(res.items) ? res.items : []) {
        const rec = toRecording(cam, f);
        if (rec) dayItems.push(rec);
      }
      nextToken = typeof res.nextToken === 'string' && res.nextToken ? res.nextToken : undefined;
      if (!nextToken) break;
    }
    out.push(...dayItems.reverse());
    if (out.length >= range.limit) break;
  }
  return out.slice(0, range.limit);
}

export async function recordingDays(
  client: ReolinkClient,
  cam: CameraInfo,
  uid: string,
  channel: number,
  year: number,
  month: number,
): Promise<string[]> {
  const res = await client.recordCalendar(
    uid,
    channel,
    year,
    month,
    `Recording days of "${cam.name}"`,
  );
  const days = (Array.isArray(res.items) ? res.items : [])
    .filter((i) => i.channel === undefined || i.channel === channel)
    .map((i) => Number(i.date));
  return monthDays(year, month, days);
}

export function playInfo(session: RopPlaySession, what: string): StreamInfo {
  if (typeof session.playURL !== 'string' || !session.playURL) {
    throw new CamhubError('CLOUD_ERROR', `${what}: the server sent no playURL. Try again.`);
  }
  const ttl = Number(session.expiredIn);
  return {
    url: session.playURL,
    protocol: session.playURL.startsWith('rtsps:') ? 'rtsps' : 'rtsp',
    expiresAt:
      Number.isFinite(ttl) && ttl > 0 ? new Date(Date.now() + ttl * 1000).toISOString() : null,
  };
}

/** The file an alarm at `time` went into: the one running then, else the next to start. */
export function pickForEvent(items: Recording[], ref: EventClipRef): Recording | undefined {
  const at = ref.time ? Date.parse(ref.time) : Number.NaN;
  if (!Number.isFinite(at)) return undefined;
  const running = items.find((r) => Date.parse(r.start) <= at && Date.parse(r.end) >= at);
  if (running) return running;
  return items
    .filter((r) => Date.parse(r.start) >= at && Date.parse(r.start) - at <= 60_000)
    .sort((a, b) => a.start.localeCompare(b.start))[0];
}
