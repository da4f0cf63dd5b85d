import { errors } from './errors';
import {
  EVENT_TYPES,
  PTZ_DIRECTIONS,
  STREAM_QUALITIES,
  type ArmRequest,
  type CameraEvent,
  type EventType,
  type PtzCommand,
  type PtzDirection,
  type StreamQuality,
} from './provider';
import { describe, own } from './values';

/** The pure parts of the msg contract, shared by every node and unit-tested on their own. */

export const PTZ_SPEED = { min: 1, max: 64, default: 32 } as const;

/** The node's own camera wins; msg.camera (an id, or an object with an id) is the fallback. */
export function resolveCameraId(configured: unknown, msgCamera: unknown): string {
  if (typeof configured === 'string' && configured.trim() !== '') return configured.trim();
  let candidate: unknown = msgCamera;
  if (candidate && typeof candidate === 'object' && !Array.isArray(candidate)) {
    candidate = own(candidate, 'id');
  }
  if (typeof candidate === 'number' && Number.isFinite(candidate)) candidate = String(candidate);
  if (typeof candidate === 'string' && candidate.trim() !== '' && candidate.length <= 200) {
    return candidate.trim();
  }
  if (candidate === undefined || candidate === null || candidate === '') {
    throw errors.invalidInput(
      'No camera given: pick one in the node, or send its id in msg.camera.',
    );
  }
  throw errors.invalidInput(`msg.camera must be a camera id string, not ${describe(candidate)}.`);
}

export type ArmAction = { kind: 'status' } | { kind: 'set'; request: ArmRequest };

/** "arm"/"disarm"/true/false set, "status" or nothing reads, any other word is a mode name. */
export function parseArmPayload(payload: unknown): ArmAction {
  if (payload === undefined || payload === null || payload === '') return { kind: 'status' };
  if (typeof payload === 'boolean') return { kind: 'set', request: { armed: payload } };
  if (typeof payload === 'string') {
    const word = payload.trim();
    const lower = word.toLowerCase();
    if (lower === 'status' || lower === '') return { kind: 'status' };
    if (lower === 'arm' || lower === 'armed' || lower === 'on')
      return { kind: 'set', request: { armed: true } };
    if (lower === 'disarm' || lower === 'disarmed' || lower === 'off')
      return { kind: 'set', request: { armed: false } };
    if (word.length > 100) throw errors.invalidInput('msg.payload is too long for a mode name.');
    return { kind: 'set', request: { mode: word } };
  }
  if (typeof payload === 'object' && !Array.isArray(payload)) {
    const armed = own(payload, 'armed');
    const mode = own(payload, 'mode');
    if (typeof armed === 'boolean') return { kind: 'set', request: { armed } };
    if (typeof mode === 'string' && mode.trim() && mode.length <= 100)
      return { kind: 'set', request: { mode: mode.trim() } };
    // A camera event wired straight in asks "is this camera armed?" (the flagship flow).
    if (typeof own(payload, 'vendor') === 'string' && typeof own(payload, 'type') === 'string')
      return { kind: 'status' };
  }
  throw errors.invalidInput(
    `msg.payload ${describe(payload)} is not an arm command: send "arm", "disarm", true, false, "status" or a mode name.`,
  );
}

const ZOOM = ['in', 'out'] as const;
const FOCUS = ['near', 'far'] as const;

export function parsePtzPayload(payload: unknown): PtzCommand {
  if (payload === 'stop') return { action: 'stop' };
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw errors.invalidInput(
      `msg.payload ${describe(payload)} is not a PTZ command: send an object like {"action":"move","direction":"left","speed":10}.`,
    );
  }
  const action = own(payload, 'action');
  const direction = own(payload, 'direction');
  switch (action) {
    case 'stop':
      return { action: 'stop' };
    case 'move': {
      if (
        typeof direction !== 'string' ||
        !(PTZ_DIRECTIONS as readonly string[]).includes(direction)
      ) {
        throw errors.invalidInput(
          `Unknown move direction ${describe(direction)}: use one of ${PTZ_DIRECTIONS.join(', ')}.`,
        );
      }
      const rawSpeed = own(payload, 'speed');
      const speed = rawSpeed === undefined ? PTZ_SPEED.default : rawSpeed;
      if (
        typeof speed !== 'number' ||
        !Number.isInteger(speed) ||
        speed < PTZ_SPEED.min ||
        speed > PTZ_SPEED.max
      ) {
        throw errors.invalidInput(
          `PTZ speed ${describe(speed)} is out of range: use a whole number from ${PTZ_SPEED.min} to ${PTZ_SPEED.max}.`,
        );
      }
      return { action: 'move', direction: direction as PtzDirection, speed };
    }
    case 'zoom':
      if (typeof direction !== 'string' || !(ZOOM as readonly string[]).includes(direction)) {
        throw errors.invalidInput(
          `Zoom direction ${describe(direction)} is unknown: use "in" or "out".`,
        );
      }
      return { action: 'zoom', direction: direction as 'in' | 'out' };
    case 'focus':
      if (typeof direction !== 'string' || !(FOCUS as readonly string[]).includes(direction)) {
        throw errors.invalidInput(
          `Focus direction ${describe(direction)} is unknown: use "near" or "far".`,
        );
      }
      return { action: 'focus', direction: direction as 'near' | 'far' };
    default:
      throw errors.invalidInput(
        `PTZ action ${describe(action)} is unknown: use "move", "stop", "zoom" or "focus".`,
      );
  }
}

export function parseQuality(configured: unknown, fromMsg: unknown): StreamQuality {
  const pick = typeof configured === 'string' && configured !== '' ? configured : fromMsg;
  if (pick === undefined || pick === null || pick === '') return 'main';
  if (typeof pick === 'string' && (STREAM_QUALITIES as readonly string[]).includes(pick)) {
    return pick as StreamQuality;
  }
  throw errors.invalidInput(
    `Stream quality ${describe(pick)} is unknown: use ${STREAM_QUALITIES.join(', ')}.`,
  );
}

export function normaliseEventTypes(types: unknown): EventType[] {
  if (!Array.isArray(types)) return [];
  return types.filter((t): t is EventType => (EVENT_TYPES as readonly string[]).includes(t));
}

/**
 * The documented order of specificity: an event's `type` is the first of its labels in this
 * list, so a person seen in motion is a "person" event.
 */
export const LABEL_ORDER: readonly EventType[] = [
  'person',
  'vehicle',
  'animal',
  'face',
  'doorbell',
  'sound',
  'motion',
  'other',
];

/** The most specific label; 'other' for none. */
export function mostSpecific(labels: readonly EventType[]): EventType {
  for (const l of LABEL_ORDER) if (labels.includes(l)) return l;
  return 'other';
}

/** The labels of an event; events from before labels existed have just their type. */
export function eventLabels(event: CameraEvent): EventType[] {
  return event.labels && event.labels.length > 0 ? [...event.labels] : [event.type];
}

/** An event node's persons filter: `any`, `known`, `unknown`, or names (comma-separated). */
export type PersonsFilter =
  { kind: 'any' } | { kind: 'known' } | { kind: 'unknown' } | { kind: 'names'; names: string[] };

export function parsePersonsFilter(value: unknown): PersonsFilter {
  const list = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(',')
      : [];
  const names = list.map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) return { kind: 'any' };
  if (names.length === 1) {
    const word = names[0].toLowerCase();
    if (word === 'any') return { kind: 'any' };
    if (word === 'known') return { kind: 'known' };
    if (word === 'unknown') return { kind: 'unknown' };
  }
  return { kind: 'names', names: names.map((n) => n.toLowerCase()) };
}

/** Does an event pass a persons filter? Events naming no person pass only `any`. */
export function personsMatch(event: CameraEvent, filter: PersonsFilter): boolean {
  if (filter.kind === 'any') return true;
  const persons = event.persons ?? [];
  switch (filter.kind) {
    case 'known':
      return persons.some((p) => p.known);
    case 'unknown':
      return persons.some((p) => !p.known);
    case 'names':
      return persons.some((p) => p.name !== null && filter.names.includes(p.name.toLowerCase()));
  }
}

export interface EventFilter {
  /** Empty: all cameras. */
  camera: string;
  /** Empty: all types; otherwise any of the event's labels must be listed. */
  types: readonly EventType[];
  includeDisarmed?: boolean;
  /** Also the msgs that report the end of an activity. */
  ended?: boolean;
  persons?: PersonsFilter;
}

/** Does an event pass an event node's camera and type filters? Empty filters pass all. */
export function eventMatches(
  event: CameraEvent,
  cameraOrFilter: string | EventFilter,
  types: readonly EventType[] = [],
  includeDisarmed = false,
): boolean {
  const f: EventFilter =
    typeof cameraOrFilter === 'string'
      ? { camera: cameraOrFilter, types, includeDisarmed }
      : cameraOrFilter;
  if (f.camera && event.camera.id !== f.camera) return false;
  if (event.phase === 'end' && !f.ended) return false;
  // A doorbell rings whatever the arm state; everything else reported while disarmed is
  // dropped unless the node asks for it.
  if (event.armed === false && !f.includeDisarmed && event.type !== 'doorbell') return false;
  if (f.persons && !personsMatch(event, f.persons)) return false;
  return f.types.length === 0 || eventLabels(event).some((l) => f.types.includes(l));
}

export function eventTopic(event: CameraEvent): string {
  return `${event.vendor}/${event.camera.id}/${event.type}`;
}
