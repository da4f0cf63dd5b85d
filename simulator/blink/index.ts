import { JSON_CONTENT_TYPE, SimControlError, SimServer } from '../common';
import type { FaultSpec, QueuedFault, RequestFilter, RequestLogEntry } from '../common';
import { BlinkHttpError, registerBlinkControl, registerBlinkRoutes, UNAUTHORIZED } from './routes';
import { blinkSeed, DEFAULT_BLINK_EMAIL, DEFAULT_BLINK_PASSWORD } from './seed';
import type { BlinkDeviceSeed } from './seed';
import { BlinkState, type LoginLimit, type MediaEntry } from './state';
import { resetMedia } from './media';

export * from './seed';
export { BlinkState, blinkTime } from './state';
export type { MediaEntry, LoginLimit, SimCommand, CommandOutcome } from './state';
export { UNAUTHORIZED } from './routes';

export interface BlinkSimOptions {
  port?: number;
  host?: string;
  email?: string;
  password?: string;
  /** Every sign-in asks for a 2FA code. Default false; the control API can ask for one login. */
  twoFactor?: boolean;
  /** expires_in of access tokens. Default 14400 (4 h), one of the values seen. */
  accessTokenTtlSec?: number;
  /** complete:false polls before a command completes. Default 2 (real ones take 2-3 s). */
  commandPolls?: number;
  liveviewDurationSec?: number;
  mediaPageSize?: number;
  loginLimit?: Partial<LoginLimit>;
  /** Devices in place of the seed's four, e.g. many for scaling figures; networks stay the seed's. */
  devices?: readonly BlinkDeviceSeed[];
}

export interface BlinkSim {
  readonly url: string;
  readonly server: SimServer;
  readonly state: BlinkState;
  close(): Promise<void>;
  addFault(spec: FaultSpec): QueuedFault;
  clearFaults(): void;
  requests(filter?: RequestFilter): RequestLogEntry[];
  clearRequests(): void;
  /** Motion on a camera or a doorbell press; records a clip when the camera would. */
  trigger(
    camera: string,
    type?: 'motion' | 'doorbell',
    options?: { force?: boolean },
  ): MediaEntry | undefined;
  setOnline(camera: string, online: boolean): void;
  require2fa(status?: 202 | 412): void;
  /** The 2FA codes "sent by SMS", newest last. */
  outbox(): { code: string; time: string }[];
  expireTokens(): void;
  nextCommands(outcome: 'ok' | 'fail' | 'never', count?: number, statusCode?: number): void;
  reset(): void;
}

const DEFAULT_LOGIN_LIMIT: LoginLimit = {
  max: 10,
  windowMs: 60_000,
  lockoutAfter: 5,
  lockoutMs: 60 * 60_000,
};

export function createBlinkSim(options: BlinkSimOptions = {}): {
  server: SimServer;
  state: BlinkState;
} {
  const seeded = blinkSeed(
    options.email ?? DEFAULT_BLINK_EMAIL,
    options.password ?? DEFAULT_BLINK_PASSWORD,
  );
  const seed = options.devices ? { ...seeded, devices: [...options.devices] } : seeded;
  const state = new BlinkState(
    seed,
    {
      accessTokenTtlSec: options.accessTokenTtlSec ?? 14_400,
      commandPolls: options.commandPolls ?? 2,
      liveviewDurationSec: options.liveviewDurationSec ?? 300,
      mediaPageSize: options.mediaPageSize ?? 25,
    },
    { ...DEFAULT_LOGIN_LIMIT, ...options.loginLimit },
    options.twoFactor ?? false,
  );
  const server: SimServer = new SimServer({
    name: 'blink',
    port: options.port,
    host: options.host,
    hooks: {
      devices: () => state.view(),
      setOnline: (id, online) => {
        const d = state.devices.get(Number(id));
        if (!d) return false;
        d.online = online;
        return true;
      },
      reset: () => {
        state.reset();
        resetMedia(state);
      },
      trigger: (event) => {
        const d = state.devices.get(Number(event.camera));
        if (!d) throw new SimControlError(404, `unknown device ${String(event.camera)}`);
        const type = event.type ?? 'motion';
        if (type !== 'motion' && type !== 'doorbell') {
          throw new SimControlError(400, 'type must be motion or doorbell');
        }
        return triggerEvent(state, d.seed.id, type, event.force === true) ?? { recorded: false };
      },
      faultReply: (status) => {
        const body =
          status === 401
            ? UNAUTHORIZED
            : { message: status === 429 ? 'Too Many Requests' : 'Server error', code: status };
        return {
          status,
          body: JSON.stringify(body),
          headers: { 'Content-Type': JSON_CONTENT_TYPE },
        };
      },
      notFound: (req, res) => {
        // REST paths on the rest-prod host (no tier prefix) get the wrong-tier answer.
        if (/^\/(api|network|media)\//.test(req.path)) res.json(401, UNAUTHORIZED);
        else res.json(404, { message: 'Not Found', code: 404 });
      },
      onError: (err, _req, res) => {
        if (err instanceof BlinkHttpError) res.json(err.status, err.body, err.headers);
        else
          res.json(500, { message: err instanceof Error ? err.message : String(err), code: 500 });
      },
    },
  });
  registerBlinkControl({ state, server });
  registerBlinkRoutes({ state, server });
  return { server, state };
}

function triggerEvent(
  state: BlinkState,
  deviceId: number,
  type: 'motion' | 'doorbell',
  force: boolean,
): MediaEntry | undefined {
  const d = state.devices.get(deviceId);
  if (!d) throw new Error(`unknown Blink device ${deviceId}`);
  if (type === 'doorbell') {
    if (d.seed.kind !== 'doorbell')
      throw new SimControlError(400, `${d.seed.name} is not a doorbell`);
    // A press is recorded whatever the arm state, as the doorbell rings either way.
    return state.addMedia(deviceId, 'button_press');
  }
  // Blink records motion only while armed; `force` stands in for a clip recorded just before a disarm.
  if (!force && !state.records(d)) return undefined;
  return state.addMedia(deviceId, 'pir');
}

export async function startBlinkSim(options: BlinkSimOptions = {}): Promise<BlinkSim> {
  const { server, state } = createBlinkSim(options);
  const url = await server.start();
  const dev = (camera: string) => {
    const d = state.devices.get(Number(camera));
    if (!d) throw new Error(`unknown Blink device ${camera}`);
    return d;
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
    trigger: (camera, type = 'motion', opts = {}) =>
      triggerEvent(state, dev(camera).seed.id, type, opts.force === true),
    setOnline: (camera, online) => {
      dev(camera).online = online;
    },
    require2fa: (status = 202) => {
      state.require2fa = status;
    },
    outbox: () => state.outbox.map((o) => ({ code: o.code, time: o.time })),
    expireTokens: () => void state.expireAccessTokens(),
    nextCommands: (outcome, count = 1, statusCode = 999) => {
      for (let i = 0; i < count; i++) state.nextOutcomes.push({ outcome, failCode: statusCode });
    },
    reset: () => server.reset(),
  };
}
