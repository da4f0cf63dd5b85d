import type { NetatmoState, ModuleState, SimEvent } from './state';

/**
 * Event videos on the camera's SD card (vendor-facts 3.6, 3.8). Events carry `video_id` and
 * `video_status` (`available | deleted | recording`); the video plays by HLS from the camera
 * itself at `{vpn_url or local_url}/vod/<video_id>/files/<quality>/index.m3u8`. A video is
 * `recording` for a while after its event (the camera is still writing it), then `available`.
 * Without a working card (homestatus `sd_status`, 4 = working, 1 = missing: openHAB's
 * SdCardStatus enum in its Netatmo binding) the camera keeps no videos.
 */
interface VodState {
  /** How long new events' videos stay `recording`. */
  recordingMs: number;
  /** video_id -> when it stops recording. */
  until: Map<string, number>;
}

const vods = new WeakMap<NetatmoState, VodState>();

export function vodOf(state: NetatmoState): VodState {
  let v = vods.get(state);
  if (!v) vods.set(state, (v = { recordingMs: 0, until: new Map() }));
  return v;
}

export function resetVod(state: NetatmoState): void {
  vods.delete(state);
}

export const SD_WORKING = 4;

export function sdStatus(_state: NetatmoState, m: ModuleState): number {
  return m.sdStatus;
}

/** A new event's video: still recording if the simulator is set so, or absent without a card. */
export function startVideo(state: NetatmoState, m: ModuleState, e: SimEvent): void {
  if (!e.video_id) return;
  if (sdStatus(state, m) !== SD_WORKING) {
    delete e.video_id;
    delete e.video_status;
    return;
  }
  const v = vodOf(state);
  if (v.recordingMs > 0) {
    e.video_status = 'recording';
    v.until.set(e.video_id, Date.now() + v.recordingMs);
  }
}

/** Videos whose recording time is over become available. */
export function settleVideos(state: NetatmoState, now = Date.now()): void {
  const v = vodOf(state);
  for (const [id, until] of v.until) {
    if (until > now) continue;
    const e = state.events.find((x) => x.video_id === id);
    if (e?.video_status === 'recording') e.video_status = 'available';
    v.until.delete(id);
  }
}

export function videoOf(
  state: NetatmoState,
  m: ModuleState,
  videoId: string,
): SimEvent | undefined {
  settleVideos(state);
  return state.events.find((e) => e.video_id === videoId && e.module_id === m.seed.id);
}

export function vodPlaylist(quality: string, seconds: number, live: boolean): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-MEDIA-SEQUENCE:0',
  ];
  if (!live) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  for (let i = 0; i < Math.ceil(seconds / 2); i++)
    lines.push('#EXTINF:2.000,', `segment_${quality}_${i}.ts`);
  if (!live) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
