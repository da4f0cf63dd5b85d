import { errors } from '../../core/errors';
import { type Recording, recordingId } from '../../core/recordings';
import { unifiedType } from './events';
import type { NetatmoEvent } from './types';

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
