import { encode } from 'jpeg-js';

export interface SnapshotOptions {
  /** Picks the scene colour, so every camera's pictures look different. */
  cameraId: string;
  width?: number;
  height?: number;
  /** JPEG quality 1-100. */
  quality?: number;
  /** Camera orientation in degrees; the scene shifts with it so PTZ moves show in the picture. */
  pan?: number;
  tilt?: number;
  /** Magnification, 1 or more; the scene scales with it. */
  zoom?: number;
  /** Time printed in the picture; defaults to now. */
  time?: Date;
}

type Rgb = readonly [number, number, number];

// Digits and ':' as 3x5 bitmaps, one string per row; enough for a timestamp and a frame counter.
const GLYPHS: Record<string, readonly string[]> = {
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '010', '010', '010'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
  ':': ['000', '010', '000', '010', '000'],
  ' ': ['000', '000', '000', '000', '000'],
};

// Shared across all cameras on purpose: any two calls in the process produce different bytes.
let frameCounter = 0;

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number =>
    Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return [f(0), f(8), f(4)];
}

function shade(c: Rgb, factor: number): Rgb {
  return [
    Math.min(255, Math.round(c[0] * factor)),
    Math.min(255, Math.round(c[1] * factor)),
    Math.min(255, Math.round(c[2] * factor)),
  ];
}

class Canvas {
  readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 4, 0xff);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, c);
  }

  text(x: number, y: number, text: string, scale: number, c: Rgb): void {
    let cx = x;
    for (const ch of text) {
      const glyph = GLYPHS[ch] ?? GLYPHS[' '];
      glyph.forEach((row, gy) => {
        for (let gx = 0; gx < row.length; gx++) {
          if (row[gx] === '1') this.rect(cx + gx * scale, y + gy * scale, scale, scale, c);
        }
      });
      cx += 4 * scale;
    }
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Renders a real, decodable JPEG: a scene tinted per camera and moved by pan/tilt/zoom, a binary
 * frame counter as blocks, the time as digits and a sub-second progress bar. Nothing is cached, so
 * no two calls return the same bytes.
 */
export function renderSnapshot(options: SnapshotOptions): Buffer {
  const width = options.width ?? 320;
  const height = options.height ?? 180;
  const zoom = Math.max(1, options.zoom ?? 1);
  const pan = options.pan ?? 0;
  const tilt = options.tilt ?? 0;
  const time = options.time ?? new Date();
  const frame = ++frameCounter;
  const canvas = new Canvas(width, height);

  const base = hslToRgb(hash(options.cameraId) % 360, 0.55, 0.5);
  const sky = shade(base, 1.35);
  const ground = shade(base, 0.6);
  const pole = shade(base, 0.3);
  for (let y = 0; y < height; y++) {
    const worldY = tilt * 2 + (y - height / 2) / zoom;
    const row = worldY < 0 ? shade(sky, 1 + worldY / 400) : shade(ground, 1 - worldY / 300);
    for (let x = 0; x < width; x++) {
      const worldX = pan * 4 + (x - width / 2) / zoom;
      const onPole = worldY > -40 && ((worldX % 64) + 64) % 64 < 4;
      canvas.set(x, y, onPole ? pole : row);
    }
  }

  const white: Rgb = [250, 250, 250];
  const black: Rgb = [10, 10, 10];
  for (let bit = 0; bit < 24; bit++) {
    const on = (frame >> (23 - bit)) & 1;
    canvas.rect(4 + bit * 9, 4, 8, 8, on ? white : black);
  }
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
  canvas.rect(2, height - 26, 4 * 3 * 8 + 6, 19, black);
  canvas.text(5, height - 23, clock, 3, white);
  canvas.rect(width - 4 * 3 * 6 - 8, height - 26, 4 * 3 * 6 + 6, 19, black);
  canvas.text(width - 4 * 3 * 6 - 5, height - 23, pad(frame % 1_000_000, 6), 3, white);
  const progress = Math.round((time.getMilliseconds() / 1000) * width);
  canvas.rect(0, height - 4, width, 4, black);
  canvas.rect(0, height - 4, Math.max(1, progress), 4, [255, 200, 0]);

  return encode({ width, height, data: canvas.data }, options.quality ?? 75).data;
}
