import { renderSnapshot, SimControlError } from '../common';
import type { SimRequest, SimResponse, SimServer } from '../common';
import { CHARGE_STATUSES, DIRECTIONS, STREAM_TYPES } from './devices';
import type { ChargeStatus, StreamType } from './devices';
import { RopError } from './errors';
import { calendarDays, decodeCursor, queryRecordings, written } from './recordings';
import type { ReolinkState, DeviceState } from './state';
import {
  boolField,
  checkDeviceName,
  checkUid,
  enumField,
  intField,
  jsonBody,
  queryDate,
  queryEnum,
  queryInt,
  queryOptional,
  queryTime,
  stringField,
} from './validate';

export interface ReolinkRouteConfig {
  state: ReolinkState;
  server: SimServer;
  playSessionTtlSec: number;
  snapDelayMs: number;
}

const DEV = '/v1.0/devices/:uid';
const MAX_CHANNEL = 31;
const RECORD_STREAMS = ['mainStream', 'subStream'] as const;
const ACTIONS = ['inc', 'dec'] as const;
const DIAGONALS: readonly string[] = ['leftUp', 'leftDown', 'rightUp', 'rightDown'];

// Sub streams are smaller, so a client that asks for one visibly gets a different picture.
const SNAPSHOT_SIZE: Record<StreamType, readonly [number, number]> = {
  mainStream: [320, 180],
  externStream: [256, 144],
  subStream: [160, 90],
};

const ok = (res: SimResponse): void => res.json(200, { message: 'ok' });

/** Registers the ROP v1.0 client API on a SimServer. */
export function registerReolinkRoutes(cfg: ReolinkRouteConfig): void {
  const { state, server } = cfg;

  const device = (uid: string): DeviceState => {
    const d = state.devices.get(uid);
    if (!d || !d.online) throw new RopError('device_offline');
    return d;
  };
  const checkChannel = (d: DeviceState, channel: number): void => {
    if (channel >= d.seed.channels) throw new RopError('device_channel_not_found');
  };
  // The server's capability checks use cached abilities, so they answer before any wake-up;
  // only a command that reaches a sleeping camera times out.
  const reach = (d: DeviceState): void => {
    if (d.asleep) {
      d.asleep = false;
      throw new RopError('wake_up_timeout');
    }
  };
  const card = (d: DeviceState): void => {
    if (!d.sdCard) throw new RopError('cmd_not_support');
  };
  const battery = (d: DeviceState): void => {
    if (d.seed.family !== 'battery') throw new RopError('cmd_not_support');
  };

  server.route('GET', '/v1.0/devices', (_req, res) => {
    const items = [...state.devices.values()]
      .filter((d) => d.online)
      .map(({ seed }) => ({
        uid: seed.uid,
        family: seed.family,
        model: seed.model,
        firmware: seed.firmware,
      }));
    res.json(200, { totalRows: items.length, items });
  });

  server.route('GET', `${DEV}/settings/general-config`, (req, res) => {
    const d = device(checkUid(req.params.uid));
    reach(d);
    res.json(200, { deviceName: d.deviceName });
  });

  server.route('PUT', `${DEV}/settings/general-config`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const name = checkDeviceName(stringField(jsonBody(req), 'deviceName', 1, 31));
    const d = device(uid);
    reach(d);
    d.deviceName = name;
    ok(res);
  });

  server.route('GET', `${DEV}/settings/alarm`, (req, res) => {
    const d = device(checkUid(req.params.uid));
    reach(d);
    res.json(200, { enabled: d.alarmEnabled });
  });

  server.route('PUT', `${DEV}/settings/alarm`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const raw = jsonBody(req).enabled;
    // The seed's own example shows "true" as a string, and the server coerces it.
    let enabled: boolean;
    if (typeof raw === 'boolean') enabled = raw;
    else if (raw === 'true' || raw === 'false') enabled = raw === 'true';
    else throw new RopError('invalid_parameter');
    const d = device(uid);
    reach(d);
    d.alarmEnabled = enabled;
    ok(res);
  });

  server.route('GET', `${DEV}/settings/pir-config`, (req, res) => {
    const d = device(checkUid(req.params.uid));
    battery(d);
    reach(d);
    res.json(200, { ...d.pir });
  });

  server.route('PUT', `${DEV}/settings/pir-config`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const body = jsonBody(req);
    const pir = {
      enabled: boolField(body, 'enabled'),
      sensitivity: intField(body, 'sensitivity', 0, 100),
      reduceMistakes: boolField(body, 'reduceMistakes'),
    };
    const d = device(uid);
    battery(d);
    reach(d);
    d.pir = pir;
    ok(res);
  });

  server.route('GET', `${DEV}/states/battery`, (req, res) => {
    const d = device(checkUid(req.params.uid));
    battery(d);
    reach(d);
    res.json(200, { ...state.batteryNow(d) });
  });

  server.route('GET', `${DEV}/snap/snapshot.jpg`, async (req, res) => {
    const uid = checkUid(req.params.uid);
    const channel = queryInt(req, 'channel', 0, MAX_CHANNEL);
    const streamType = queryEnum(req, 'stream_type', STREAM_TYPES);
    const d = device(uid);
    checkChannel(d, channel);
    if (!d.seed.streams.includes(streamType)) throw new RopError('stream_type_not_support');
    reach(d);
    // The real server allows one snapshot per device at a time and rejects the overlap.
    if (d.snapInFlight) throw new RopError('duplicate_snap');
    d.snapInFlight = true;
    let jpeg: Buffer;
    try {
      await server.sleep(cfg.snapDelayMs);
      const { pan, tilt } = state.ptzPosition(d);
      const [width, height] = SNAPSHOT_SIZE[streamType];
      jpeg = renderSnapshot({
        cameraId: `${uid}/${channel}`,
        width,
        height,
        pan,
        tilt,
        zoom: 1 + (d.ptz?.zoom ?? 0) / 8,
      });
    } finally {
      d.snapInFlight = false;
    }
    d.snapshots += 1;
    res.buffer(200, jpeg, 'image/jpeg');
  });

  server.route('POST', `${DEV}/live/play-session`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const body = jsonBody(req);
    const channel = intField(body, 'channel', 0, MAX_CHANNEL);
    const streamType = enumField(body, 'streamType', STREAM_TYPES);
    const d = device(uid);
    checkChannel(d, channel);
    if (!d.seed.streams.includes(streamType)) throw new RopError('stream_type_not_support');
    reach(d);
    const session = state.openSession('live', uid, channel, { streamType });
    res.json(200, { playURL: session.playURL, expiredIn: cfg.playSessionTtlSec });
  });

  server.route('GET', `${DEV}/records/calendar`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const channel = queryInt(req, 'channel', 0, MAX_CHANNEL);
    const year = queryInt(req, 'year', 2000, 3000);
    const month = queryInt(req, 'month', 1, 12);
    const d = device(uid);
    checkChannel(d, channel);
    card(d);
    reach(d);
    const items = calendarDays(d.recordings, channel, year, month).map((date) => ({
      channel,
      date,
    }));
    res.json(200, { totalRows: items.length, items });
  });

  server.route('GET', `${DEV}/records`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const channel = queryInt(req, 'channel', 0, MAX_CHANNEL);
    const streamType = queryEnum(req, 'stream_type', RECORD_STREAMS);
    const recordDate = queryDate(req, 'record_date');
    const startAt = queryTime(req, 'start_at');
    const endAt = queryTime(req, 'end_at');
    if (startAt > endAt) throw new RopError('invalid_parameter');
    const token = queryOptional(req, 'next_token');
    const cursor = token === undefined ? undefined : decodeCursor(token);
    if (token !== undefined && !cursor) throw new RopError('invalid_parameter');
    const d = device(uid);
    checkChannel(d, channel);
    card(d);
    reach(d);
    res.json(
      200,
      queryRecordings(written(d.recordings, new Date()), {
        channel,
        streamType,
        recordDate,
        startAt,
        endAt,
        cursor,
      }),
    );
  });

  server.route('POST', `${DEV}/records/play-session`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const body = jsonBody(req);
    const channel = intField(body, 'channel', 0, MAX_CHANNEL);
    const fileName = stringField(body, 'fileName', 1, 255);
    const d = device(uid);
    checkChannel(d, channel);
    card(d);
    reach(d);
    if (!d.recordings.some((r) => r.channel === channel && r.fileName === fileName)) {
      throw new RopError('invalid_filename');
    }
    const session = state.openSession('record', uid, channel, { fileName });
    res.json(200, { playURL: session.playURL, expiredIn: cfg.playSessionTtlSec });
  });

  server.route('POST', `${DEV}/ptz/rotate`, (req, res) => {
    const uid = checkUid(req.params.uid);
    const body = jsonBody(req);
    const channel = intField(body, 'channel', 0, MAX_CHANNEL);
    const direction = enumField(body, 'direction', DIRECTIONS);
    const speed = intField(body, 'speed', 1, 64);
    const d = device(uid);
    checkChannel(d, channel);
    const ptz = d.seed.ptz;
    if (!ptz) throw new RopError('cmd_not_support');
    if (ptz.directions === 4 && DIAGONALS.includes(direction)) {
      throw new RopError('direction_not_support');
    }
    reach(d);
    state.rotate(d, direction, speed);
    ok(res);
  });

  for (const axis of ['zoom', 'focus'] as const) {
    server.route('PATCH', `${DEV}/ptz/${axis}`, (req, res) => {
      const uid = checkUid(req.params.uid);
      const body = jsonBody(req);
      const channel = intField(body, 'channel', 0, MAX_CHANNEL);
      const action = enumField(body, 'action', ACTIONS);
      const d = device(uid);
      checkChannel(d, channel);
      if (!d.seed.ptz?.[axis]) throw new RopError('cmd_not_support');
      reach(d);
      state.step(d, axis, action === 'inc' ? 1 : -1);
      ok(res);
    });
  }

  registerReolinkControl(cfg);
}

function controlBody(req: SimRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = req.body.length === 0 ? {} : req.json();
  } catch {
    throw new SimControlError(400, 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimControlError(400, 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function knownDevice(state: ReolinkState, id: string): DeviceState {
  const d = state.devices.get(id);
  if (!d) throw new SimControlError(404, `unknown device ${id}`);
  return d;
}

/** Reolink-only control routes, next to the shared ones under /_sim/. */
function registerReolinkControl({ state, server }: ReolinkRouteConfig): void {
  server.route('POST', '/_sim/devices/:id/asleep', (req, res) => {
    const d = knownDevice(state, req.params.id);
    const { asleep } = controlBody(req);
    if (typeof asleep !== 'boolean') throw new SimControlError(400, 'asleep must be a boolean');
    if (asleep && d.seed.family !== 'battery') {
      throw new SimControlError(400, 'only battery cameras sleep');
    }
    d.asleep = asleep;
    res.json(200, state.viewOf(d));
  });

  server.route('PUT', '/_sim/devices/:id/battery', (req, res) => {
    const d = knownDevice(state, req.params.id);
    if (!d.battery) throw new SimControlError(400, 'device has no battery');
    const { percent, chargeStatus } = controlBody(req);
    if (percent !== undefined) {
      if (!Number.isInteger(percent) || (percent as number) < 0 || (percent as number) > 100) {
        throw new SimControlError(400, 'percent must be an integer 0-100');
      }
    }
    if (chargeStatus !== undefined) {
      if (!(CHARGE_STATUSES as readonly unknown[]).includes(chargeStatus)) {
        throw new SimControlError(400, `chargeStatus must be one of ${CHARGE_STATUSES.join(', ')}`);
      }
    }
    state.setBattery(d, percent as number | undefined, chargeStatus as ChargeStatus | undefined);
    res.json(200, state.viewOf(d));
  });

  // How long the file each alarm records runs (0: alarms record nothing).
  server.route('POST', '/_sim/alarm-recording', (req, res) => {
    const { seconds } = controlBody(req);
    if (typeof seconds !== 'number' || seconds < 0 || seconds > 3600)
      throw new SimControlError(400, 'seconds must be a number 0-3600');
    state.alarmClipSec = seconds;
    res.json(200, { seconds });
  });

  // A camera whose card was taken out, for the "no storage" path.
  server.route('POST', '/_sim/devices/:id/sdcard', (req, res) => {
    const d = knownDevice(state, req.params.id);
    const { present } = controlBody(req);
    if (typeof present !== 'boolean') throw new SimControlError(400, 'present must be a boolean');
    d.sdCard = present;
    res.json(200, { uid: d.seed.uid, sdCard: d.sdCard });
  });

  // A file the card overwrote since it was listed: its play-session answers invalid_filename.
  server.route('POST', '/_sim/devices/:id/recordings/delete', (req, res) => {
    const d = knownDevice(state, req.params.id);
    const { fileName } = controlBody(req);
    if (typeof fileName !== 'string') throw new SimControlError(400, 'fileName must be a string');
    const before = d.recordings.length;
    d.recordings = d.recordings.filter((r) => r.fileName !== fileName);
    res.json(200, { deleted: before - d.recordings.length });
  });

  server.route('GET', '/_sim/deliveries', (_req, res) => {
    res.json(200, state.deliveries);
  });

  server.route('DELETE', '/_sim/deliveries', (_req, res) => {
    state.deliveries = [];
    res.json(200, { cleared: true });
  });

  server.route('GET', '/_sim/sessions', (_req, res) => {
    res.json(200, state.listSessions());
  });

  server.route('POST', '/_sim/sessions/played', (req, res) => {
    const { playURL, played } = controlBody(req);
    if (typeof playURL !== 'string') throw new SimControlError(400, 'playURL must be a string');
    if (played !== undefined && typeof played !== 'boolean') {
      throw new SimControlError(400, 'played must be a boolean');
    }
    if (!state.setPlayed(playURL, played ?? true)) {
      throw new SimControlError(404, 'no live session has that playURL');
    }
    res.json(200, { playURL, played: played ?? true });
  });
}
