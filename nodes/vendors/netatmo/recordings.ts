import { errors, toCamhubError } from '../../core/errors';
import type { CameraInfo, StreamInfo } from '../../core/provider';
import {
  type EventClipRef,
  type Recording,
  type RecordingRange,
  recordingId,
  splitRecordingId,
  waitForClip,
} from '../../core/recordings';
import type { NetatmoClient } from './client';
import { unifiedType } from './events';
import type { NetatmoEvent } from './types';

/** getevents pages read for one recordings list at most. */
const RECORDING_PAGES = 20;
const RECORDING_PAGE_SIZE = 50;

/**
 * Netatmo recordings are the events' videos on the camera's SD card (vendor-facts 3.6, 3.8):
 * `video_id` and `video_status` on each getevents entry, played by HLS from the camera at
 * `.../vod/<video_id>/files/<quality>/index.m3u8`. Netatmo does not say how long a video is.
 */

/** homestatus sd_status: 4 is a working card (openHAB's Netatmo binding, SdCardStatus). */
export const SD_WORKING = 4;
const SD_TEXT: Record<number, string> = {
  1: 'no micro SD card',
  2: 'a micro SD card that is not set up yet',
  3: 'a freshly formatted micro SD card',
  5: 'a defective micro SD card',
  6: 'a micro SD card that is too slow',
  7: 'a micro SD card that is full',
};

export function sdProblem(sdStatus: unknown): string | undefined {
  if (sdStatus === undefined || sdStatus === SD_WORKING) return undefined;
  return SD_TEXT[Number(sdStatus)] ?? `a micro SD card in state ${String(sdStatus)}`;
}

export function eventLabels(e: NetatmoEvent): string[] {
  const out = new Set<string>();
  for (const sub of Array.isArray(e.subevents) ? e.subevents : []) {
    const t = unifiedType(sub.type);
    if (t) out.add(t);
  }
  const own = unifiedType(e.type);
  if (own && out.size === 0) out.add(own);
  return [...out];
}

export function toRecording(
  cam: { id: string; name: string },
  e: NetatmoEvent,
): Recording | undefined {
  if (typeof e.video_id !== 'string' || !e.video_id || typeof e.time !== 'number') return undefined;
  if (e.video_status === 'deleted') return undefined;
  const start = new Date(e.time * 1000).toISOString();
  const rec: Recording = {
    id: recordingId(cam.id, e.video_id),
    camera: { id: cam.id, name: cam.name },
    start,
    end: start,
    duration: 0,
    labels: eventLabels(e),
    eventId: e.id,
  };
  if (typeof e.snapshot?.url === 'string' && e.snapshot.url) rec.thumbnailUrl = e.snapshot.url;
  return rec;
}

/** Video ids are hex (the cloud's) or at least URL-safe; anything else is not ours. */
export function checkVideoId(videoId: string): string {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(videoId)) {
    throw errors.invalidInput(
      `"${videoId.slice(0, 40)}" is not a Netatmo video id: use an id "list" sent.`,
    );
  }
  return videoId;
}

/** getevents of a home back to `from` (Unix ms), following the event_id cursor. */
async function eventsSince(
  client: NetatmoClient,
  homeId: string,
  from: number,
): Promise<NetatmoEvent[]> {
  const out: NetatmoEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < RECORDING_PAGES; page++) {
    const reply = await client.getEvents(homeId, RECORDING_PAGE_SIZE, cursor);
    const events = reply.body?.home?.events ?? [];
    out.push(...events.filter((e) => typeof e?.id === 'string'));
    const last = events.at(-1);
    if (!last || events.length < RECORDING_PAGE_SIZE || last.id === cursor) break;
    if ((last.time ?? 0) * 1000 < from) break;
    cursor = last.id;
  }
  return out;
}

export async function listRecordings(
  client: NetatmoClient,
  cam: CameraInfo,
  homeId: string,
  range: RecordingRange,
): Promise<Recording[]> {
  const events = await eventsSince(client, homeId, range.from);
  return events
    .filter((e) => e.module_id === cam.id)
    .filter((e) => (e.time ?? 0) * 1000 >= range.from && (e.time ?? 0) * 1000 <= range.to)
    .map((e) => toRecording(cam, e))
    .filter((r): r is Recording => r !== undefined)
    .sort((a, b) => b.start.localeCompare(a.start))
    .slice(0, range.limit);
}

/**
 * The HLS playlist of an event video, from the camera at `base`; a deleted video (the card
 * overwrites the oldest) is the camera's 404.
 */
export async function play(
  client: NetatmoClient,
  cam: CameraInfo,
  base: string,
  videoId: string,
): Promise<StreamInfo> {
  const url = `${base}/vod/${videoId}/files/high/index.m3u8`;
  try {
    await client.camera.request({
      method: 'GET',
      path: url,
      expect: 'text',
      auth: false,
      coalesce: false,
      label: `Video of "${cam.name}"`,
    });
  } catch (err) {
    if (toCamhubError(err).status === 404) {
      throw errors.invalidInput(
        `That video of "${cam.name}" is not on its SD card any more (overwritten or deleted): list the recordings again.`,
      );
    }
    throw err;
  }
  // Like the live stream: no expiry, the URL works until the camera reconnects.
  return { url, protocol: 'hls', expiresAt: null };
}

/** An event's video, once the camera has finished recording it (video_status available). */
export function forEvent(
  client: NetatmoClient,
  cam: CameraInfo,
  homeId: string,
  ref: EventClipRef,
  timeoutMs: number,
  stopped: () => boolean,
): Promise<Recording> {
  const raw = (ref.raw ?? {}) as NetatmoEvent & { event_id?: string };
  const wanted = ref.clipId?.includes('|') ? splitRecordingId(ref.clipId).key : ref.clipId;
  const eventId = ref.eventId ?? raw.id ?? raw.event_id;
  const at = Date.parse(ref.time ?? '');
  const from = Number.isFinite(at) ? at - 10 * 60_000 : Date.now() - 86_400_000;
  return waitForClip(
    async () => {
      const events = (await eventsSince(client, homeId, from)).filter(
        (e) => e.module_id === cam.id,
      );
      const hit = events.find(
        (e) =>
          (wanted !== undefined && e.video_id === wanted) ||
          (eventId !== undefined &&
            (e.id === eventId || (e.subevents ?? []).some((s) => s.id === eventId))),
      );
      if (!hit) return undefined;
      if (hit.video_status === 'deleted' || (!hit.video_id && hit.video_status !== 'recording')) {
        throw errors.invalidInput(
          `The event on "${cam.name}" has no video (deleted, or the camera did not record it).`,
        );
      }
      if (hit.video_status !== 'available') return undefined;
      return toRecording(cam, hit);
    },
    { timeoutMs, intervalMs: 1_000, what: `The video of the event on "${cam.name}"`, stopped },
  );
}
