/**
 * A tiny but well-formed MP4 (ISO BMFF): ftyp, moov with a movie header of the given duration,
 * and an mdat padded to the size asked for. Built in code so the simulators can hand out
 * "recordings" of any size without shipping binary files; parsers accept it as an MP4 file.
 */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** `seconds` long, about `bytes` in size (never less than the headers need). */
export function renderMp4(opts: { seconds: number; bytes?: number; tag?: string }): Buffer {
  const timescale = 1000;
  const ftyp = box(
    'ftyp',
    Buffer.from('isom', 'latin1'),
    u32(0x200),
    Buffer.from('isomiso2mp41', 'latin1'),
  );
  const matrix = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);
  const mvhd = box(
    'mvhd',
    u32(0), // version 0, flags
    u32(0, 0), // creation, modification time
    u32(timescale, Math.round(opts.seconds * timescale)),
    u32(0x00010000), // rate 1.0
    Buffer.from([0x01, 0x00, 0, 0]), // volume 1.0, reserved
    u32(0, 0), // reserved
    matrix,
    Buffer.alloc(24), // pre_defined
    u32(2), // next track id
  );
  const udta = box('udta', box('name', Buffer.from(opts.tag ?? 'camhub-sim', 'utf8')));
  const moov = box('moov', mvhd, udta);
  const fixed = ftyp.length + moov.length + 8;
  const pad = Math.max(16, (opts.bytes ?? 2048) - fixed);
  const data = Buffer.alloc(pad);
  for (let i = 0; i < pad; i++) data[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([ftyp, moov, box('mdat', data)]);
}

/** How the simulated file hosts misbehave, set through each simulator's control API. */
export interface ClipFaults {
  /** Send the file in 1 KB pieces, this long apart (a slow download). 0: all at once. */
  trickleMs: number;
  /** Every file is this big (an oversized download); 0: the file's own size. */
  bytes: number;
}

export const NO_CLIP_FAULTS: ClipFaults = { trickleMs: 0, bytes: 0 };

/** Reads {trickleMs, bytes} from a control body, keeping what is not given. */
export function clipFaultsFrom(body: Record<string, unknown>, current: ClipFaults): ClipFaults {
  const out = { ...current };
  for (const k of ['trickleMs', 'bytes'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 30) {
      throw new RangeError(`${k} must be a whole number >= 0`);
    }
    out[k] = v;
  }
  return out;
}

/** Serves an MP4 with Content-Length, at once or trickled as the faults say. */
export function sendClip(
  res: { raw: import('node:http').ServerResponse; sent: boolean },
  clip: Buffer,
  faults: ClipFaults,
  headers: Record<string, string> = {},
): void {
  if (res.sent) return;
  const raw = res.raw;
  raw.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': clip.length, ...headers });
  if (!faults.trickleMs) {
    raw.end(clip);
    return;
  }
  let at = 0;
  let timer: NodeJS.Timeout | undefined;
  raw.once('close', () => clearTimeout(timer));
  const next = () => {
    if (raw.destroyed) return;
    const piece = clip.subarray(at, at + 1024);
    at += piece.length;
    if (at >= clip.length) return void raw.end(piece);
    raw.write(piece);
    timer = setTimeout(next, faults.trickleMs);
  };
  next();
}
