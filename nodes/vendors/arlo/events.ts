import { randomUUID } from 'node:crypto';
import { RecentIds } from '../../core/async';
import type { Logger } from '../../core/log';
import { mostSpecific } from '../../core/msg';
import type { CameraEvent, EventImage, EventType } from '../../core/provider';
import type { ArloLibraryItem, ArloPacket } from './types';

/** objCategory of a recording item (vendor-facts 2.9) onto the unified labels. */
const SMART_TYPES: Record<string, EventType> = {
  person: 'person',
  vehicle: 'vehicle',
  animal: 'animal',
  package: 'other',
  other: 'other',
};

/** The activity flags of a camera or doorbell packet (2.9) and the label each one means. */
const ACTIVITIES: [string, EventType][] = [
  ['motionDetected', 'motion'],
  ['audioDetected', 'sound'],
  ['buttonPressed', 'doorbell'],
];

const SEEN_MAX = 1000;
/** A recording starts a little before the motion packet reaches us. */
const RECORDING_SLACK_MS = 10_000;

/** What the mapper needs from the provider. */
export interface ArloEventsHost {
  readonly vendor: string;
  readonly log: Logger;
  cameraName(id: string): string;
  /** The active mode of the camera's base or location: armed or not; null when unknown. */
  armed(cameraId: string): Promise<boolean | null>;
  emit(event: CameraEvent): void;
  library(from: Date, to: Date): Promise<ArloLibraryItem[]>;
  /** 'sse' accounts never get library/add, so smart labels are read from the library. */
  transport(): 'mqtt' | 'sse' | undefined;
}

export interface ArloEventsOptions {
  /** How long after a motion start the library is read on SSE accounts (ms); later again x3. */
  libraryDelayMs?: number;
}

function ownString(o: Record<string, unknown>, key: string): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** ISO expiry of a presigned S3 URL (X-Amz-Date + X-Amz-Expires), or null. */
export function presignedExpiry(url: string, now = Date.now()): string | null {
  try {
    const q = new URL(url).searchParams;
    const secs = Number(q.get('X-Amz-Expires'));
    if (!Number.isFinite(secs) || secs <= 0) return null;
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
    const from = d ? Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]) : now;
    return new Date(from + secs * 1000).toISOString();
  } catch {
    return null;
  }
}

function image(url: unknown): EventImage | undefined {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return undefined;
  // Presigned URLs need no account credentials, so they are handed out as they are.
  return { url, expiresAt: presignedExpiry(url), source: 'event' };
}

/**
 * Arlo's stream packets as camhub events: one msg per packet or recording item, the end of an
 * activity as a second msg with the start's eventId, the armed state of the camera's mode, and
 * for SSE accounts the smart labels read from the library after a motion.
 */
export class ArloEvents {
  private readonly seen = new RecentIds(SEEN_MAX);
  /** "<camera>:<label>" -> the start msg's eventId and armed state, until the end arrives. */
  private readonly open = new Map<string, { eventId: string; armed: boolean | null }>();
  private readonly reads = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  /** Msgs leave in the order the packets came, although armed may need a cloud read. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly host: ArloEventsHost,
    private readonly opts: ArloEventsOptions = {},
  ) {}

  onPacket(p: ArloPacket): void {
    if (this.closed) return;
    const m = /^(cameras|doorbells)\/(.+)$/.exec(typeof p.resource === 'string' ? p.resource : '');
    if (m && p.action === 'is') this.activity(m[2], p);
    else if (p.resource === 'library' && p.action === 'add') {
      // The item's fields are at the top level (2.9); older captures nest them in properties.
      const top = p as Record<string, unknown>;
      const item = (
        typeof top.deviceId === 'string' ? top : (p.properties ?? {})
      ) as ArloLibraryItem;
      this.recording(item);
    }
  }

  private activity(cameraId: string, p: ArloPacket): void {
    const props = p.properties && typeof p.properties === 'object' ? p.properties : {};
    const started: EventType[] = [];
    const ended: EventType[] = [];
    for (const [flag, label] of ACTIVITIES) {
      if (!Object.prototype.hasOwnProperty.call(props, flag)) continue;
      if (props[flag] === true) started.push(label);
      else if (props[flag] === false && label !== 'doorbell') ended.push(label);
    }
    const transId = ownString(p, 'transId') || randomUUID();
    const time = new Date().toISOString();
    if (started.length > 0) {
      const type = mostSpecific(started);
      const eventId = `${transId}:${type}`;
      if (this.seen.add(eventId)) {
        const pic = image(props.presignedLastImageUrl);
        this.queue(cameraId, (armed) => {
          for (const l of started) this.open.set(`${cameraId}:${l}`, { eventId, armed });
          return {
            ...this.base(cameraId, time, p),
            type,
            labels: started,
            eventId,
            armed,
            ...(pic ? { image: pic } : {}),
          };
        });
        if (started.includes('motion') && this.host.transport() === 'sse') {
          this.scheduleLibraryRead(cameraId, Date.now() - RECORDING_SLACK_MS);
        }
      }
    }
    for (const label of ended) {
      if (!this.seen.add(`${transId}:${label}:end`)) continue;
      this.chain = this.chain.then(() => {
        // The end belongs to the start it closes; without one there is nothing to end.
        const start = this.open.get(`${cameraId}:${label}`);
        if (!start || this.closed) return;
        this.open.delete(`${cameraId}:${label}`);
        this.host.emit({
          ...this.base(cameraId, time, p),
          type: label,
          labels: [label],
          eventId: start.eventId,
          armed: start.armed,
          phase: 'end',
        });
      });
    }
  }

  /** A recording item with a smart label is its own detection (2.9). */
  private recording(item: ArloLibraryItem): void {
    const cameraId = typeof item.deviceId === 'string' ? item.deviceId : '';
    const category = typeof item.objCategory === 'string' ? item.objCategory.toLowerCase() : '';
    if (!cameraId || !category) return;
    const label = Object.prototype.hasOwnProperty.call(SMART_TYPES, category)
      ? SMART_TYPES[category]
      : 'other';
    const created = Number(item.utcCreatedDate);
    const key = item.name ?? (Number.isFinite(created) ? String(created) : randomUUID());
    // The same id whichever way the item came (library/add, or a library read), so it is sent once.
    const eventId = `library:${cameraId}:${key}`;
    if (!this.seen.add(eventId)) return;
    const time = new Date(Number.isFinite(created) ? created : Date.now()).toISOString();
    const pic = image(item.presignedThumbnailUrl);
    const clipUrl = typeof item.presignedContentUrl === 'string' ? item.presignedContentUrl : '';
    this.queue(cameraId, (armed) => ({
      ...this.base(cameraId, time, item),
      type: label,
      labels: [label],
      eventId,
      armed,
      ...(pic ? { image: pic } : {}),
      ...(clipUrl ? { clip: { id: key, ready: true } } : {}),
    }));
  }

  private base(cameraId: string, time: string, raw: unknown) {
    return {
      vendor: this.host.vendor,
      camera: { id: cameraId, name: this.host.cameraName(cameraId) },
      time,
      raw,
    };
  }

  private queue(cameraId: string, build: (armed: boolean | null) => CameraEvent): void {
    this.chain = this.chain.then(async () => {
      const armed = await this.host.armed(cameraId).catch(() => null);
      if (!this.closed) this.host.emit(build(armed));
    });
  }

  /**
   * SSE accounts never get library/add (2.4, 2.9), so after a motion the library is read for
   * the recording it started: once after the delay, and once more later for a slow upload.
   * One read per camera at a time.
   */
  private scheduleLibraryRead(cameraId: string, since: number, attempt = 0): void {
    const pending = this.reads.get(cameraId);
    if (pending) {
      pending.since = Math.min(pending.since, since);
      return;
    }
    const delay = (this.opts.libraryDelayMs ?? 10_000) * (attempt === 0 ? 1 : 3);
    const timer = setTimeout(() => void this.readLibrary(cameraId, attempt), delay);
    this.reads.set(cameraId, { since, timer });
  }

  private async readLibrary(cameraId: string, attempt: number): Promise<void> {
    const pending = this.reads.get(cameraId);
    this.reads.delete(cameraId);
    if (!pending || this.closed) return;
    let found = false;
    try {
      const items = await this.host.library(new Date(pending.since), new Date());
      for (const item of items) {
        const created = Number(item.utcCreatedDate);
        if (item.deviceId !== cameraId || !(created >= pending.since)) continue;
        if (typeof item.objCategory === 'string' && item.objCategory) found = true;
        this.recording(item);
      }
    } catch (err) {
      this.host.log.debug(`Reading the Arlo library after a motion failed: ${String(err)}`);
    }
    if (!found && attempt === 0 && !this.closed) {
      this.scheduleLibraryRead(cameraId, pending.since, 1);
    }
  }

  /** No listener is left: pending library reads are dropped. */
  stop(): void {
    for (const r of this.reads.values()) clearTimeout(r.timer);
    this.reads.clear();
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.open.clear();
  }
}
