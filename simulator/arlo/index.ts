import { randomBytes, randomUUID } from 'node:crypto';
import { Latency, renderSnapshot, SimControlError, SimServer } from '../common';
import type { FaultSpec, QueuedFault, RequestFilter, RequestLogEntry, SimReply } from '../common';
import { hmsOk, registerApiRoutes } from './api-routes';
import { registerAuthRoutes } from './auth-routes';
import { addLibraryItem, registerLibraryRoutes, resetLibrary } from './library';
import { ArloBus } from './bus';
import type { ArloDeviceSeed } from './devices';
import { ArloState } from './state';
import type { AccountFlags, LibraryItem, SubscriptionAnswers, Transport } from './state';

export * from './devices';
export { ArloState, FACTORS } from './state';
export type { AccountFlags, FactorType, SubscriptionAnswers, Transport } from './state';
export type { PublishedPacket } from './bus';

export interface ArloSimOptions {
  /** API host (myapi) port; 0 or omitted: ephemeral. */
  port?: number;
  /** Auth host (ocapi) port. */
  authPort?: number;
  /** MQTT broker port. */
  mqttPort?: number;
  /** Token lifetime; the real one is about 2 h. */
  tokenTtlSec?: number;
  /** A base station's event subscription lapses this long after the last renewal. */
  subscriptionTtlMs?: number;
  /**
   * A base answers its subscription at most this often; about once a minute on the real cloud
   * (2.4). Change it at run time with `POST /_sim/subscriptions`.
   */
  subscriptionAnswerMs?: number;
  eventDelayMs?: number;
  snapDelayMs?: number;
  snapshotUrlTtlSec?: number;
  /** Lifetime of the library's presigned MP4 and thumbnail links. */
  libraryUrlTtlSec?: number;
  /** How long after its event a motion clip appears in the library (recording, uploading). */
  clipDelayMs?: number;
  /** An unopened stream URL dies after this; about 30 s on the real cloud. */
  streamTtlMs?: number;
  mfa?: boolean;
  transport?: Transport;
  multiLocation?: boolean;
  devices?: readonly ArloDeviceSeed[];
}

export const ARLO_EVENT_TYPES = [
  'motion',
  'audio',
  'doorbell',
  'person',
  'vehicle',
  'animal',
  // The camera saying the activity is over: motionDetected / audioDetected false (2.9).
  'motion-end',
  'audio-end',
] as const;
export type ArloSimEvent = (typeof ARLO_EVENT_TYPES)[number];

export interface ArloSim {
  /** API host base URL (the config node's baseUrl). */
  readonly url: string;
  /** Auth host base URL (the config node's authUrl). */
  readonly authUrl: string;
  readonly mqttUrl: string;
  readonly server: SimServer;
  readonly auth: SimServer;
  readonly state: ArloState;
  readonly bus: ArloBus;
  setAccount(flags: Partial<AccountFlags>): void;
  /** The last one-time code the account was sent for a factor. */
  lastOtp(type: 'EMAIL' | 'SMS'): string | undefined;
  approvePush(): number;
  expireTokens(): void;
  /** How bases answer their subscription: every N ms at most, or never (2.4). */
  setSubscriptionAnswers(how: SubscriptionAnswers, device?: string): void;
  logoutElsewhere(): void;
  dropStream(): void;
  ignoreNextCommand(gatewayId: string): void;
  trigger(cameraId: string, type: ArloSimEvent): { delivered: boolean };
  /** Changes the mode as another app would; silent: no event on the stream. */
  setModeElsewhere(mode: string, options?: { target?: string; silent?: boolean }): void;
  setOnline(id: string, online: boolean): void;
  addFault(spec: FaultSpec): QueuedFault;
  requests(filter?: RequestFilter): RequestLogEntry[];
  clearRequests(): void;
  reset(): void;
  close(): Promise<void>;
}

/** What Cloudflare sends in front of Arlo: a text body and no Retry-After. */
function edgeReply(status: number): SimReply | undefined {
  if (status === 403)
    return {
      status,
      body: 'Unknown error has occurred',
      headers: { 'Content-Type': 'text/plain' },
    };
  if (status === 429)
    return { status, body: 'Too Many Requests', headers: { 'Content-Type': 'text/plain' } };
  return undefined;
}

export async function startArloSim(options: ArloSimOptions = {}): Promise<ArloSim> {
  const state = new ArloState({
    seed: options.devices,
    tokenTtlSec: options.tokenTtlSec ?? 7200,
    subscriptionTtlMs: options.subscriptionTtlMs ?? 60_000,
    subscriptionAnswerMs: options.subscriptionAnswerMs ?? 60_000,
    flags: {
      mfa: options.mfa ?? false,
      transport: options.transport ?? 'mqtt',
      multiLocation: options.multiLocation ?? false,
    },
  });
  // One network path for the API host, the auth host and the broker.
  const latency = new Latency();
  const bus = new ArloBus(state, latency);

  const known = (id: string) => {
    const d = state.devices.get(id);
    if (!d) throw new SimControlError(404, `unknown device ${id}`);
    return d;
  };

  const sim = {} as ArloSim;
  const trigger = (cameraId: string, type: string): { delivered: boolean } => {
    const d = known(cameraId);
    if (!(ARLO_EVENT_TYPES as readonly string[]).includes(type)) {
      throw new SimControlError(400, `type must be one of ${ARLO_EVENT_TYPES.join(', ')}`);
    }
    if (d.seed.deviceType !== 'camera' && d.seed.deviceType !== 'doorbell') {
      throw new SimControlError(400, `${cameraId} is a ${d.seed.deviceType}, not a camera`);
    }
    const gateway = state.devices.get(d.seed.parentId)?.seed ?? d.seed;
    const transId = () => `${gateway.deviceId}!${randomUUID()}`;
    if (type === 'doorbell') {
      if (d.seed.deviceType !== 'doorbell')
        throw new SimControlError(400, `${cameraId} is not a doorbell`);
      return {
        delivered: bus.fromDevice(gateway, `doorbells/${cameraId}`, {
          action: 'is',
          from: gateway.deviceId,
          resource: `doorbells/${cameraId}`,
          transId: transId(),
          properties: { buttonPressed: true },
        }),
      };
    }
    const property = type.startsWith('audio') ? 'audioDetected' : 'motionDetected';
    const delivered = bus.fromDevice(gateway, `cameras/${cameraId}`, {
      action: 'is',
      from: gateway.deviceId,
      resource: `cameras/${cameraId}`,
      transId: transId(),
      properties: { [property]: !type.endsWith('-end') },
    });
    if (type === 'person' || type === 'vehicle' || type === 'animal') {
      // Smart detections label the recording that the motion started (2.9): objCategory is
      // "vehicle", "person", "animal" or "other". Its thumbnail is a presigned S3 URL that
      // expires like every other (2.6, 2.11).
      const now = Date.now();
      const key = randomBytes(12).toString('hex');
      const expires = options.snapshotUrlTtlSec ?? 600;
      state.snapshots.set(key, {
        cameraId,
        image: renderSnapshot({ cameraId: `${cameraId}-${type}`, width: 320, height: 180 }),
        expiresAtMs: now + expires * 1000,
      });
      const item: LibraryItem = {
        deviceId: cameraId,
        name: String(now),
        utcCreatedDate: now,
        localCreatedDate: now,
        reason: 'motionRecord',
        objCategory: type,
        contentType: 'video/mp4',
        mediaDurationSecond: 12,
        presignedContentUrl: `${sim.url}/_s3/last/${cameraId}.jpg`,
        presignedThumbnailUrl: `${sim.url}/_s3/snapshots/${key}.jpg?X-Amz-Expires=${expires}&X-Amz-Signature=${state.sign(key)}`,
      };
      state.library.push(item);
      // The packet is the recording item itself, its fields at the top level (pyaarlo's
      // dispatcher finds its deviceId there), and only MQTT has the library topic (2.4, 2.9):
      // an SSE client must read the library to learn of it.
      if (delivered)
        bus.toUser(
          'library/add',
          { action: 'add', resource: 'library', transId: transId(), ...item },
          { mqttOnly: true },
        );
    } else if (type === 'motion') {
      // A plain motion records a clip too (vendor-facts 2.9: new recordings reach the library),
      // listed once recorded and uploaded, clipDelayMs later.
      const now = Date.now();
      addLibraryItem(state, {
        cameraId,
        at: now,
        extras: options.clipDelayMs ? { readyAtMs: now + options.clipDelayMs } : undefined,
      });
    }
    return { delivered };
  };

  const setModeElsewhere = (mode: string, opts: { target?: string; silent?: boolean } = {}) => {
    if (state.flags.multiLocation) {
      if (!state.v3Modes().some((m) => m.mode === mode))
        throw new SimControlError(400, `unknown v3 mode ${mode}`);
      state.v3 = { mode, revision: state.v3.revision + 1 };
      if (!opts.silent) {
        bus.toUser('automation/activeMode', {
          action: 'is',
          resource: 'automation/activeMode',
          properties: { locationId: state.location.locationId, mode, revision: state.v3.revision },
        });
      }
      return;
    }
    const target =
      opts.target ?? state.gateways().find((g) => g.deviceType === 'basestation')?.deviceId ?? '';
    known(target);
    if (state.v1Active.has(target)) state.v1Active.set(target, mode);
    else state.v2Active.set(target, mode);
  };

  const server = new SimServer({
    name: 'arlo',
    port: options.port,
    latency,
    hooks: {
      devices: () =>
        [...state.devices.values()].map((d) => ({
          ...d.seed,
          online: d.online,
          ignoreNext: d.ignoreNext,
          mode: state.v2Active.get(d.seed.deviceId) ?? state.v1Active.get(d.seed.deviceId),
        })),
      setOnline: (id, online) => {
        const d = state.devices.get(id);
        if (!d) return false;
        d.online = online;
        return true;
      },
      reset: () => {
        state.reset();
        resetLibrary(state);
        bus.drop();
        auth.reset();
      },
      trigger: (event) => trigger(String(event.camera ?? ''), String(event.type ?? 'motion')),
      faultReply: edgeReply,
      notFound: (_req, res) =>
        res.json(404, { success: false, data: { error: '404', message: 'Not found' } }),
    },
  });
  const auth = new SimServer({
    name: 'arlo-auth',
    port: options.authPort,
    latency,
    hooks: {
      faultReply: edgeReply,
      notFound: (_req, res) =>
        res.json(404, { meta: { code: 404, error: 404, message: 'Not found' } }),
    },
  });

  const c = server; // control routes live on the API host
  c.route('POST', '/_sim/account', (req, res) => {
    const b = req.json() as Partial<AccountFlags>;
    if (b.transport !== undefined && b.transport !== 'mqtt' && b.transport !== 'sse') {
      throw new SimControlError(400, 'transport must be mqtt or sse');
    }
    sim.setAccount(b);
    res.json(200, state.flags);
  });
  c.route('GET', '/_sim/auth', (_req, res) =>
    res.json(200, {
      flags: state.flags,
      lastOtp: state.lastOtp,
      pending: [...state.factorAuths.values()].map((p) => ({
        factorType: p.factorType,
        approved: p.approved,
        used: p.used,
      })),
      trustedBrowsers: state.trustedBrowsers.size,
      logins: state.logins,
    }),
  );
  c.route('POST', '/_sim/auth/approve', (_req, res) =>
    res.json(200, { approved: sim.approvePush() }),
  );
  c.route('POST', '/_sim/auth/untrust', (_req, res) => {
    state.trustedBrowsers.clear();
    res.json(200, { ok: true });
  });
  c.route('POST', '/_sim/token/expire', (_req, res) => {
    sim.expireTokens();
    res.json(200, { ok: true });
  });
  c.route('POST', '/_sim/logout', (_req, res) => {
    sim.logoutElsewhere();
    res.json(200, { ok: true });
  });
  c.route('POST', '/_sim/stream/drop', (_req, res) => {
    sim.dropStream();
    res.json(200, { ok: true });
  });
  c.route('GET', '/_sim/stream', (_req, res) =>
    res.json(200, {
      connections: bus.connections,
      subscriptions: Object.fromEntries(
        [...state.subscriptions].map(([id, until]) => [id, Math.max(0, until - Date.now())]),
      ),
      published: bus.log.slice(-50),
    }),
  );
  // How bases answer their subscription (2.4): `{answerEveryMs}` or `{never:true}`, for one
  // base (`device`) or all; tests need not wait a minute.
  c.route('POST', '/_sim/subscriptions', (req, res) => {
    const b = req.json() as { answerEveryMs?: unknown; never?: unknown; device?: unknown };
    if (b.device !== undefined && typeof b.device !== 'string')
      throw new SimControlError(400, 'device must be a base station id');
    if (b.never !== true && !(typeof b.answerEveryMs === 'number' && b.answerEveryMs >= 0))
      throw new SimControlError(400, 'give answerEveryMs (a number of ms) or never:true');
    sim.setSubscriptionAnswers(
      b.never === true ? 'never' : { everyMs: b.answerEveryMs as number },
      b.device as string | undefined,
    );
    res.json(200, { ok: true });
  });
  c.route('POST', '/_sim/v3/mode-shape', (req, res) => {
    const b = req.json() as { shape?: unknown };
    if (b.shape !== 'properties' && b.shape !== 'unknown')
      throw new SimControlError(400, 'shape must be properties or unknown');
    state.v3ModeShape = b.shape;
    res.json(200, { ok: true });
  });
  // A battery that runs down or is put on the charger, and Wi-Fi that comes and goes: the base
  // reports the change on the event stream as a device packet (pyaarlo README: "battery level
  // changes"; docs/packets.md #3).
  c.route('PUT', '/_sim/devices/:id/power', (req, res) => {
    const d = state.devices.get(req.params.id);
    if (!d) throw new SimControlError(404, `unknown device ${req.params.id}`);
    const b = req.json() as { level?: unknown; charging?: unknown; signal?: unknown };
    const battery = state.batteryNow(d);
    if (b.level !== undefined || b.charging !== undefined) {
      if (!battery) throw new SimControlError(400, 'device has no battery');
      if (b.level !== undefined) {
        if (!Number.isInteger(b.level) || (b.level as number) < 0 || (b.level as number) > 100)
          throw new SimControlError(400, 'level must be an integer 0-100');
        battery.level = battery.exact = b.level as number;
      }
      if (b.charging !== undefined) {
        if (typeof b.charging !== 'boolean')
          throw new SimControlError(400, 'charging must be a boolean');
        battery.charging = b.charging;
      }
    }
    if (b.signal !== undefined) {
      if (!Number.isInteger(b.signal) || (b.signal as number) < 0 || (b.signal as number) > 5)
        throw new SimControlError(400, 'signal must be an integer 0-5');
      d.signal = b.signal as number;
    }
    const gateway = state.devices.get(d.seed.parentId)?.seed ?? d.seed;
    const all = state.deviceProperties(d);
    const properties: Record<string, unknown> = { signalStrength: all.signalStrength };
    for (const k of ['batteryLevel', 'chargingState', 'chargerTech']) {
      if (all[k] !== undefined) properties[k] = all[k];
    }
    const delivered = bus.fromDevice(gateway, `cameras/${d.seed.deviceId}`, {
      action: 'is',
      from: gateway.deviceId,
      resource: `cameras/${d.seed.deviceId}`,
      transId: `${gateway.deviceId}!${randomUUID()}`,
      properties,
    });
    res.json(200, { id: d.seed.deviceId, properties, delivered });
  });
  c.route('GET', '/_sim/sirens', (_req, res) => {
    res.json(
      200,
      [...state.devices.values()]
        .filter((d) => state.hasSiren(d.seed))
        .map((d) => ({ base: d.seed.deviceId, sirenState: d.sirenState })),
    );
  });
  c.route('POST', '/_sim/devices/:id/ignore-next', (req, res) => {
    sim.ignoreNextCommand(req.params.id);
    res.json(200, { ok: true });
  });
  c.route('POST', '/_sim/modes', (req, res) => {
    const b = req.json() as { mode?: unknown; target?: unknown; silent?: unknown };
    if (typeof b.mode !== 'string') throw new SimControlError(400, 'mode must be a string');
    setModeElsewhere(b.mode, {
      target: typeof b.target === 'string' ? b.target : undefined,
      silent: b.silent === true,
    });
    res.json(200, { ok: true, v3: state.v3 });
  });
  c.route('POST', '/_sim/streams/played', (req, res) => {
    const b = req.json() as { url?: unknown };
    const s = [...state.streams.values()].find(
      (x) => x.url === b.url && x.expiresAtMs > Date.now(),
    );
    if (!s)
      throw new SimControlError(404, 'no live stream with that URL (expired or never issued)');
    s.opened = true;
    hmsOk(res, { opened: true });
  });
  c.route('GET', '/_sim/streams', (_req, res) =>
    res.json(
      200,
      [...state.streams.values()].map((s) => ({
        ...s,
        live: s.opened || s.expiresAtMs > Date.now(),
      })),
    ),
  );

  registerAuthRoutes(auth, state);
  registerLibraryRoutes({ server, state, urlTtlSec: options.libraryUrlTtlSec ?? 3600 });
  registerApiRoutes({
    server,
    state,
    bus,
    eventDelayMs: options.eventDelayMs ?? 20,
    snapDelayMs: options.snapDelayMs ?? 60,
    snapshotUrlTtlSec: options.snapshotUrlTtlSec ?? 600,
    libraryUrlTtlSec: options.libraryUrlTtlSec ?? 3600,
    streamTtlMs: options.streamTtlMs ?? 30_000,
    rtspHost: '127.0.0.1',
    rtspPort: 443,
  });

  try {
    await bus.start(options.mqttPort ?? 0);
    await server.start();
    await auth.start();
  } catch (err) {
    await Promise.allSettled([bus.close(), server.close(), auth.close()]);
    throw err;
  }

  Object.assign(sim, {
    url: server.url,
    authUrl: auth.url,
    mqttUrl: bus.mqttUrl,
    server,
    auth,
    state,
    bus,
    setAccount: (flags: Partial<AccountFlags>) => {
      for (const k of ['mfa', 'multiLocation'] as const)
        if (typeof flags[k] === 'boolean') state.flags[k] = flags[k];
      if (flags.transport === 'mqtt' || flags.transport === 'sse')
        state.flags.transport = flags.transport;
    },
    lastOtp: (type: 'EMAIL' | 'SMS') => state.lastOtp[type],
    approvePush: () => {
      let n = 0;
      for (const p of state.factorAuths.values()) {
        if (p.factorType === 'PUSH' && !p.used && !p.approved) {
          p.approved = true;
          n++;
        }
      }
      return n;
    },
    expireTokens: () => {
      state.expireTokens();
      bus.endExpiredSse();
    },
    setSubscriptionAnswers: (how: SubscriptionAnswers, device?: string) => {
      if (device !== undefined && !state.gateways().some((g) => g.deviceId === device))
        throw new SimControlError(404, `${device} is not a base station`);
      state.subscriptionAnswers.set(device ?? '*', how);
      if (device === undefined)
        for (const k of [...state.subscriptionAnswers.keys()])
          if (k !== '*') state.subscriptionAnswers.delete(k);
    },
    logoutElsewhere: () => {
      bus.toUser('userSession/disconnect', { action: 'logout' });
      state.tokens.clear();
      void server.sleep(20).then(() => bus.drop());
    },
    dropStream: () => bus.drop(),
    ignoreNextCommand: (id: string) => {
      known(id).ignoreNext = true;
    },
    trigger,
    setModeElsewhere,
    setOnline: (id: string, online: boolean) => {
      known(id).online = online;
    },
    addFault: (spec: FaultSpec) => server.addFault(spec),
    requests: (filter?: RequestFilter) =>
      [...auth.requests(filter), ...server.requests(filter)].sort((a, b) =>
        a.time.localeCompare(b.time),
      ),
    clearRequests: () => {
      server.clearRequests();
      auth.clearRequests();
    },
    reset: () => server.reset(),
    close: async () => {
      await Promise.allSettled([bus.close(), server.close(), auth.close()]);
    },
  } satisfies Partial<ArloSim>);
  return sim;
}
