export const STREAM_TYPES = ['mainStream', 'externStream', 'subStream'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

export const DIRECTIONS = [
  'none',
  'left',
  'right',
  'up',
  'down',
  'leftUp',
  'leftDown',
  'rightUp',
  'rightDown',
] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const CHARGE_STATUSES = ['none', 'charging', 'completed'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

export interface PtzCapability {
  /** 4 = left/right/up/down only; 8 adds the diagonals. */
  directions: 4 | 8;
  zoom: boolean;
  focus: boolean;
}

export interface PirConfig {
  enabled: boolean;
  sensitivity: number;
  reduceMistakes: boolean;
}

export interface BatteryState {
  percent: number;
  chargeStatus: ChargeStatus;
}

export interface RecordingPlan {
  /** 0 = today (only recordings already in the past), 1 = yesterday, ... */
  daysAgo: number;
  /** Recordings spread over that day, on every channel and on both mainStream and subStream. */
  count: number;
}

export interface ReolinkDeviceSeed {
  uid: string;
  family: 'battery' | 'powered';
  model: string;
  firmware: string;
  deviceName: string;
  /** Channels 0..channels-1 exist; single cameras have one. */
  channels: number;
  streams: StreamType[];
  /** null: no pan/tilt, so every PTZ command answers cmd_not_support. */
  ptz: PtzCapability | null;
  alarmEnabled: boolean;
  online: boolean;
  /** Battery family only: they alone answer pir-config and states/battery. */
  pir?: PirConfig;
  battery?: BatteryState;
  recordings: RecordingPlan[];
}

/** Seeded uids by role, so tests need not repeat them. All match ^[A-Z0-9]{16}$. */
export const REOLINK_UIDS = {
  /** E1 Outdoor: pan/tilt with 8 directions, zoom and focus. */
  ptzOutdoor: '952700000A5S348E',
  /** E1 indoor: pan/tilt with 4 directions, no zoom or focus. */
  ptzIndoor: '95270001E1INDOOR',
  /** RLC-810A: fixed bullet, no PTZ. */
  fixed: '95270002RLC810AX',
  /** Argus 3 Pro: battery, PIR, mainStream and subStream only, can be put to sleep. */
  battery: '95270002VQQP12X5',
  /** RLC-510A: known to the server but offline. */
  offline: '95270003OFFLINE1',
} as const;

export const REOLINK_SEED: readonly ReolinkDeviceSeed[] = [
  {
    uid: REOLINK_UIDS.ptzOutdoor,
    family: 'powered',
    model: 'E1 Outdoor',
    firmware: 'v3.1.0.2174_23050900',
    deviceName: 'Front Yard',
    channels: 1,
    streams: ['mainStream', 'externStream', 'subStream'],
    ptz: { directions: 8, zoom: true, focus: true },
    alarmEnabled: true,
    online: true,
    recordings: [
      { daysAgo: 0, count: 60 },
      { daysAgo: 1, count: 95 },
      { daysAgo: 2, count: 12 },
      { daysAgo: 5, count: 3 },
      { daysAgo: 33, count: 7 },
    ],
  },
  {
    uid: REOLINK_UIDS.ptzIndoor,
    family: 'powered',
    model: 'E1',
    firmware: 'v3.0.0.1388_22100600',
    deviceName: 'Living Room',
    channels: 1,
    streams: ['mainStream', 'externStream', 'subStream'],
    ptz: { directions: 4, zoom: false, focus: false },
    alarmEnabled: false,
    online: true,
    recordings: [
      { daysAgo: 0, count: 8 },
      { daysAgo: 1, count: 10 },
    ],
  },
  {
    uid: REOLINK_UIDS.fixed,
    family: 'powered',
    model: 'RLC-810A',
    firmware: 'v3.1.0.1643_23021600',
    deviceName: 'Driveway',
    channels: 1,
    streams: ['mainStream', 'externStream', 'subStream'],
    ptz: null,
    alarmEnabled: true,
    online: true,
    recordings: [
      { daysAgo: 0, count: 48 },
      { daysAgo: 1, count: 48 },
      { daysAgo: 3, count: 48 },
    ],
  },
  {
    uid: REOLINK_UIDS.battery,
    family: 'battery',
    model: 'Argus 3 Pro',
    firmware: 'v3.0.0.2356_23062000',
    deviceName: 'Back Garden',
    channels: 1,
    streams: ['mainStream', 'subStream'],
    ptz: null,
    alarmEnabled: true,
    online: true,
    pir: { enabled: true, sensitivity: 80, reduceMistakes: true },
    battery: { percent: 78, chargeStatus: 'none' },
    recordings: [
      { daysAgo: 0, count: 4 },
      { daysAgo: 1, count: 6 },
      { daysAgo: 4, count: 2 },
    ],
  },
  {
    uid: REOLINK_UIDS.offline,
    family: 'powered',
    model: 'RLC-510A',
    firmware: 'v3.0.0.136_20121100',
    deviceName: 'Garage',
    channels: 1,
    streams: ['mainStream', 'externStream', 'subStream'],
    ptz: null,
    alarmEnabled: true,
    online: false,
    recordings: [{ daysAgo: 1, count: 5 }],
  },
];
