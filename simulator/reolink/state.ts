import { createHash, createHmac, randomBytes } from 'node:crypto';
import type {
  BatteryState,
  Direction,
  PirConfig,
  PtzCapability,
  ReolinkDeviceSeed,
  StreamType,
} from './devices';
import { generateRecordings, localDate } from './recordings';
import type { Recording } from './recordings';

// Limits of the E1 family: 355 degrees of pan, 90 of tilt; zoom and focus move in single steps.
export const PAN_RANGE = [0, 355] as const;
export const TILT_RANGE = [0, 90] as const;
export const ZOOM_RANGE = [0, 32] as const;
export const FOCUS_RANGE = [0, 32] as const;
/** Degrees per second per unit of `speed` (1-64). */
const DEGREES_PER_SPEED_UNIT = 0.5;

const VECTORS: Record<Direction, readonly [number, number]> = {
  none: [0, 0],
  left: [-1, 0],
  right: [1, 0],
  up: [0, 1],
  down: [0, -1],
  leftUp: [-1, 1],
  leftDown: [-1, -1],
  rightUp: [1, 1],
  rightDown: [1, -1],
};

export interface PtzState {
  /** Current movement; 'none' when stopped. Movement continues until a 'none' command. */
  direction: Direction;
  speed: number;
  /** Position when the current movement began; see ReolinkState.ptzPosition for now. */
  pan: number;
  tilt: number;
  zoom: number;
  focus: number;
  since: number;
}

export interface DeviceState {
  readonly seed: ReolinkDeviceSeed;
  deviceName: string;
  alarmEnabled: boolean;
  online: boolean;
  /** A sleeping battery camera fails its next command with wake_up_timeout, then is awake. */
  asleep: boolean;
  /**
   * Whether a micro SD card is in: the seed's feature table says playback (and so the records
   * calendar and list) needs one. Without it the records endpoints answer cmd_not_support
   * (vendor-facts 4.9 symbols; which symbol the server picks is not documented [I]).
   */
  sdCard: boolean;
  pir?: PirConfig;
  battery?: BatteryState;
  /** The exact charge and when it was last worked out; see ReolinkState.batteryNow. */
  batteryLevel?: { exact: number; at: number };
  ptz: PtzState | null;
  snapInFlight: boolean;
  snapshots: number;
  recordings: Recording[];
}

export interface PlaySession {
  id: string;
  kind: 'live' | 'record';
  uid: string;
  channel: number;
  streamType?: StreamType;
  fileName?: string;
  playURL: string;
  createdAt: string;
  /** When the session is dropped unless a player has started it. */
  expiresAt: string;
  played: boolean;
}

interface SessionEntry {
  key: string;
  session: PlaySession;
  expiresAtMs: number;
}

export interface AlarmDelivery {
  id: number;
  time: string;
  uid: string;
  channel: number;
  /** URL actually posted to (null when none was configured). */
  url: string | null;
  headers: Record<string, string>;
  body: string | null;
  /** Receiver's HTTP status; null when nothing answered or nothing was sent. */
  status: number | null;
  error?: string;
  /** Why no request was made. */
  skipped?: 'no_callback' | 'alarm_disabled' | 'device_offline';
}

export interface ReolinkDeviceView {
  uid: string;
  family: 'battery' | 'powered';
  model: string;
  firmware: string;
  deviceName: string;
  online: boolean;
  asleep: boolean;
  alarmEnabled: boolean;
  channels: number;
  streams: StreamType[];
  capabilities: { ptz: PtzCapability | null; pir: boolean; battery: boolean };
  ptz: (Omit<PtzState, 'since'> & { moving: boolean }) | null;
  pir?: PirConfig;
  battery?: BatteryState;
  snapInFlight: boolean;
  snapshots: number;
  /** Days with recordings (mainStream, channel 0), newest first, for picking test dates. */
  recordDays: { date: string; count: number }[];
  sessions: PlaySession[];
}

export interface ReolinkStateConfig {
  seed: readonly ReolinkDeviceSeed[];
  playSessionTtlSec: number;
  /** e.g. rtsp://127.0.0.1:61008 */
  rtspBase: string;
  now?: () => number;
  /** Percent per hour a battery camera loses off the charger, and gains on it. */
  batteryDrainPerHour?: number;
  batteryChargePerHour?: number;
}

const clamp = (v: number, [lo, hi]: readonly [number, number]): number =>
  Math.min(hi, Math.max(lo, v));
const round1 = (v: number): number => Math.round(v * 10) / 10;

export class ReolinkState {
  /** Seconds of the file an alarm records; 0: alarms record nothing (the seeded files only). */
  alarmClipSec = 0;
  readonly devices = new Map<string, DeviceState>();
  deliveries: AlarmDelivery[] = [];
  /** How long an alarm POST travels to the partner's receiver: the server's one-way latency. */
  webhookDelayMs: () => number = () => 0;
  private sessions: SessionEntry[] = [];
  private deliveryId = 1;
  // Per-process secret: play URLs are signed like the real server's, and can't be forged across runs.
  private readonly secret = randomBytes(32);
  private readonly now: () => number;

  constructor(readonly config: ReolinkStateConfig) {
    this.now = config.now ?? Date.now;
    this.reset();
  }

  reset(): void {
    this.alarmClipSec = 0;
    this.devices.clear();
    this.sessions = [];
    this.deliveries = [];
    const now = new Date(this.now());
    for (const seed of this.config.seed) {
      this.devices.set(seed.uid, {
        seed,
        deviceName: seed.deviceName,
        alarmEnabled: seed.alarmEnabled,
        online: seed.online,
        asleep: false,
        sdCard: true,
        pir: seed.pir ? { ...seed.pir } : undefined,
        battery: seed.battery ? { ...seed.battery } : undefined,
        batteryLevel: seed.battery ? { exact: seed.battery.percent, at: now.getTime() } : undefined,
        ptz: seed.ptz
          ? {
              direction: 'none',
              speed: 0,
              pan: 177,
              tilt: 30,
              zoom: 0,
              focus: 16,
              since: now.getTime(),
            }
          : null,
        snapInFlight: false,
        snapshots: 0,
        recordings: generateRecordings(seed.uid, seed.channels, seed.recordings, now),
      });
    }
  }

  setOnline(uid: string, online: boolean): boolean {
    const device = this.devices.get(uid);
    if (!device) return false;
    device.online = online;
    if (!online) {
      // A device that drops off the server takes its streams with it.
      this.sessions = this.sessions.filter((s) => s.session.uid !== uid);
      if (device.ptz) this.rotate(device, 'none', 0);
    }
    return true;
  }

  /**
   * The battery as the camera reports it now (vendor-facts 4.3: percent 0-100, chargeStatus
   * none|charging|completed): it drains off the charger and fills on it, and a full battery
   * on the charger reports "completed". Integrated lazily, like the PTZ position.
   */
  batteryNow(device: DeviceState): BatteryState | undefined {
    const b = device.battery;
    const level = device.batteryLevel;
    if (!b || !level) return b;
    const hours = (this.now() - level.at) / 3_600_000;
    const drain = this.config.batteryDrainPerHour ?? 1;
    const charge = this.config.batteryChargePerHour ?? 30;
    let exact = level.exact;
    if (b.chargeStatus === 'none') exact = Math.max(0, exact - hours * drain);
    else exact = Math.min(100, exact + hours * charge);
    level.exact = exact;
    level.at = this.now();
    b.percent = Math.round(exact);
    if (b.chargeStatus === 'charging' && b.percent >= 100) b.chargeStatus = 'completed';
    return b;
  }

  /** The control API's battery: sets the level and restarts the drain or charge from there. */
  setBattery(device: DeviceState, percent?: number, chargeStatus?: BatteryState['chargeStatus']) {
    const b = this.batteryNow(device);
    if (!b || !device.batteryLevel) return;
    if (percent !== undefined) {
      b.percent = percent;
      device.batteryLevel.exact = percent;
    }
    if (chargeStatus !== undefined) b.chargeStatus = chargeStatus;
  }

  /** Current position, integrating any movement in progress. */
  ptzPosition(device: DeviceState): { pan: number; tilt: number } {
    const ptz = device.ptz;
    if (!ptz) return { pan: 0, tilt: 0 };
    const [dx, dy] = VECTORS[ptz.direction];
    const travelled = ((this.now() - ptz.since) / 1000) * ptz.speed * DEGREES_PER_SPEED_UNIT;
    return {
      pan: clamp(ptz.pan + dx * travelled, PAN_RANGE),
      tilt: clamp(ptz.tilt + dy * travelled, TILT_RANGE),
    };
  }

  rotate(device: DeviceState, direction: Direction, speed: number): void {
    const ptz = device.ptz;
    if (!ptz) return;
    const { pan, tilt } = this.ptzPosition(device);
    Object.assign(ptz, {
      pan,
      tilt,
      direction,
      speed: direction === 'none' ? 0 : speed,
      since: this.now(),
    });
  }

  step(device: DeviceState, axis: 'zoom' | 'focus', delta: 1 | -1): void {
    const ptz = device.ptz;
    if (!ptz) return;
    ptz[axis] = clamp(ptz[axis] + delta, axis === 'zoom' ? ZOOM_RANGE : FOCUS_RANGE);
  }

  /**
   * The real server keeps one session per (uid, channel, stream) and hands out the same URL while
   * it lives; an unplayed session is dropped once its TTL has passed.
   */
  openSession(
    kind: 'live' | 'record',
    uid: string,
    channel: number,
    detail: { streamType?: StreamType; fileName?: string },
  ): PlaySession {
    this.purgeSessions();
    const key = [kind, uid, channel, detail.streamType ?? '', detail.fileName ?? ''].join('|');
    const existing = this.sessions.find((s) => s.key === key);
    if (existing) return existing.session;

    const nowMs = this.now();
    const id = randomBytes(8).toString('hex');
    const expiresAtMs = nowMs + this.config.playSessionTtlSec * 1000;
    const claims: Record<string, string | number> = { uid, ch: channel, sid: id, exp: expiresAtMs };
    if (detail.streamType) claims.st = detail.streamType;
    // File names may be 255 bytes; a digest keeps the URL within the documented 512.
    if (detail.fileName) {
      claims.fh = createHash('sha256').update(detail.fileName).digest('base64url').slice(0, 16);
    }
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', this.secret).update(payload).digest('base64url');
    const path = kind === 'live' ? 'live' : 'records';
    const session: PlaySession = {
      id,
      kind,
      uid,
      channel,
      ...detail,
      playURL: `${this.config.rtspBase}/v1.0/${path}/${payload}.${signature}`,
      createdAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
      played: false,
    };
    this.sessions.push({ key, session, expiresAtMs });
    return session;
  }

  listSessions(uid?: string): PlaySession[] {
    this.purgeSessions();
    return this.sessions
      .filter((s) => uid === undefined || s.session.uid === uid)
      .map((s) => ({ ...s.session }));
  }

  /** Stands in for an RTSP player connecting or leaving, as no RTSP server is simulated. */
  setPlayed(playURL: string, played: boolean): boolean {
    this.purgeSessions();
    const entry = this.sessions.find((s) => s.session.playURL === playURL);
    if (!entry) return false;
    entry.session.played = played;
    if (!played) {
      entry.expiresAtMs = this.now() + this.config.playSessionTtlSec * 1000;
      entry.session.expiresAt = new Date(entry.expiresAtMs).toISOString();
    }
    return true;
  }

  recordDelivery(delivery: Omit<AlarmDelivery, 'id' | 'time'>): AlarmDelivery {
    const record: AlarmDelivery = {
      id: this.deliveryId++,
      time: new Date(this.now()).toISOString(),
      ...delivery,
    };
    this.deliveries.push(record);
    if (this.deliveries.length > 1000) this.deliveries.shift();
    return record;
  }

  view(): ReolinkDeviceView[] {
    return [...this.devices.values()].map((d) => this.viewOf(d));
  }

  viewOf(d: DeviceState): ReolinkDeviceView {
    const s = d.seed;
    const days = new Map<string, number>();
    for (const r of d.recordings) {
      if (r.channel === 0 && r.streamType === 'mainStream') {
        const date = r.startTime.slice(0, 10);
        days.set(date, (days.get(date) ?? 0) + 1);
      }
    }
    let ptz: ReolinkDeviceView['ptz'] = null;
    if (d.ptz) {
      const { pan, tilt } = this.ptzPosition(d);
      ptz = {
        direction: d.ptz.direction,
        moving: d.ptz.direction !== 'none',
        speed: d.ptz.speed,
        pan: round1(pan),
        tilt: round1(tilt),
        zoom: d.ptz.zoom,
        focus: d.ptz.focus,
      };
    }
    const view: ReolinkDeviceView = {
      uid: s.uid,
      family: s.family,
      model: s.model,
      firmware: s.firmware,
      deviceName: d.deviceName,
      online: d.online,
      asleep: d.asleep,
      alarmEnabled: d.alarmEnabled,
      channels: s.channels,
      streams: [...s.streams],
      capabilities: { ptz: s.ptz, pir: Boolean(s.pir), battery: Boolean(s.battery) },
      ptz,
      snapInFlight: d.snapInFlight,
      snapshots: d.snapshots,
      recordDays: [...days]
        .sort(([a], [b]) => b.localeCompare(a))
        .map(([date, count]) => ({ date, count })),
      sessions: this.listSessions(s.uid),
    };
    if (d.pir) view.pir = { ...d.pir };
    const battery = this.batteryNow(d);
    if (battery) view.battery = { ...battery };
    return view;
  }

  today(): string {
    return localDate(new Date(this.now()));
  }

  private purgeSessions(): void {
    const now = this.now();
    this.sessions = this.sessions.filter((s) => s.session.played || s.expiresAtMs > now);
  }
}
