import { errors } from './errors';
import { describe as describeValue, isObject as plainObject, own } from './values';

/**
 * Camera state as data (the camera status node) and the switches the clouds offer (the camera
 * control node): the shapes, the change detection of watch mode and the parsing of control
 * msgs. Pure: no cloud, no Node-RED.
 */

export const SD_CARD_STATES = ['ok', 'missing', 'full', 'error'] as const;
export type SdCardState = (typeof SD_CARD_STATES)[number];

export const LIGHT_MODES = ['on', 'off', 'auto'] as const;
export type LightMode = (typeof LIGHT_MODES)[number];

export interface BatteryStatus {
  /** 0-100; null where the cloud gives no percentage (Blink says only ok or low). */
  percent: number | null;
  charging: boolean | null;
  /** Only where the cloud flags a low battery itself instead of a percentage (Blink). */
  low?: boolean;
}

export interface PersonStatus {
  id: string;
  name: string | null;
  home: boolean;
}

/**
 * One camera's state. Every field the cloud does not give is null, never guessed; `lights`
 * and `persons` appear only on cameras that have them.
 */
export interface DeviceStatus {
  id: string;
  name: string;
  model: string;
  vendor: string;
  online: boolean;
  armed: boolean | null;
  battery: BatteryStatus | null;
  power: 'battery' | 'mains' | null;
  /** The cloud's own scale: `unit` says which ("bars" 0-5, "percent", "dBm"). */
  signal: { wifi: number; unit: string } | null;
  /** Degrees Celsius. */
  temperature: number | null;
  storage: { sdCard: SdCardState } | null;
  firmware: string | null;
  lights?: { floodlight: LightMode };
  persons?: PersonStatus[];
}

/** A status with every cloud-given field null, for a camera the cloud says nothing more of. */
export function bareStatus(cam: {
  id: string;
  name: string;
  model: string;
  vendor: string;
  online: boolean;
}): DeviceStatus {
  return {
    id: cam.id,
    name: cam.name,
    model: cam.model,
    vendor: cam.vendor,
    online: cam.online,
    armed: null,
    battery: null,
    power: null,
    signal: null,
    temperature: null,
    storage: null,
    firmware: null,
  };
}

// ---- watch mode -------------------------------------------------------------------------------

export const DEFAULT_LOW_BATTERY = 20;

export type ChangeKind = 'offline' | 'online' | 'lowBattery' | 'charging' | 'charged' | 'storage';

export interface StatusChange {
  what: ChangeKind;
  status: DeviceStatus;
  previous: DeviceStatus;
}

function isLow(b: BatteryStatus | null, threshold: number): boolean | null {
  if (!b) return null;
  if (typeof b.percent === 'number') return b.percent < threshold;
  if (typeof b.low === 'boolean') return b.low;
  return null;
}

/**
 * What a watch reports between two readings of one camera. Only a known-to-known change
 * counts: a value the cloud did not give this time (null) is no news, so a sleeping camera
 * that skipped one battery read does not "recover" from a low battery.
 */
export function statusChanges(
  previous: DeviceStatus,
  status: DeviceStatus,
  lowBattery = DEFAULT_LOW_BATTERY,
): StatusChange[] {
  const out: StatusChange[] = [];
  const add = (what: ChangeKind) => out.push({ what, status, previous });
  if (previous.online && !status.online) add('offline');
  if (!previous.online && status.online) add('online');
  const wasLow = isLow(previous.battery, lowBattery);
  const nowLow = isLow(status.battery, lowBattery);
  if (wasLow === false && nowLow === true) add('lowBattery');
  const wasCharging = previous.battery?.charging ?? null;
  const nowCharging = status.battery?.charging ?? null;
  if (wasCharging === false && nowCharging === true) add('charging');
  if (wasCharging === true && nowCharging === false) add('charged');
  const wasSd = previous.storage?.sdCard ?? null;
  const nowSd = status.storage?.sdCard ?? null;
  if (wasSd !== null && nowSd !== null && nowSd !== wasSd && nowSd !== 'ok') add('storage');
  return out;
}

export function changeTopic(change: StatusChange): string {
  return `${change.status.vendor}/${change.status.id}/${change.what}`;
}

/** The low-battery threshold of a status node: a whole percentage 1-100, default 20. */
export function parseLowBattery(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_LOW_BATTERY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw errors.invalidInput(
      `lowBattery ${String(value).slice(0, 20)} is not a whole percentage from 1 to 100.`,
    );
  }
  return n;
}

/** The account's shared state interval: default 600 s, at least 30 s. */
export const STATE_INTERVAL = { defaultMs: 600_000, floorMs: 30_000 } as const;

/**
 * The account node's `stateInterval` (seconds) as ms. `floorMs` may be lowered by the runtime
 * for tests (CAMHUB_MIN_STATE_INTERVAL_MS); a value below the floor is raised to it.
 */
export function stateIntervalMs(value: unknown, floorMs: number = STATE_INTERVAL.floorMs): number {
  const n = value === undefined || value === null || value === '' ? NaN : Number(value);
  const ms = Number.isFinite(n) && n > 0 ? n * 1000 : STATE_INTERVAL.defaultMs;
  return Math.max(ms, floorMs);
}

// ---- control ----------------------------------------------------------------------------------

export interface MotionSettings {
  enabled?: boolean;
  sensitivity?: number;
}

export interface PirSettings {
  enabled?: boolean;
  sensitivity?: number;
  reduceMistakes?: boolean;
}

export interface PersonsRequest {
  home?: string[];
  away?: string[] | 'all';
}

/** One control msg, checked for shape; each provider checks its cloud's ranges. */
export interface ControlRequest {
  get?: boolean;
  light?: LightMode;
  name?: string;
  motion?: MotionSettings;
  pir?: PirSettings;
  siren?: 'on' | 'off';
  persons?: PersonsRequest;
}

/** The current values of a camera's switches, as read back from the cloud. */
export interface ControlValues {
  light?: LightMode;
  name?: string;
  motion?: { enabled: boolean; sensitivity: number };
  pir?: { enabled: boolean; sensitivity: number; reduceMistakes: boolean };
  siren?: 'on' | 'off';
  persons?: PersonStatus[];
}

/** The capability flag each control key needs (Capabilities in provider.ts). */
export const CONTROL_CAPABILITY = {
  light: 'floodlight',
  name: 'rename',
  motion: 'motionSettings',
  pir: 'pir',
  siren: 'siren',
  persons: 'persons',
} as const;

export type ControlKey = keyof typeof CONTROL_CAPABILITY;

const CONTROL_KEYS = Object.keys(CONTROL_CAPABILITY) as ControlKey[];

/** Booleans are shown as they are: a control value may be one, wrongly. */
function describe(v: unknown): string {
  return describeValue(v, true);
}

function optionalBool(o: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = own(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw errors.invalidInput(`${where}.${key} must be true or false.`);
  return v;
}

function optionalNumber(
  o: Record<string, unknown>,
  key: string,
  where: string,
): number | undefined {
  const v = own(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw errors.invalidInput(`${where}.${key} must be a whole number, not ${describe(v)}.`);
  }
  return v;
}

function nameList(v: unknown, where: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    list.length > 50 ||
    !list.every((s) => typeof s === 'string' && s.trim() !== '' && s.length <= 100)
  ) {
    throw errors.invalidInput(`${where} must be a list of person names or ids.`);
  }
  return list.map((s: string) => s.trim());
}

/**
 * A control msg: `{get: true}`, or any of light, name, motion, pir, siren, persons. Ranges
 * (sensitivity, name rules) are the cloud's and are checked by the provider, before any request.
 */
export function parseControlPayload(payload: unknown): ControlRequest {
  if (payload === 'get' || payload === undefined || payload === null || payload === '') {
    return { get: true };
  }
  if (!plainObject(payload)) {
    throw errors.invalidInput(
      `msg.payload ${describe(payload)} is not a control command: send an object such as {"light":"auto"}, {"motion":{"enabled":true}} or {"get":true}.`,
    );
  }
  const known = [...CONTROL_KEYS, 'get'];
  const unknown = Object.keys(payload).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw errors.invalidInput(
      `Unknown control ${unknown.map((k) => `"${k.slice(0, 20)}"`).join(', ')}: use ${known.join(', ')}.`,
    );
  }
  const out: ControlRequest = {};
  if (own(payload, 'get') !== undefined) {
    if (own(payload, 'get') !== true) throw errors.invalidInput('get must be true.');
    out.get = true;
  }
  const light = own(payload, 'light');
  if (light !== undefined) {
    if (typeof light !== 'string' || !(LIGHT_MODES as readonly string[]).includes(light)) {
      throw errors.invalidInput(`light ${describe(light)} is unknown: use "on", "off" or "auto".`);
    }
    out.light = light as LightMode;
  }
  const name = own(payload, 'name');
  if (name !== undefined) {
    if (typeof name !== 'string') throw errors.invalidInput('name must be a string.');
    out.name = name;
  }
  const motion = own(payload, 'motion');
  if (motion !== undefined) {
    if (!plainObject(motion)) {
      throw errors.invalidInput('motion must be an object like {"enabled":true,"sensitivity":5}.');
    }
    const m: MotionSettings = {};
    const enabled = optionalBool(motion, 'enabled', 'motion');
    const sensitivity = optionalNumber(motion, 'sensitivity', 'motion');
    if (enabled !== undefined) m.enabled = enabled;
    if (sensitivity !== undefined) m.sensitivity = sensitivity;
    if (m.enabled === undefined && m.sensitivity === undefined) {
      throw errors.invalidInput('motion needs enabled and/or sensitivity.');
    }
    out.motion = m;
  }
  const pir = own(payload, 'pir');
  if (pir !== undefined) {
    if (!plainObject(pir)) {
      throw errors.invalidInput(
        'pir must be an object like {"enabled":true,"sensitivity":80,"reduceMistakes":true}.',
      );
    }
    const p: PirSettings = {};
    const enabled = optionalBool(pir, 'enabled', 'pir');
    const sensitivity = optionalNumber(pir, 'sensitivity', 'pir');
    const reduce = optionalBool(pir, 'reduceMistakes', 'pir');
    if (enabled !== undefined) p.enabled = enabled;
    if (sensitivity !== undefined) p.sensitivity = sensitivity;
    if (reduce !== undefined) p.reduceMistakes = reduce;
    if (Object.keys(p).length === 0) {
      throw errors.invalidInput('pir needs enabled, sensitivity and/or reduceMistakes.');
    }
    out.pir = p;
  }
  if (out.motion && out.pir) {
    throw errors.invalidInput('Send motion or pir, not both: they are the same setting.');
  }
  const siren = own(payload, 'siren');
  if (siren !== undefined) {
    const s = siren === true ? 'on' : siren === false ? 'off' : siren;
    if (s !== 'on' && s !== 'off') {
      throw errors.invalidInput(`siren ${describe(siren)} is unknown: use "on" or "off".`);
    }
    out.siren = s;
  }
  const persons = own(payload, 'persons');
  if (persons !== undefined) {
    if (!plainObject(persons)) {
      throw errors.invalidInput(
        'persons must be an object like {"home":["Alice"]} or {"away":"all"}.',
      );
    }
    const r: PersonsRequest = {};
    if (own(persons, 'home') !== undefined) r.home = nameList(own(persons, 'home'), 'persons.home');
    const away = own(persons, 'away');
    if (away !== undefined) r.away = away === 'all' ? 'all' : nameList(away, 'persons.away');
    if (!r.home && !r.away) throw errors.invalidInput('persons needs home and/or away.');
    out.persons = r;
  }
  if (Object.keys(out).length === 0) {
    throw errors.invalidInput('The control msg is empty: send {"get":true} to read the values.');
  }
  return out;
}

/** Throws INVALID_INPUT unless min <= value <= max; the message names the cloud's range. */
export function checkRange(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidInput(
      `${what} ${value} is out of range: use a whole number from ${min} to ${max}.`,
    );
  }
  return value;
}

/**
 * Person names or ids to ids. Names match case-insensitively; an unknown one fails the msg
 * (INVALID_INPUT naming the known persons) before any request.
 */
export function resolvePersons(
  wanted: string[],
  known: { id: string; name: string | null }[],
): string[] {
  const ids: string[] = [];
  for (const w of wanted) {
    const hit =
      known.find((p) => p.id === w) ??
      known.find((p) => p.name !== null && p.name.toLowerCase() === w.toLowerCase());
    if (!hit) {
      const names = known.filter((p) => p.name).map((p) => p.name as string);
      throw errors.invalidInput(
        `No person "${w.slice(0, 40)}" in this home. ` +
          (names.length ? `Known persons: ${names.join(', ')}.` : 'The home has no named persons.'),
      );
    }
    if (!ids.includes(hit.id)) ids.push(hit.id);
  }
  return ids;
}
