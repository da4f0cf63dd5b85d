import { SimControlError, clipFaultsFrom, renderMp4, renderSnapshot, sendClip } from '../common';
import type { ClipFaults, SimRequest, SimResponse, SimServer } from '../common';
import type { ArloState, LibraryItem } from './state';

/**
 * The Arlo library (vendor-facts 2.9): `POST /hmsweb/users/library {dateFrom, dateTo}` lists
 * the recordings by day, each with presigned S3 links to the MP4 and its thumbnail. The links
 * are signed when the library is read and expire (vendor-facts 2.11: "Snapshot and stream URLs
 * are time-limited"; the lifetime of library links is not documented, one hour here [I]).
 * A clip shows up only once the camera has finished and uploaded it: an item whose
 * `readyAtMs` lies ahead is left out of the listing ("still recording").
 */
export interface LibraryConfig {
  server: SimServer;
  state: ArloState;
  /** Lifetime of the presigned links handed out by a listing. */
  urlTtlSec: number;
}

export interface LibraryExtras {
  /** When the clip is uploaded; the listing leaves it out before. */
  readyAtMs?: number;
  /** Size of the MP4 file; 4 KB when not given. */
  bytes?: number;
  /** The file was deleted from S3 after the listing (a missing file). */
  missing?: boolean;
}

const extras = new WeakMap<ArloState, Map<string, LibraryExtras>>();
const faults = new WeakMap<ArloState, ClipFaults>();
/** A link lifetime set through the control API, overriding the configured one. */
const ttls = new WeakMap<ArloState, number>();

function extrasOf(state: ArloState): Map<string, LibraryExtras> {
  let m = extras.get(state);
  if (!m) extras.set(state, (m = new Map()));
  return m;
}

/** Arlo's compact date, YYYYMMDD, of an item's local time. */
export function libraryDay(item: LibraryItem): string {
  return new Date(item.localCreatedDate).toISOString().slice(0, 10).replace(/-/g, '');
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function parseAmzDate(text: string | null): number {
  const m = text && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN;
}

function presign(cfg: LibraryConfig, kind: 'content' | 'thumb', name: string, now: number): string {
  const date = amzDate(now);
  const ttl = ttls.get(cfg.state) ?? cfg.urlTtlSec;
  const ext = kind === 'content' ? 'mp4' : 'jpg';
  const sig = cfg.state.sign(`${kind}/${name}/${date}/${ttl}`);
  return (
    `${cfg.server.url}/_s3/library/${kind}/${encodeURIComponent(name)}.${ext}` +
    `?X-Amz-Date=${date}&X-Amz-Expires=${ttl}&X-Amz-Signature=${sig}`
  );
}

/** The items of a listing, freshly signed, as the library call returns them. */
export function libraryListing(
  cfg: LibraryConfig,
  from: string,
  to: string,
  now: number = Date.now(),
): LibraryItem[] {
  const more = extrasOf(cfg.state);
  return cfg.state.library
    .filter((i) => libraryDay(i) >= from && libraryDay(i) <= to)
    .filter((i) => (more.get(i.name)?.readyAtMs ?? 0) <= now)
    .map((i) => ({
      ...i,
      presignedContentUrl: presign(cfg, 'content', i.name, now),
      // A smart detection's thumbnail is its own presigned picture; keep it where it has one.
      presignedThumbnailUrl: i.presignedThumbnailUrl || presign(cfg, 'thumb', i.name, now),
    }));
}

function s3Error(res: SimResponse, status: number, code: string, message: string): void {
  res.text(
    status,
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    'application/xml',
  );
}

export function registerLibraryRoutes(cfg: LibraryConfig): void {
  const { server, state } = cfg;

  server.route('GET', '/_s3/library/:kind/:file', (req: SimRequest, res) => {
    const kind = req.params.kind === 'content' ? 'content' : 'thumb';
    const name = decodeURIComponent(req.params.file.replace(/\.(mp4|jpg)$/, ''));
    const date = req.query.get('X-Amz-Date') ?? '';
    const ttl = Number(req.query.get('X-Amz-Expires'));
    if (req.query.get('X-Amz-Signature') !== state.sign(`${kind}/${name}/${date}/${ttl}`)) {
      return s3Error(
        res,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    if (parseAmzDate(date) + ttl * 1000 <= Date.now()) {
      return s3Error(res, 403, 'AccessDenied', 'Request has expired');
    }
    const item = state.library.find((i) => i.name === name);
    const more = extrasOf(state).get(name);
    if (!item || more?.missing) {
      return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    if (kind === 'thumb') {
      return res.buffer(
        200,
        renderSnapshot({ cameraId: item.deviceId, width: 160, height: 90 }),
        'image/jpeg',
      );
    }
    const f = faults.get(state) ?? { trickleMs: 0, bytes: 0 };
    const clip = renderMp4({
      seconds: item.mediaDurationSecond,
      bytes: f.bytes || more?.bytes || 4096,
      tag: name,
    });
    sendClip(res, clip, f);
  });

  // Control: add a recording (optionally still uploading, or of a given size), change one,
  // and set how the file host misbehaves.
  server.route('POST', '/_sim/library', (req, res) => {
    const b = controlBody(req);
    const cameraId = b.cameraId;
    if (typeof cameraId !== 'string' || !state.devices.has(cameraId)) {
      throw new SimControlError(400, 'cameraId must be a known device id');
    }
    const now = Date.now();
    const at = typeof b.createdMs === 'number' ? b.createdMs : now;
    const item = addLibraryItem(state, {
      cameraId,
      at,
      objCategory: typeof b.objCategory === 'string' ? b.objCategory : undefined,
      reason: typeof b.reason === 'string' ? b.reason : undefined,
      seconds: typeof b.seconds === 'number' ? b.seconds : 12,
      extras: {
        readyAtMs: typeof b.readyInMs === 'number' ? now + b.readyInMs : undefined,
        bytes: typeof b.bytes === 'number' ? b.bytes : undefined,
      },
    });
    res.json(200, item);
  });

  server.route('POST', '/_sim/library/:name', (req, res) => {
    const b = controlBody(req);
    const name = req.params.name;
    if (!state.library.some((i) => i.name === name)) throw new SimControlError(404, 'no such item');
    const more = extrasOf(state);
    const cur = more.get(name) ?? {};
    if (typeof b.missing === 'boolean') cur.missing = b.missing;
    if (typeof b.ready === 'boolean') cur.readyAtMs = b.ready ? 0 : Number.MAX_SAFE_INTEGER;
    more.set(name, cur);
    res.json(200, { name, ...cur });
  });

  server.route('POST', '/_sim/library-files', (req, res) => {
    const { urlTtlSec } = controlBody(req);
    if (urlTtlSec !== undefined) {
      if (typeof urlTtlSec !== 'number' || !Number.isInteger(urlTtlSec) || urlTtlSec < 0) {
        throw new SimControlError(400, 'urlTtlSec must be a whole number >= 0');
      }
      ttls.set(state, urlTtlSec);
    }
    try {
      faults.set(
        state,
        clipFaultsFrom(controlBody(req), faults.get(state) ?? { trickleMs: 0, bytes: 0 }),
      );
    } catch (err) {
      throw new SimControlError(400, (err as Error).message);
    }
    res.json(200, faults.get(state));
  });
}

/** Adds a recording to the library, as a motion's clip would once uploaded. */
export function addLibraryItem(
  state: ArloState,
  opts: {
    cameraId: string;
    at: number;
    objCategory?: string;
    reason?: string;
    seconds?: number;
    extras?: LibraryExtras;
  },
): LibraryItem {
  let name = String(opts.at);
  while (state.library.some((i) => i.name === name)) name = String(Number(name) + 1);
  const item: LibraryItem = {
    deviceId: opts.cameraId,
    name,
    utcCreatedDate: opts.at,
    localCreatedDate: opts.at,
    reason: opts.reason ?? 'motionRecord',
    ...(opts.objCategory ? { objCategory: opts.objCategory } : {}),
    contentType: 'video/mp4',
    mediaDurationSecond: opts.seconds ?? 12,
    presignedContentUrl: '',
    presignedThumbnailUrl: '',
  };
  state.library.push(item);
  if (opts.extras) extrasOf(state).set(name, opts.extras);
  return item;
}

/** Forgets the extras and file faults, with the state's own reset. */
export function resetLibrary(state: ArloState): void {
  extras.delete(state);
  faults.delete(state);
  ttls.delete(state);
}

function controlBody(req: SimRequest): Record<string, unknown> {
  try {
    const v = req.body.length ? req.json() : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SimControlError(400, 'body must be a JSON object');
}
