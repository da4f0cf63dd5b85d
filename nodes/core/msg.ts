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

/** The pure parts of the msg contract, shared by every node and unit-tested on their own. */

export const PTZ_SPEED = { min: 1, max: 64, default: 32 } as const;

function own(o: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}..."` : `"${v}"`;
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

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

/** Does an event pass an event node's camera and type filters? Empty filters pass all. */
export function eventMatches(
  event: CameraEvent,
  camera: string,
  types: readonly EventType[],
  includeDisarmed = false,
): boolean {
  if (camera && event.camera.id !== camera) return false;
  if (event.armed === false && !includeDisarmed) return false;
  return types.length === 0 || types.includes(event.type);
}

export function eventTopic(event: CameraEvent): string {
  return `${event.vendor}/${event.camera.id}/${event.type}`;
}
