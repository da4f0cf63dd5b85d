import { randomBytes, randomUUID } from 'node:crypto';
import { renderSnapshot } from '../common';
import type { SimHandler, SimRequest, SimResponse, SimServer } from '../common';
import type { ArloBus } from './bus';
import type { ArloDeviceSeed } from './devices';
import { libraryListing } from './library';
import type { ArloState } from './state';

export interface ArloApiConfig {
  server: SimServer;
  state: ArloState;
  bus: ArloBus;
  /** Time a camera takes to answer a command on the event stream. */
  eventDelayMs: number;
  snapDelayMs: number;
  snapshotUrlTtlSec: number;
  /** Lifetime of the library's presigned links. */
  libraryUrlTtlSec: number;
  streamTtlMs: number;
  rtspHost: string;
  rtspPort: number;
}

export function hmsOk(res: SimResponse, data: unknown = {}): void {
  res.json(200, { success: true, data });
}

/** hmsweb errors come as HTTP 200 with success:false. */
export function hmsError(res: SimResponse, error: string, message: string, reason = ''): void {
  res.json(200, { success: false, data: { error, message, reason } });
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function body(req: SimRequest): Record<string, unknown> {
  try {
    const v = req.json();
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function allowedTopics(seed: ArloDeviceSeed, hubless: boolean): string[] {
  const xc = `d/${seed.xCloudId}/out`;
  const gateway = [
    `${xc}/modes/#`,
    `${xc}/activeAutomations/#`,
    `${xc}/subscriptions/#`,
    `${xc}/devices/#`,
  ];
  switch (seed.deviceType) {
    case 'basestation':
      return gateway;
    case 'siren':
      return [`${xc}/sirens/${seed.deviceId}/#`];
    case 'doorbell':
      return [`${xc}/doorbells/${seed.deviceId}/#`, `${xc}/cameras/${seed.deviceId}/#`];
    default:
      return [`${xc}/cameras/${seed.deviceId}/#`, ...(hubless ? gateway : [])];
  }
}

/**
 * Cloudflare in front of both Arlo hosts turns away what does not look like the web app (2.1,
 * 2.10): no browser User-Agent, no Origin/Referer of my.arlo.com. It answers 403 with a text
 * body, never the API's JSON.
 */
export function edgeRefuses(req: SimRequest, extra: readonly string[] = []): boolean {
  const ua = header(req, 'user-agent') ?? '';
  if (!/^Mozilla\/5\.0 \(/.test(ua)) return true;
  if (header(req, 'origin') !== 'https://my.arlo.com') return true;
  if (!(header(req, 'referer') ?? '').startsWith('https://my.arlo.com')) return true;
  return extra.some((name) => !header(req, name));
}

export function edgeForbidden(res: SimResponse): void {
  res.text(403, 'Unknown error has occurred', 'text/plain');
}

/** The headers the web app sends on every myapi call (2.2, [pyaarlo:backend.py _headers]). */
const MYAPI_HEADERS = ['auth-version', 'schemaversion'];

/** Registers the myapi (hmsweb) endpoints the nodes use on the API host. */
export function registerApiRoutes(cfg: ArloApiConfig): void {
  const { state, bus } = cfg;
  // Every hmsweb route sits behind the edge; the presigned S3 objects (/_s3/) do not.
  const server = {
    get url(): string {
      return cfg.server.url;
    },
    sleep: (ms: number) => cfg.server.sleep(ms),
    route: (method: string, pattern: string, handler: SimHandler) =>
      cfg.server.route(method, pattern, (req, res) => {
        if (!pattern.startsWith('/_s3/') && edgeRefuses(req, MYAPI_HEADERS))
          return edgeForbidden(res);
        return handler(req, res);
      }),
  };

  /** myapi wants the raw token; the auth host's base64 form is not accepted here. */
  const authed = (req: SimRequest, res: SimResponse): boolean => {
    if (state.session(header(req, 'authorization'))) return true;
    res.json(401, {
      success: false,
      data: {
        error: '2015',
        message: 'Your session has expired. Please log in again.',
        reason: 'Token invalid or expired',
      },
    });
    return false;
  };
  const gatewayOf = (seed: ArloDeviceSeed): ArloDeviceSeed =>
    state.devices.get(seed.parentId)?.seed ?? seed;
  /** xcloudId travels as a header on device calls; a wrong one is "no such device". */
  const checkXcloud = (req: SimRequest, res: SimResponse, gateway: ArloDeviceSeed): boolean => {
    if (header(req, 'xcloudid') === gateway.xCloudId) return true;
    hmsError(res, '2217', 'The device does not exist.', 'Invalid xcloudId received.');
    return false;
  };
  const later = (fn: () => void, ms = cfg.eventDelayMs): void => {
    void server.sleep(ms).then(fn);
  };
  /** A base told to drop its next command takes it silently: the cloud still says success. */
  const swallowed = (gatewayId: string): boolean => {
    const d = state.devices.get(gatewayId);
    if (!d?.ignoreNext) return false;
    d.ignoreNext = false;
    return true;
  };
  const cameraCall = (
    req: SimRequest,
    res: SimResponse,
  ): { cam: ArloDeviceSeed; gateway: ArloDeviceSeed; b: Record<string, unknown> } | undefined => {
    if (!authed(req, res)) return undefined;
    const b = body(req);
    const id = typeof b.resource === 'string' ? b.resource.replace(/^cameras\//, '') : '';
    const d = state.devices.get(id);
    if (!d || (d.seed.deviceType !== 'camera' && d.seed.deviceType !== 'doorbell')) {
      hmsError(res, '2217', 'The device does not exist.', 'Invalid uniqueId received.');
      return undefined;
    }
    const gateway = gatewayOf(d.seed);
    if (!checkXcloud(req, res, gateway)) return undefined;
    if (b.to !== gateway.deviceId) {
      hmsError(res, '2217', 'The device does not exist.', 'to must be the parent base station.');
      return undefined;
    }
    if (!d.online || !state.devices.get(gateway.deviceId)?.online) {
      hmsError(
        res,
        '2059',
        'Device is offline.',
        'The camera or its base station is not connected.',
      );
      return undefined;
    }
    return { cam: d.seed, gateway, b };
  };

  server.route('GET', '/hmsweb/users/session/v3', (req, res) => {
    if (!authed(req, res)) return;
    hmsOk(res, {
      userId: state.user.userId,
      accountStatus: 'registered',
      supportsMultiLocation: state.flags.multiLocation,
      mqttUrl: bus.mqttUrl,
      email: state.user.email,
    });
  });

  server.route('GET', '/hmsweb/v2/users/devices', (req, res) => {
    if (!authed(req, res)) return;
    hmsOk(
      res,
      [...state.devices.values()].map(({ seed, online }) => {
        const out: Record<string, unknown> = {
          deviceId: seed.deviceId,
          deviceName: seed.deviceName,
          deviceType: seed.deviceType,
          modelId: seed.modelId,
          parentId: seed.parentId,
          uniqueId: state.uniqueId(seed.deviceId),
          userId: state.user.userId,
          xCloudId: seed.xCloudId,
          state: 'provisioned',
          userRole: 'OWNER',
          connectivity: {
            connected: online,
            type: seed.deviceType === 'basestation' ? 'ethernet' : 'wifi',
          },
          properties: {
            modelId: seed.modelId,
            hwVersion: seed.hwVersion,
            olsonTimeZone: 'Europe/London',
          },
          mediaObjectCount: 0,
        };
        if (seed.deviceType === 'camera' || seed.deviceType === 'doorbell') {
          out.presignedLastImageUrl = `${server.url}/_s3/last/${seed.deviceId}.jpg`;
          out.presignedFullFrameSnapshotUrl = `${server.url}/_s3/last/${seed.deviceId}.jpg`;
        }
        if (state.flags.transport === 'mqtt')
          out.allowedMqttTopics = allowedTopics(seed, state.isHubless(seed));
        return out;
      }),
    );
  });

  server.route('POST', '/hmsweb/users/devices/notify/:baseId', (req, res) => {
    if (!authed(req, res)) return;
    const gw = state.devices.get(req.params.baseId);
    if (!gw || !state.gateways().includes(gw.seed)) {
      return hmsError(res, '2217', 'The device does not exist.', 'Invalid uniqueId received.');
    }
    if (!checkXcloud(req, res, gw.seed)) return;
    const b = body(req);
    const resource = typeof b.resource === 'string' ? b.resource : '';
    const transId =
      typeof b.transId === 'string' ? b.transId : `${gw.seed.deviceId}!${randomUUID()}`;
    const props = (b.properties ?? {}) as Record<string, unknown>;
    if (!gw.online)
      return hmsError(res, '2059', 'Device is offline.', 'The base station is not connected.');
    const answer = (res2: string, properties: Record<string, unknown>) =>
      later(() =>
        bus.fromDevice(gw.seed, res2, {
          action: 'is',
          from: gw.seed.deviceId,
          to: `${state.user.userId}_web`,
          resource: res2,
          transId,
          properties,
        }),
      );

    if (resource === `subscriptions/${state.user.userId}_web`) {
      // The cloud keeps the registration; it lapses unless the client renews it.
      const ids = Array.isArray(props.devices)
        ? props.devices.filter((x): x is string => typeof x === 'string')
        : [];
      for (const id of ids)
        if (state.gateways().some((g) => g.deviceId === id)) state.subscribe(id);
      hmsOk(res);
      // publishResponse:false: the base answers about once a minute, or not at all (2.4).
      if (state.answersSubscription(gw.seed.deviceId)) answer(resource, { devices: ids });
      return;
    }
    if (swallowed(gw.seed.deviceId)) return hmsOk(res);
    if (resource === 'modes') {
      // 2.5: only Arlo Baby, Go and Q take modes by notify; the rest use the automation API.
      if (!state.usesV1(gw.seed)) {
        return hmsError(
          res,
          '2210',
          'Unsupported operation.',
          'This device uses the automation API for modes.',
        );
      }
      if (b.action === 'get') {
        hmsOk(res);
        answer('modes', { active: state.v1Active.get(gw.seed.deviceId), modes: state.v1Modes() });
        return;
      }
      const active = props.active;
      if (
        b.action !== 'set' ||
        typeof active !== 'string' ||
        !state.v1Modes().some((m) => m.id === active)
      ) {
        return hmsError(res, '2215', 'Invalid mode.', 'properties.active must be a mode id.');
      }
      hmsOk(res);
      later(() => {
        state.v1Active.set(gw.seed.deviceId, active);
        answer('modes', { active });
      });
      return;
    }
    if (resource === 'devices' && b.action === 'get') {
      // pyaarlo base.py update_states: the base answers with every device's state in one
      // packet (docs/packets.md #4), whatever publishResponse says.
      hmsOk(res);
      const devices: Record<string, unknown> = {};
      for (const d of state.devices.values()) {
        if (d.seed.parentId !== gw.seed.deviceId || d.seed.deviceType === 'siren') continue;
        devices[d.seed.deviceId] = { properties: state.deviceProperties(d), states: {} };
      }
      later(() =>
        bus.fromDevice(gw.seed, 'devices', {
          action: 'is',
          from: gw.seed.deviceId,
          to: `${state.user.userId}_web`,
          resource: 'devices',
          transId,
          devices,
        }),
      );
      return;
    }
    if (resource === 'siren' && b.action === 'set') {
      // pyaarlo base.py siren_on/siren_off: {sirenState, duration, volume, pattern}.
      if (!state.hasSiren(gw.seed)) {
        return hmsError(res, '2210', 'Unsupported operation.', 'This base has no siren.');
      }
      const want = props.sirenState;
      if (want !== 'on' && want !== 'off') {
        return hmsError(res, '2215', 'Invalid value.', 'sirenState must be on or off.');
      }
      if (want === 'on') {
        const duration = props.duration;
        const volume = props.volume;
        if (!Number.isInteger(duration) || (duration as number) < 1 || (duration as number) > 300) {
          return hmsError(res, '2215', 'Invalid value.', 'duration must be 1-300 seconds.');
        }
        if (!Number.isInteger(volume) || (volume as number) < 1 || (volume as number) > 8) {
          return hmsError(res, '2215', 'Invalid value.', 'volume must be 1-8.');
        }
      }
      hmsOk(res);
      // The answer goes out on the siren device's own topic (its allowedMqttTopics).
      const siren = [...state.devices.values()].find(
        (x) => x.seed.deviceType === 'siren' && x.seed.parentId === gw.seed.deviceId,
      );
      later(() => {
        gw.sirenState = want;
        bus.fromDevice(gw.seed, siren ? `sirens/${siren.seed.deviceId}` : 'siren', {
          action: 'is',
          from: gw.seed.deviceId,
          to: `${state.user.userId}_web`,
          resource: 'siren',
          transId,
          properties: { sirenState: want },
        });
      });
      return;
    }
    if (resource.startsWith('cameras/') && state.devices.has(resource.slice(8))) {
      hmsOk(res);
      answer(resource, props);
      return;
    }
    hmsError(res, '2210', 'Unsupported operation.', `Unknown resource ${resource}.`);
  });

  server.route('GET', '/hmsweb/users/devices/automation/active', (req, res) => {
    if (!authed(req, res)) return;
    hmsOk(
      res,
      [...state.v2Active].map(([id, mode]) => ({
        gatewayId: id,
        uniqueId: state.uniqueId(id),
        activeModes: [mode],
        activeSchedules: [],
        timestamp: Date.now(),
      })),
    );
  });

  server.route('POST', '/hmsweb/users/devices/automation/active', (req, res) => {
    if (!authed(req, res)) return;
    if (state.flags.multiLocation) {
      return hmsError(
        res,
        '2400',
        'Modes of this account are set per location.',
        'Use automation/v3/activeMode.',
      );
    }
    const list = body(req).activeAutomations;
    const item = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
    const id = typeof item?.deviceId === 'string' ? item.deviceId : '';
    const modes = Array.isArray(item?.activeModes) ? item.activeModes : [];
    const mode = typeof modes[0] === 'string' ? modes[0] : '';
    const gw = state.devices.get(id);
    if (!gw || !state.v2Active.has(id))
      return hmsError(res, '2217', 'The device does not exist.', 'Invalid deviceId.');
    if (!state.v2Definitions()[state.uniqueId(id)]?.modes.some((m) => m.id === mode)) {
      return hmsError(res, '2215', 'Invalid mode.', `No mode ${mode} on this base station.`);
    }
    if (!gw.online)
      return hmsError(res, '2059', 'Device is offline.', 'The base station is not connected.');
    if (swallowed(id)) return hmsOk(res);
    hmsOk(res);
    later(() => {
      state.v2Active.set(id, mode);
      bus.fromDevice(gw.seed, 'activeAutomations', {
        resource: 'activeAutomations',
        from: id,
        [id]: { activeModes: [mode], activeSchedules: [], timestamp: Date.now() },
      });
    });
  });

  server.route('GET', '/hmsweb/users/automation/definitions', (req, res) => {
    if (!authed(req, res)) return;
    hmsOk(res, state.v2Definitions());
  });

  server.route('GET', '/hmsdevicemanagement/users/:userId/locations', (req, res) => {
    if (!authed(req, res)) return;
    if (req.params.userId !== state.user.userId) return hmsError(res, '2217', 'Unknown user.', '');
    hmsOk(
      res,
      state.flags.multiLocation
        ? [{ ...state.location, gatewayDeviceIds: state.gateways().map((g) => g.deviceId) }]
        : [],
    );
  });

  const v3Location = (req: SimRequest, res: SimResponse): boolean => {
    if (!authed(req, res)) return false;
    if (!state.flags.multiLocation || req.query.get('locationId') !== state.location.locationId) {
      hmsError(res, '2217', 'The location does not exist.', 'Invalid locationId.');
      return false;
    }
    return true;
  };

  server.route('GET', '/hmsweb/automation/v3/activeMode', (req, res) => {
    if (!v3Location(req, res)) return;
    res.json(200, { properties: { mode: state.v3.mode }, revision: state.v3.revision });
  });

  server.route('PUT', '/hmsweb/automation/v3/activeMode', (req, res) => {
    if (!v3Location(req, res)) return;
    if (
      header(req, 'x-forwarded-user') !== state.user.userId ||
      header(req, 'x-user-device-id') !== state.user.userId
    ) {
      return hmsError(
        res,
        '2401',
        'Missing user headers.',
        'x-forwarded-user and x-user-device-id are required.',
      );
    }
    const revision = Number(req.query.get('revision'));
    // Optimistic concurrency: a client that read an older revision is turned away.
    if (revision !== state.v3.revision) {
      return hmsError(
        res,
        '2409',
        'Revision mismatch.',
        `stale revision ${revision}, current is ${state.v3.revision}`,
      );
    }
    const mode = body(req).mode;
    if (typeof mode !== 'string' || !state.v3Modes().some((m) => m.mode === mode)) {
      return hmsError(res, '2215', 'Invalid mode.', 'mode must be standby, armHome or armAway.');
    }
    state.v3 = { mode, revision: state.v3.revision + 1 };
    // 2.5: the reply carrying revision N+1 is the confirmation; no stream event is promised
    // (pyaarlo location.py takes the PUT reply's revision and waits for nothing).
    res.json(200, { properties: { mode }, revision: state.v3.revision });
  });

  server.route('GET', '/hmsweb/automation/v3', (req, res) => {
    if (!v3Location(req, res)) return;
    if (state.v3ModeShape === 'unknown') {
      // A shape no public client documents: the client must still arm with the fixed modes.
      return res.json(200, { revisions: [{ revision: state.v3.revision, items: 3 }] });
    }
    // {properties:{<modeId>:{name}}} as pyaarlo location.py _parse_modes reads it.
    res.json(200, {
      properties: Object.fromEntries(state.v3Modes().map((m) => [m.mode, { name: m.name }])),
    });
  });

  server.route('POST', '/hmsweb/users/devices/fullFrameSnapshot', (req, res) => {
    const call = cameraCall(req, res);
    if (!call) return;
    const { cam, gateway, b } = call;
    if (swallowed(gateway.deviceId)) return hmsOk(res);
    hmsOk(res);
    later(() => {
      const key = randomBytes(12).toString('hex');
      const expires = cfg.snapshotUrlTtlSec;
      state.snapshots.set(key, {
        cameraId: cam.deviceId,
        image: renderSnapshot({ cameraId: cam.deviceId, width: 320, height: 180 }),
        expiresAtMs: Date.now() + expires * 1000,
      });
      const url = `${server.url}/_s3/snapshots/${key}.jpg?X-Amz-Expires=${expires}&X-Amz-Signature=${state.sign(key)}`;
      bus.fromDevice(gateway, `cameras/${cam.deviceId}`, {
        action: 'fullFrameSnapshotAvailable',
        from: gateway.deviceId,
        resource: `cameras/${cam.deviceId}`,
        transId: typeof b.transId === 'string' ? b.transId : `${gateway.deviceId}!${randomUUID()}`,
        properties: { presignedFullFrameSnapshotUrl: url },
      });
    }, cfg.snapDelayMs);
  });

  // Presigned S3 objects: no auth header, only the signature and the expiry in the URL.
  server.route('GET', '/_s3/snapshots/:file', (req, res) => {
    const key = req.params.file.replace(/\.jpg$/, '');
    const obj = state.snapshots.get(key);
    const s3Error = (code: string, message: string) =>
      res.text(
        403,
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
        'application/xml',
      );
    if (!obj || req.query.get('X-Amz-Signature') !== state.sign(key)) {
      return s3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    if (obj.expiresAtMs <= Date.now()) return s3Error('AccessDenied', 'Request has expired');
    res.buffer(200, obj.image, 'image/jpeg');
  });

  server.route('GET', '/_s3/last/:file', (req, res) => {
    res.buffer(
      200,
      renderSnapshot({ cameraId: req.params.file, width: 160, height: 90 }),
      'image/jpeg',
    );
  });

  server.route('POST', '/hmsweb/users/devices/startStream', (req, res) => {
    const call = cameraCall(req, res);
    if (!call) return;
    const { cam, gateway, b } = call;
    const props = (b.properties ?? {}) as Record<string, unknown>;
    if (props.activityState !== 'startUserStream') {
      return hmsError(
        res,
        '2210',
        'Unsupported operation.',
        'activityState must be startUserStream.',
      );
    }
    const ua = header(req, 'user-agent') ?? '';
    const token = randomBytes(16).toString('hex');
    // The stream type follows the User-Agent: Safari on a Mac or iPad gets HLS.
    const url =
      /Macintosh|iPad/.test(ua) && /Safari/.test(ua) && !/Chrome/.test(ua)
        ? `https://${cfg.rtspHost}:${cfg.rtspPort}/hls/${token}/index.m3u8`
        : `rtsp://${cfg.rtspHost}:${cfg.rtspPort}/vzmodulelive?egressToken=${token}&userAgent=iOS&cameraId=${cam.deviceId}`;
    state.streams.set(token, {
      cameraId: cam.deviceId,
      url,
      expiresAtMs: Date.now() + cfg.streamTtlMs,
      opened: false,
    });
    hmsOk(res, { url });
    later(() =>
      bus.fromDevice(gateway, `cameras/${cam.deviceId}`, {
        action: 'is',
        from: gateway.deviceId,
        resource: `cameras/${cam.deviceId}`,
        transId: typeof b.transId === 'string' ? b.transId : `${gateway.deviceId}!${randomUUID()}`,
        properties: { activityState: 'userStreamActive' },
      }),
    );
  });

  server.route('POST', '/hmsweb/users/devices/stopStream', (req, res) => {
    if (!cameraCall(req, res)) return;
    hmsOk(res);
  });

  server.route('POST', '/hmsweb/users/library', (req, res) => {
    if (!authed(req, res)) return;
    const b = body(req);
    const from = typeof b.dateFrom === 'string' ? b.dateFrom : '00000000';
    const to = typeof b.dateTo === 'string' ? b.dateTo : '99999999';
    hmsOk(
      res,
      libraryListing({ server: cfg.server, state, urlTtlSec: cfg.libraryUrlTtlSec }, from, to),
    );
  });

  server.route('GET', '/hmsweb/client/subscribe', (req, res) => {
    const token = header(req, 'authorization');
    if (!state.session(token)) {
      // hmsweb answers errors with HTTP 200 and success:false (2.10), the event stream too:
      // 2015 is "token expired"; the client logs in again and resubscribes.
      return res.json(200, {
        success: false,
        data: { error: '2015', message: 'Your session has expired. Please log in again.' },
      });
    }
    const raw = res.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    raw.write(`event: message\ndata: ${JSON.stringify({ status: 'connected' })}\n\n`);
    bus.addSse(raw, token ?? '');
  });

  server.route('PUT', '/hmsweb/logout', (req, res) => {
    const token = header(req, 'authorization');
    if (!authed(req, res)) return;
    if (token) state.tokens.delete(token);
    hmsOk(res);
  });
}
