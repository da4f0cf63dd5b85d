import { SimControlError, SimServer } from '../common';
import type { FaultSpec, QueuedFault, RequestFilter, RequestLogEntry } from '../common';
import { REOLINK_SEED } from './devices';
import type { ReolinkDeviceSeed } from './devices';
import { RopError, ROP_NOT_FOUND_BODY, ropErrorBody, ropFaultReply } from './errors';
import { alarmFromControlEvent, checkAlarmOptions, deliverAlarm } from './events';
import type { AlarmOptions } from './events';
import { registerReolinkRoutes } from './routes';
import { ReolinkState } from './state';
import type { AlarmDelivery, ReolinkDeviceView } from './state';

export * from './devices';
export * from './errors';
export * from './events';
export type { AlarmDelivery, PlaySession, ReolinkDeviceView, DeviceState } from './state';
export { ReolinkState } from './state';

/** The partner gateway's Basic auth challenge uses this realm. */
export const REOLINK_AUTH_REALM = 'ROP';
/** The ROP server's RTSP port; play URLs point here. */
export const DEFAULT_RTSP_PORT = 61008;

export interface ReolinkSimOptions {
  /** 0 or omitted: an ephemeral port. The real server listens on 61009. */
  port?: number;
  host?: string;
  /** Puts the API behind HTTP Basic auth, like the optional Nginx "Authenticator". */
  auth?: { username: string; password: string };
  /** expiredIn of play sessions, 1-3600 s. Default 30 as on the real server. */
  playSessionTtlSec?: number;
  /** Time a snapshot takes; long enough by default for two concurrent requests to overlap. */
  snapDelayMs?: number;
  rtspHost?: string;
  rtspPort?: number;
  /** Alarm webhook URL (ROP_ALARM_WEBHOOK); may carry `?authcode=` or `?key=`. */
  callbackUrl?: string;
  /** Replaces the seeded devices. */
  devices?: readonly ReolinkDeviceSeed[];
  /** Percent per hour a battery camera drains off the charger (default 1) and charges on it (30). */
  batteryDrainPerHour?: number;
  batteryChargePerHour?: number;
}

export interface ReolinkSim {
  /** Base URL of the API, e.g. http://127.0.0.1:8704 */
  readonly url: string;
  readonly server: SimServer;
  readonly state: ReolinkState;
  close(): Promise<void>;
  addFault(spec: FaultSpec): QueuedFault;
  clearFaults(): void;
  requests(filter?: RequestFilter): RequestLogEntry[];
  clearRequests(): void;
  /** Fires one alarm at the callback URL and resolves with the recorded delivery. */
  trigger(uid: string, alarm?: AlarmOptions): Promise<AlarmDelivery>;
  setOnline(uid: string, online: boolean): void;
  setAsleep(uid: string, asleep: boolean): void;
  setCallback(url: string | null): void;
  deliveries(): AlarmDelivery[];
  devices(): ReolinkDeviceView[];
  /** Devices, sessions, deliveries, faults, request log and callback back to their start. */
  reset(): void;
}

/** Builds the Reolink simulator without starting it, for hosts that manage many servers. */
export function createReolinkSim(options: ReolinkSimOptions = {}): {
  server: SimServer;
  state: ReolinkState;
} {
  const playSessionTtlSec = options.playSessionTtlSec ?? 30;
  if (!Number.isInteger(playSessionTtlSec) || playSessionTtlSec < 1 || playSessionTtlSec > 3600) {
    throw new RangeError('playSessionTtlSec must be an integer 1-3600');
  }
  const rtspHost = options.rtspHost ?? '127.0.0.1';
  const state = new ReolinkState({
    seed: options.devices ?? REOLINK_SEED,
    playSessionTtlSec,
    rtspBase: `rtsp://${rtspHost}:${options.rtspPort ?? DEFAULT_RTSP_PORT}`,
    batteryDrainPerHour: options.batteryDrainPerHour,
    batteryChargePerHour: options.batteryChargePerHour,
  });
  const server: SimServer = new SimServer({
    name: 'reolink',
    port: options.port,
    host: options.host,
    auth: options.auth ? { ...options.auth, realm: REOLINK_AUTH_REALM } : undefined,
    callbackUrl: options.callbackUrl,
    hooks: {
      devices: () => state.view(),
      setOnline: (id, online) => state.setOnline(id, online),
      reset: () => state.reset(),
      trigger: async (event) => {
        const uid = event.camera as string;
        if (!state.devices.has(uid)) throw new SimControlError(404, `unknown device ${uid}`);
        const alarm = alarmFromControlEvent(event);
        if (typeof alarm === 'string') throw new SimControlError(400, alarm);
        try {
          return await deliverAlarm(state, server.callbackUrl, uid, alarm);
        } catch (err) {
          throw new SimControlError(400, err instanceof Error ? err.message : String(err));
        }
      },
      faultReply: (status) => ropFaultReply(status, REOLINK_AUTH_REALM),
      notFound: (_req, res) => res.json(404, ROP_NOT_FOUND_BODY),
      onError: (err, _req, res) => {
        if (err instanceof RopError) {
          res.json(err.status, { error: { symbol: err.symbol, message: err.message } });
        } else {
          const detail = err instanceof Error ? err.message : String(err);
          res.json(500, ropErrorBody('server_internal_error', { detail }));
        }
      },
    },
  });
  state.webhookDelayMs = () => server.latency.oneWay();
  registerReolinkRoutes({
    state,
    server,
    playSessionTtlSec,
    snapDelayMs: options.snapDelayMs ?? 50,
  });
  return { server, state };
}

export async function startReolinkSim(options: ReolinkSimOptions = {}): Promise<ReolinkSim> {
  const { server, state } = createReolinkSim(options);
  const url = await server.start();
  const known = (uid: string): void => {
    if (!state.devices.has(uid)) throw new Error(`unknown Reolink device ${uid}`);
  };
  return {
    url,
    server,
    state,
    close: () => server.close(),
    addFault: (spec) => server.addFault(spec),
    clearFaults: () => server.clearFaults(),
    requests: (filter) => server.requests(filter),
    clearRequests: () => server.clearRequests(),
    trigger: (uid, alarm = {}) => {
      const problem = checkAlarmOptions(alarm);
      if (problem) return Promise.reject(new Error(problem));
      return deliverAlarm(state, server.callbackUrl, uid, alarm);
    },
    setOnline: (uid, online) => {
      known(uid);
      state.setOnline(uid, online);
    },
    setAsleep: (uid, asleep) => {
      known(uid);
      const d = state.devices.get(uid);
      if (d && asleep && d.seed.family !== 'battery') {
        throw new Error(`${uid} is not a battery camera and cannot sleep`);
      }
      if (d) d.asleep = asleep;
    },
    setCallback: (url) => {
      server.callbackUrl = url;
    },
    deliveries: () => state.deliveries.map((d) => ({ ...d })),
    devices: () => state.view(),
    reset: () => server.reset(),
  };
}
