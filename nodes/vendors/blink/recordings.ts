import { CamhubError, errors } from '../../core/errors';
import type { CameraInfo } from '../../core/provider';
import {
  type EventClipRef,
  type Recording,
  type RecordingFile,
  type RecordingRange,
  recordingFilename,
  recordingId,
  splitRecordingId,
  waitForClip,
} from '../../core/recordings';
import type { BlinkClient } from './client';
import type { BlinkMedia } from './types';

/** media/changed pages read for one list at most (25 clips each): a runaway guard. */
const MAX_PAGES = 40;
const CLIP_POLL_MS = 1_000;
/** Clips in a lookup window start this long before the clip's own time, for clock skew. */
const LOOKUP_SLACK_MS = 60_000;
/** Blink clips are about this long; the cloud does not say. */
const CLIP_SECONDS = 10;

const LABELS: Record<string, string> = { pir: 'motion', button_press: 'doorbell' };

function key(m: BlinkMedia): string {
  return `${m.id}:${Date.parse(m.created_at ?? '')}`;
}

export function toRecording(
  cam: { id: string; name: string },
  m: BlinkMedia,
): Recording | undefined {
  const start = Date.parse(m.created_at ?? '');
  if (typeof m.id !== 'number' || !Number.isFinite(start)) return undefined;
  return {
    id: recordingId(cam.id, key(m)),
    camera: { id: cam.id, name: cam.name },
    start: new Date(start).toISOString(),
    end: new Date(start + CLIP_SECONDS * 1000).toISOString(),
    duration: CLIP_SECONDS,
    labels: LABELS[m.source ?? ''] ? [LABELS[m.source ?? '']] : [],
    // The clip's event is the clip itself: its id is what the camera event node sends.
    eventId: String(m.id),
  };
}

/** Every entry changed since `since`, following the pages until one comes back short. */
async function entriesSince(client: BlinkClient, since: number): Promise<BlinkMedia[]> {
  const out: BlinkMedia[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await client.mediaChanged(since, page);
    const media = Array.isArray(res.media) ? res.media : [];
    out.push(...media.filter((m) => m && typeof m.id === 'number'));
    if (media.length === 0 || media.length < (res.limit ?? 25)) break;
  }
  return out;
}

function mine(cam: CameraInfo, m: BlinkMedia): boolean {
  return !m.deleted && String(m.device_id) === cam.id;
}

export async function listRecordings(
  client: BlinkClient,
  cam: CameraInfo,
  range: RecordingRange,
): Promise<Recording[]> {
  const entries = await entriesSince(client, range.from);
  const seen = new Set<number>();
  return entries
    .filter((m) => mine(cam, m) && !seen.has(m.id) && (seen.add(m.id), true))
    .filter((m) => {
      const t = Date.parse(m.created_at ?? '');
      return t >= range.from && t <= range.to;
    })
    .map((m) => toRecording(cam, m))
    .filter((r): r is Recording => r !== undefined)
    .sort((a, b) => b.start.localeCompare(a.start))
    .slice(0, range.limit);
}

/** The entry behind an id, read fresh; undefined once deleted. */
async function findEntry(
  client: BlinkClient,
  cam: CameraInfo,
  k: string,
): Promise<BlinkMedia | undefined> {
  const [idText, atText] = k.split(':');
  const at = Number(atText);
  if (!/^\d+$/.test(idText ?? '') || !Number.isFinite(at)) {
    throw errors.invalidInput(
      `"${k.slice(0, 60)}" is not a Blink recording id: use an id "list" sent.`,
    );
  }
  const entries = await entriesSince(client, at - LOOKUP_SLACK_MS);
  return entries.find((m) => mine(cam, m) && String(m.id) === idText);
}

export async function download(
  client: BlinkClient,
  cam: CameraInfo,
  id: string,
  maxBytes: number,
  deadlineMs: number,
): Promise<RecordingFile> {
  const m = await findEntry(client, cam, splitRecordingId(id).key);
  if (!m) {
    throw errors.invalidInput(
      `That clip of "${cam.name}" is not in the Blink cloud any more (deleted): list the recordings again.`,
    );
  }
  return fetchClip(client, cam, m, maxBytes, deadlineMs);
}

async function fetchClip(
  client: BlinkClient,
  cam: CameraInfo,
  m: BlinkMedia,
  maxBytes: number,
  deadlineMs: number,
): Promise<RecordingFile> {
  const rec = toRecording(cam, m);
  if (!rec || typeof m.media !== 'string' || !m.media) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Clip of "${cam.name}": Blink sent no path to the file. Try again.`,
    );
  }
  if (m.partial === true) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Clip of "${cam.name}": Blink is still uploading it. Try again in a few seconds.`,
    );
  }
  const data = await client.clip(m.media, maxBytes, deadlineMs, `Download of "${cam.name}"'s clip`);
  if (data.length < 12 || data.toString('latin1', 4, 8) !== 'ftyp') {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Clip of "${cam.name}": the file is not an MP4. Try again.`,
    );
  }
  return { data, contentType: 'video/mp4', filename: recordingFilename(rec) };
}

/**
 * An event's clip: the event id is the media entry's id. The entry is polled until its upload
 * is done (`partial` off), at most `timeoutMs`.
 */
export async function forEvent(
  client: BlinkClient,
  cam: CameraInfo,
  ref: EventClipRef,
  timeoutMs: number,
  stopped: () => boolean,
): Promise<Recording> {
  const raw = (ref.raw ?? {}) as { id?: unknown; created_at?: unknown };
  let mediaId = ref.clipId ?? ref.eventId;
  if (mediaId?.includes('|')) mediaId = splitRecordingId(mediaId).key.split(':')[0];
  if (mediaId?.includes(':')) mediaId = mediaId.split(':')[0];
  if (typeof raw.id === 'number') mediaId = String(raw.id);
  const at = Date.parse(typeof raw.created_at === 'string' ? raw.created_at : (ref.time ?? ''));
  if (!mediaId || !/^\d+$/.test(mediaId) || !Number.isFinite(at)) {
    throw errors.invalidInput(
      'The Blink event names no clip: wire the camera event node in directly (its eventId is the clip id).',
    );
  }
  return waitForClip(
    async () => {
      const entries = await entriesSince(client, at - LOOKUP_SLACK_MS);
      const m = entries.find((e) => mine(cam, e) && String(e.id) === mediaId);
      if (!m || m.partial === true) return undefined;
      return toRecording(cam, m);
    },
    {
      timeoutMs,
      intervalMs: CLIP_POLL_MS,
      what: `The clip of the event on "${cam.name}"`,
      stopped,
    },
  );
}
