import { CamhubError, errors } from '../../core/errors';
import type { HttpClient } from '../../core/http';
import type { CameraInfo, StreamInfo } from '../../core/provider';
import {
  DAY_MS,
  type EventClipRef,
  type Recording,
  type RecordingFile,
  type RecordingRange,
  recordingFilename,
  recordingId,
  splitRecordingId,
  waitForClip,
} from '../../core/recordings';
import type { ArloClient } from './client';
import type { ArloLibraryItem } from './types';

/** The library is read by whole days; a day either side catches items near midnight. */
const MAX_RANGE_DAYS = 92;
const CLIP_POLL_MS = 1_000;
/** An event's clip starts around its event: this much before and after is searched. */
const EVENT_WINDOW = { beforeMs: 30_000, afterMs: 120_000 };

const LABELS: Record<string, string> = {
  person: 'person',
  vehicle: 'vehicle',
  animal: 'animal',
  package: 'other',
  other: 'other',
};

/** The library reads whole days (it takes them as YYYYMMDD): this is the day of an instant. */
function day(ms: number): Date {
  return new Date(ms);
}

function key(item: ArloLibraryItem): string {
  return `${item.utcCreatedDate}:${item.name}`;
}

/** When a presigned S3 link stops working, from its X-Amz-Date and X-Amz-Expires. */
export function presignedExpiry(url: string): string | null {
  try {
    const q = new URL(url).searchParams;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
    const ttl = Number(q.get('X-Amz-Expires'));
    if (!m || !Number.isFinite(ttl)) return null;
    return new Date(
      Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + ttl * 1000,
    ).toISOString();
  } catch {
    return null;
  }
}

export function toRecording(
  cam: { id: string; name: string },
  item: ArloLibraryItem,
): Recording | undefined {
  const start = Number(item.utcCreatedDate);
  if (!Number.isFinite(start) || typeof item.name !== 'string') return undefined;
  const duration = Math.max(0, Math.round(Number(item.mediaDurationSecond) || 0));
  const labels: string[] = [];
  const category = typeof item.objCategory === 'string' ? item.objCategory.toLowerCase() : '';
  if (category) labels.push(LABELS[category] ?? 'other');
  else if (item.reason === 'motionRecord') labels.push('motion');
  else if (item.reason === 'audioRecord') labels.push('sound');
  const out: Recording = {
    id: recordingId(cam.id, key(item)),
    camera: { id: cam.id, name: cam.name },
    start: new Date(start).toISOString(),
    end: new Date(start + duration * 1000).toISOString(),
    duration,
    labels,
  };
  if (typeof item.presignedThumbnailUrl === 'string' && item.presignedThumbnailUrl) {
    out.thumbnailUrl = item.presignedThumbnailUrl;
  }
  return out;
}

/**
 * A camera's recordings in a range: one library call for the whole range of days (Arlo pages
 * by date range), then the camera's items inside the range, newest first.
 */
export async function listRecordings(
  client: ArloClient,
  cam: CameraInfo,
  range: RecordingRange,
): Promise<Recording[]> {
  if (range.to - range.from > MAX_RANGE_DAYS * DAY_MS) {
    throw errors.invalidInput(
      `Arlo's library is read by date range; ask for at most ${MAX_RANGE_DAYS} days at a time.`,
    );
  }
  const items = await client.library(
    day(range.from - DAY_MS),
    day(range.to + DAY_MS),
    `Recordings of "${cam.name}"`,
  );
  return items
    .filter((i) => i.deviceId === cam.id)
    .filter((i) => Number(i.utcCreatedDate) >= range.from && Number(i.utcCreatedDate) <= range.to)
    .map((i) => toRecording(cam, i))
    .filter((r): r is Recording => r !== undefined)
    .sort((a, b) => b.start.localeCompare(a.start))
    .slice(0, range.limit);
}

/** The library item behind a recording id, read fresh (its links expire). */
export async function findItem(
  client: ArloClient,
  cam: CameraInfo,
  id: string,
): Promise<ArloLibraryItem | undefined> {
  const { key: k } = splitRecordingId(id);
  const at = Number(k.slice(0, k.indexOf(':')));
  if (!Number.isFinite(at) || k.indexOf(':') < 0) {
    throw errors.invalidInput(
      `"${id.slice(0, 60)}" is not an Arlo recording id: use an id "list" sent.`,
    );
  }
  const items = await client.library(
    day(at - DAY_MS),
    day(at + DAY_MS),
    `Recording of "${cam.name}"`,
  );
  return items.find((i) => i.deviceId === cam.id && key(i) === k);
}

function gone(cam: CameraInfo): CamhubError {
  return errors.invalidInput(
    `That recording of "${cam.name}" is not in the Arlo library any more (deleted, or older than the plan keeps): list the recordings again.`,
  );
}

export async function play(client: ArloClient, cam: CameraInfo, id: string): Promise<StreamInfo> {
  const item = await findItem(client, cam, id);
  if (!item) throw gone(cam);
  const url = item.presignedContentUrl;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Recording of "${cam.name}": Arlo sent no link to the file. Try again.`,
    );
  }
  return { url, protocol: 'https', expiresAt: presignedExpiry(url) };
}

export async function download(
  client: ArloClient,
  http: HttpClient,
  cam: CameraInfo,
  id: string,
  maxBytes: number,
  deadlineMs: number,
): Promise<RecordingFile> {
  const item = await findItem(client, cam, id);
  if (!item) throw gone(cam);
  const rec = toRecording(cam, item);
  const url = item.presignedContentUrl;
  if (!rec || typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Recording of "${cam.name}": Arlo sent no link to the file. Try again.`,
    );
  }
  // Presigned: the signature is in the URL, the session's headers must not go along.
  const res = await http.download(
    {
      method: 'GET',
      path: url,
      auth: false,
      timeoutMs: deadlineMs,
      label: `Download of "${cam.name}"'s recording`,
    },
    maxBytes,
  );
  if (!isMp4(res.data)) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Download of "${cam.name}"'s recording: the file is not an MP4 (${res.headers['content-type'] ?? 'unknown type'}). Try again.`,
    );
  }
  return { data: res.data, contentType: 'video/mp4', filename: recordingFilename(rec) };
}

/** ISO BMFF files start with a box whose type is ftyp. */
export function isMp4(data: Buffer): boolean {
  return data.length >= 12 && data.toString('latin1', 4, 8) === 'ftyp';
}

/**
 * The recording an event made: a library/add packet names it; a motion is matched by camera
 * and time. It appears once recorded and uploaded, so it is waited for.
 */
export async function forEvent(
  client: ArloClient,
  cam: CameraInfo,
  ref: EventClipRef,
  timeoutMs: number,
  stopped: () => boolean,
): Promise<Recording> {
  const raw = (ref.raw ?? {}) as ArloLibraryItem & {
    resource?: unknown;
    properties?: ArloLibraryItem;
  };
  // A library/add packet is the recording itself: its fields at the top level (as MQTT sends
  // it, vendor-facts 2.9) or, from older relays, under properties.
  const item = raw.properties?.name !== undefined ? raw.properties : raw;
  // What names the clip: our own id or key ("<utc>:<name>"), or the library item's name (the
  // event node's payload.clip.id), or the library item the event carries.
  let wantedKey: string | undefined;
  let wantedName: string | undefined;
  const clip = ref.clipId?.includes('|') ? splitRecordingId(ref.clipId).key : ref.clipId;
  if (clip && /^\d+:/.test(clip)) wantedKey = clip;
  else if (clip) wantedName = clip;
  else if (item.name !== undefined && (raw.resource === 'library' || item.deviceId)) {
    wantedName = String(item.name);
  }
  const created = Number(item.utcCreatedDate);
  const at = wantedKey
    ? Number(wantedKey.slice(0, wantedKey.indexOf(':')))
    : Number.isFinite(created) && created > 0
      ? created
      : Date.parse(ref.time ?? '');
  if (!Number.isFinite(at)) {
    throw errors.invalidInput(
      'The Arlo event names no recording and no time: wire the camera event node in directly.',
    );
  }
  const wanted = wantedKey ?? wantedName;
  return waitForClip(
    async () => {
      const items = await client.library(
        day(at - DAY_MS),
        day(at + DAY_MS),
        `Recording of "${cam.name}"`,
      );
      const mine = items.filter((i) => i.deviceId === cam.id);
      const hit = wanted
        ? mine.find(
            (i) => key(i) === wantedKey || (wantedName !== undefined && i.name === wantedName),
          )
        : mine
            .filter((i) => {
              const t = Number(i.utcCreatedDate);
              return t >= at - EVENT_WINDOW.beforeMs && t <= at + EVENT_WINDOW.afterMs;
            })
            .sort(
              (a, b) =>
                Math.abs(Number(a.utcCreatedDate) - at) - Math.abs(Number(b.utcCreatedDate) - at),
            )[0];
      return hit ? toRecording(cam, hit) : undefined;
    },
    {
      timeoutMs,
      intervalMs: CLIP_POLL_MS,
      what: `The recording of the event on "${cam.name}"`,
      stopped,
    },
  );
}
