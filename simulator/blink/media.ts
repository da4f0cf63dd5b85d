import { SimControlError, clipFaultsFrom, renderMp4, sendClip } from '../common';
import type { ClipFaults, SimRequest, SimResponse, SimServer } from '../common';
import { blinkTime, type BlinkState, type MediaEntry } from './state';

type Api = (
  method: string,
  pattern: string,
  handler: (req: SimRequest, res: SimResponse) => void,
) => void;

/**
 * Blink's clip files (vendor-facts 1.8): each `media/changed` entry hands out
 * `media: /api/v2/accounts/{acct}/media/clip/{id}.mp4` and `thumbnail:
 * /api/v2/accounts/{acct}/media/thumb/{id}`, fetched from the tier host with the same bearer
 * token as the API (as the thumbnails of 1.5). Exactly those paths are served here, behind the
 * API's auth (the thumbnails, the path plus .jpg, are served beside the other pictures). A clip is listed as soon as the camera starts uploading it, with `partial: true`
 * until the upload is done; until then its file is not there (404) [I: the facts list the
 * `partial` field without its meaning; blinkpy skips partial clips]. Finishing the upload
 * bumps `updated_at`, so a poller sees the entry again.
 */
interface MediaExtras {
  uploadedAtMs: number;
  bytes: number;
  /** The file was removed from storage after it was listed. */
  missing: boolean;
}

const extras = new WeakMap<BlinkState, Map<number, MediaExtras>>();
const files = new WeakMap<BlinkState, ClipFaults>();

function extrasOf(state: BlinkState): Map<number, MediaExtras> {
  let m = extras.get(state);
  if (!m) extras.set(state, (m = new Map()));
  return m;
}

/** Flips `partial` off once an upload's time has come, as the cloud does when it finishes. */
export function settleUploads(state: BlinkState, now = Date.now()): void {
  for (const [id, x] of extrasOf(state)) {
    const m = state.media.find((e) => e.id === id);
    if (m && m.partial && x.uploadedAtMs <= now) {
      m.partial = false;
      m.updated_at = blinkTime(Math.max(x.uploadedAtMs, Date.parse(m.created_at)));
    }
  }
}

export function resetMedia(state: BlinkState): void {
  extras.delete(state);
  files.delete(state);
}

export function registerBlinkMedia(cfg: { state: BlinkState; server: SimServer; api: Api }): void {
  const { state, server, api } = cfg;
  const notFound = (res: SimResponse) => res.json(404, { message: 'Not found', code: 404 });
  const entry = (id: string): MediaEntry | undefined =>
    state.media.find((m) => String(m.id) === id && !m.deleted);

  api('GET', '/api/v2/accounts/:acct/media/clip/:file', (req, res) => {
    settleUploads(state);
    const m = /^(\d+)\.mp4$/.exec(req.params.file);
    const e = m ? entry(m[1]) : undefined;
    const x = e ? extrasOf(state).get(e.id) : undefined;
    if (!e || e.partial || x?.missing) return notFound(res);
    const f = files.get(state) ?? { trickleMs: 0, bytes: 0 };
    sendClip(
      res,
      renderMp4({ seconds: 10, bytes: f.bytes || x?.bytes || 4096, tag: String(e.id) }),
      f,
    );
  });

  const body = (req: SimRequest): Record<string, unknown> => {
    try {
      const v = req.body.length ? req.json() : {};
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new SimControlError(400, 'body must be a JSON object');
  };

  // Control: a clip (optionally still uploading, or of a given size), a change to one, and
  // how the file storage misbehaves.
  server.route('POST', '/_sim/blink/media', (req, res) => {
    const b = body(req);
    const deviceId = Number(b.deviceId);
    if (!state.devices.has(deviceId))
      throw new SimControlError(400, 'deviceId must be a known device');
    const now = Date.now();
    const at = typeof b.at === 'number' ? b.at : now;
    const e = state.addMedia(deviceId, typeof b.source === 'string' ? b.source : 'pir', at);
    const uploadMs = typeof b.uploadMs === 'number' ? b.uploadMs : 0;
    if (uploadMs > 0) e.partial = true;
    extrasOf(state).set(e.id, {
      uploadedAtMs: now + uploadMs,
      bytes: typeof b.bytes === 'number' ? b.bytes : 4096,
      missing: false,
    });
    res.json(200, e);
  });

  server.route('POST', '/_sim/blink/media/:id', (req, res) => {
    const b = body(req);
    const e = state.media.find((m) => String(m.id) === req.params.id);
    if (!e) throw new SimControlError(404, 'no such clip');
    const x = extrasOf(state).get(e.id) ?? { uploadedAtMs: 0, bytes: 4096, missing: false };
    if (typeof b.deleted === 'boolean') e.deleted = b.deleted;
    if (typeof b.missing === 'boolean') x.missing = b.missing;
    if (b.uploaded === true) x.uploadedAtMs = 0;
    if (b.uploaded === false) {
      x.uploadedAtMs = Number.MAX_SAFE_INTEGER;
      e.partial = true;
    }
    extrasOf(state).set(e.id, x);
    settleUploads(state);
    res.json(200, e);
  });

  server.route('POST', '/_sim/blink/media-files', (req, res) => {
    try {
      files.set(state, clipFaultsFrom(body(req), files.get(state) ?? { trickleMs: 0, bytes: 0 }));
    } catch (err) {
      throw new SimControlError(400, (err as Error).message);
    }
    res.json(200, files.get(state));
  });
}
