import { renderSnapshot, SimControlError, nginxErrorPage, HTML_CONTENT_TYPE } from '../common';
import type { SimRequest, SimResponse, SimServer } from '../common';
import { deliver, checkTrigger, pushConnection, pushStateEvent, triggerEvent } from './events';
import type { TriggerOptions } from './events';
import { CAMERA_SCOPES, NETATMO_USER, PRODUCT_NAMES, WRITE_SCOPE, type Scope } from './seed';
import {
  NetatmoApiError,
  OAuthError,
  apiErrors,
  type ModuleState,
  type NetatmoState,
  type SimEvent,
  type TokenRecord,
  WEBHOOK_BAN_MS,
} from './state';
import { settleVideos, videoOf, vodOf, vodPlaylist } from './vod';

export interface NetatmoRouteConfig {
  state: NetatmoState;
  server: SimServer;
  snapshotSize: readonly [number, number];
}

const READ_SCOPES: readonly Scope[] = ['read_camera', 'read_presence', 'read_doorbell'];
const QUALITIES = ['high', 'medium', 'low'] as const;
const SEGMENT_SEC = 2;

/** Query string, form body and JSON body as one parameter bag; repeated keys become arrays. */
function params(req: SimRequest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => {
    const key = k.endsWith('[]') ? k.slice(0, -2) : k;
    out.set(key, [...(out.get(key) ?? []), v]);
  };
  for (const [k, v] of req.query) add(k, v);
  const type = String(req.headers['content-type'] ?? '');
  if (req.body.length > 0 && type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) add(k, v);
  }
  return out;
}

const one = (p: Map<string, string[]>, k: string): string | undefined => p.get(k)?.[0];

function bearer(req: SimRequest, p: Map<string, string[]>): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  // The seed's access_token parameter is the legacy form; it still works.
  return m?.[1] ?? one(p, 'access_token');
}

function requireScope(token: TokenRecord, any: readonly Scope[]): void {
  if (!any.some((s) => token.scopes.includes(s))) throw apiErrors.scope();
}

const okBody = (body?: unknown) => ({
  status: 'ok',
  time_exec: 0.012,
  time_server: Math.floor(Date.now() / 1000),
  ...(body === undefined ? {} : { body }),
});

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function isHttpUrl(v: string | undefined): v is string {
  if (!v) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function oauthPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1.1em;margin-right:1em}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>
`;
}

/** Registers the OAuth endpoints, the /api methods, the camera hosts and the control extras. */
export function registerNetatmoRoutes(cfg: NetatmoRouteConfig): void {
  registerOAuth(cfg);
  registerApi(cfg);
  registerCameras(cfg);
  registerControl(cfg);
}

function registerOAuth({ state, server }: NetatmoRouteConfig): void {
  const app = state.config.app;

  const checkAuthorizeParams = (p: URLSearchParams): { scopes: Scope[] } => {
    if (p.get('client_id') !== app.clientId) throw new SimControlError(400, 'Unknown client_id.');
    const redirect = p.get('redirect_uri') ?? undefined;
    if (!isHttpUrl(redirect))
      throw new SimControlError(400, 'redirect_uri must be an http(s) URL.');
    if (app.redirectUris.length && !app.redirectUris.includes(redirect)) {
      throw new SimControlError(400, "redirect_uri is not one of the app's redirect URIs.");
    }
    if (!p.get('state')) throw new SimControlError(400, 'state is required.');
    const requested = (p.get('scope') ?? 'read_camera').split(/[ +]/).filter(Boolean);
    const scopes = requested.filter(
      (s): s is Scope =>
        (CAMERA_SCOPES as readonly string[]).includes(s) && app.scopes.includes(s as Scope),
    );
    return { scopes };
  };

  const page = (res: SimResponse, status: number, title: string, html: string) =>
    res.text(status, oauthPage(title, html), 'text/html; charset=utf-8');

  server.route('GET', '/oauth2/authorize', (req, res) => {
    let scopes: Scope[];
    try {
      ({ scopes } = checkAuthorizeParams(req.query));
    } catch (err) {
      page(res, 400, 'Authorization error', `<p>${escapeHtml((err as Error).message)}</p>`);
      return;
    }
    const hidden = ['client_id', 'redirect_uri', 'scope', 'state']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(req.query.get(k) ?? '')}">`)
      .join('\n');
    page(
      res,
      200,
      'Netatmo Connect (simulated)',
      `<p>Signed in as <b>${escapeHtml(NETATMO_USER.email)}</b>.</p>
<p>The application <b>${escapeHtml(app.name)}</b> asks to:</p>
<ul>${scopes.map((s) => `<li><code>${s}</code></li>`).join('')}</ul>
<form id="authorize" method="post" action="/oauth2/authorize">
${hidden}
<button type="submit" id="accept" name="decision" value="accept">Accept</button>
<button type="submit" id="refuse" name="decision" value="refuse">Refuse</button>
</form>`,
    );
  });

  server.route('POST', '/oauth2/authorize', (req, res) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    let scopes: Scope[];
    try {
      ({ scopes } = checkAuthorizeParams(form));
    } catch (err) {
      page(res, 400, 'Authorization error', `<p>${escapeHtml((err as Error).message)}</p>`);
      return;
    }
    const target = new URL(form.get('redirect_uri') as string);
    target.searchParams.set('state', form.get('state') as string);
    if (form.get('decision') === 'accept') {
      target.searchParams.set(
        'code',
        state.issueCode(app.clientId, form.get('redirect_uri') as string, scopes),
      );
    } else {
      target.searchParams.set('error', 'access_denied');
    }
    res.send(302, '', { Location: target.toString() });
  });

  server.route('POST', '/oauth2/token', (req, res) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    try {
      state.checkClient(form.get('client_id'), form.get('client_secret'));
      let record: TokenRecord;
      switch (form.get('grant_type')) {
        case 'authorization_code':
          record = state.exchangeCode(form.get('code'), form.get('redirect_uri'));
          break;
        case 'refresh_token':
          record = state.refresh(form.get('refresh_token'));
          break;
        case 'password':
          // Switched off in July 2023.
          throw new OAuthError(400, 'unsupported_grant_type');
        default:
          throw new OAuthError(400, 'unsupported_grant_type');
      }
      const ttl = Math.round((record.accessExpiresAt - Date.now()) / 1000);
      res.json(200, {
        access_token: record.accessToken,
        refresh_token: record.refreshToken,
        scope: record.scopes,
        expires_in: ttl,
        expire_in: ttl,
      });
    } catch (err) {
      if (err instanceof OAuthError) res.json(err.status, { error: err.error });
      else throw err;
    }
  });
}

function moduleStatus(state: NetatmoState, m: ModuleState): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: m.seed.id,
    type: m.seed.type,
    firmware_revision: 271,
    vpn_url: state.vpnUrl(m),
    is_local: m.seed.isLocal,
  };
  if (m.seed.type !== 'NDB') {
    Object.assign(entry, {
      monitoring: m.monitoring,
      sd_status: m.sdStatus,
      alim_status: m.alimStatus,
      locked: false,
    });
  }
  if (m.seed.type === 'NOC') entry.floodlight = m.floodlight;
  if (m.seed.type === 'NDB') Object.assign(entry, { wifi_strength: 62, quick_display_zone: 62 });
  return entry;
}

function eventWire(e: SimEvent): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...e };
  delete wire.homeId;
  return wire;
}

function registerApi({ state, server }: NetatmoRouteConfig): void {
  type Handler = (
    token: TokenRecord,
    p: Map<string, string[]>,
    req: SimRequest,
    res: SimResponse,
  ) => void | Promise<void>;
  const methods: Record<string, Handler> = {
    homesdata: (token, p, _req, res) => {
      requireScope(token, READ_SCOPES);
      const only = one(p, 'home_id');
      const homes = state.homes
        .filter((h) => !only || h.id === only)
        .map((h) => ({
          id: h.id,
          name: h.name,
          altitude: 35,
          coordinates: [2.35, 48.85],
          country: 'FR',
          timezone: 'Europe/Paris',
          rooms: h.rooms.map((r) => ({
            ...r,
            type: 'custom',
            module_ids: state
              .modulesOf(h.id)
              .filter((m) => m.seed.roomId === r.id)
              .map((m) => m.seed.id),
          })),
          modules: state.modulesOf(h.id).map((m) => ({
            id: m.seed.id,
            type: m.seed.type,
            name: m.seed.name,
            setup_date: 1_600_000_000,
            room_id: m.seed.roomId,
          })),
          persons: state.persons
            .filter((x) => x.homeId === h.id)
            .map((x) => ({
              id: x.id,
              ...(x.pseudo ? { pseudo: x.pseudo } : {}),
              url: 'https://netatmocameraimage.blob.core.windows.net/face',
            })),
        }));
      res.json(
        200,
        okBody({
          homes,
          user: { id: NETATMO_USER.id, email: NETATMO_USER.email, language: 'en-US' },
        }),
      );
    },

    homestatus: (token, p, _req, res) => {
      requireScope(token, READ_SCOPES);
      const id = one(p, 'home_id');
      if (!id) throw apiErrors.missingArgs('home_id');
      const home = state.home(id);
      const mods = state.modulesOf(home.id);
      // A camera that is away is not an HTTP error: it is listed in errors[] with code 6.
      const errors = mods.filter((m) => !m.connected).map((m) => ({ code: 6, id: m.seed.id }));
      res.json(
        200,
        okBody({
          home: {
            id: home.id,
            modules: mods.filter((m) => m.connected).map((m) => moduleStatus(state, m)),
            persons: state.persons
              .filter((x) => x.homeId === home.id)
              .map((x) => ({
                id: x.id,
                last_seen: Math.floor(Date.now() / 1000) - 3600,
                out_of_sight: state.personsAway.has(x.id),
              })),
          },
          ...(errors.length ? { errors } : {}),
        }),
      );
    },

    setstate: (token, _p, req, res) => {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        throw apiErrors.badJson();
      }
      const home = (body as { home?: { id?: unknown; modules?: unknown } } | null)?.home;
      if (!home || typeof home.id !== 'string') throw apiErrors.missingArgs('home.id');
      const h = state.home(home.id);
      if (!Array.isArray(home.modules) || home.modules.length === 0) {
        throw apiErrors.missingArgs('home.modules');
      }
      const changes: {
        m: ModuleState;
        monitoring?: 'on' | 'off';
        floodlight?: 'on' | 'off' | 'auto';
      }[] = [];
      for (const raw of home.modules as unknown[]) {
        const entry = (raw ?? {}) as Record<string, unknown>;
        const m = typeof entry.id === 'string' ? state.modules.get(entry.id) : undefined;
        if (!m || m.seed.homeId !== h.id) {
          throw apiErrors.invalidArg(
            `Invalid device_id, ${String(entry.id)} is not in home ${h.id}`,
          );
        }
        const change: (typeof changes)[number] = { m };
        if (entry.monitoring !== undefined) {
          if (m.seed.type === 'NDB') {
            throw apiErrors.invalidArg(`cannot set property monitoring for module ${m.seed.id}`);
          }
          if (entry.monitoring !== 'on' && entry.monitoring !== 'off') {
            throw apiErrors.invalidArg('monitoring must be "on" or "off"');
          }
          change.monitoring = entry.monitoring;
        }
        if (entry.floodlight !== undefined) {
          if (m.seed.type !== 'NOC') {
            throw apiErrors.invalidArg(`cannot set property floodlight for module ${m.seed.id}`);
          }
          if (!['on', 'off', 'auto'].includes(String(entry.floodlight))) {
            throw apiErrors.invalidArg('floodlight must be "on", "off" or "auto"');
          }
          change.floodlight = entry.floodlight as 'on' | 'off' | 'auto';
        }
        const scope = WRITE_SCOPE[m.seed.type];
        if (scope) requireScope(token, [scope]);
        changes.push(change);
      }
      // Each module is commanded on its own; a failure of one is reported inside status "ok".
      const errors: Record<string, unknown>[] = [];
      for (const { m, monitoring, floodlight } of changes) {
        if (!m.connected) {
          errors.push({
            code: 6,
            message: 'Device is unreachable',
            id: m.seed.id,
            command: 'command/changestatus',
          });
          continue;
        }
        if (monitoring !== undefined) {
          if (m.monitoring === monitoring) {
            errors.push({
              code: 23,
              message: `Already ${monitoring}`,
              id: m.seed.id,
              command: 'command/changestatus',
            });
          }
          m.monitoring = monitoring;
        }
        if (floodlight !== undefined) m.floodlight = floodlight;
      }
      res.json(200, okBody(errors.length ? { home: { id: h.id }, errors } : undefined));
    },

    setpersonsaway: (token, p, _req, res) => {
      requireScope(token, ['write_camera']);
      const homeId = one(p, 'home_id');
      if (!homeId) throw apiErrors.missingArgs('home_id');
      const home = state.home(homeId);
      const person = one(p, 'person_id');
      const persons = state.persons.filter((x) => x.homeId === home.id);
      if (person && !persons.some((x) => x.id === person))
        throw apiErrors.invalidArg('Invalid person_id');
      for (const x of persons) if (!person || x.id === person) state.personsAway.add(x.id);
      res.json(200, okBody());
    },

    setpersonshome: (token, p, _req, res) => {
      requireScope(token, ['write_camera']);
      const homeId = one(p, 'home_id');
      const ids = p.get('person_ids') ?? [];
      if (!homeId || ids.length === 0) throw apiErrors.missingArgs('home_id, person_ids');
      const home = state.home(homeId);
      for (const id of ids) {
        if (!state.persons.some((x) => x.id === id && x.homeId === home.id)) {
          throw apiErrors.invalidArg('Invalid person_ids');
        }
      }
      for (const id of ids) state.personsAway.delete(id);
      res.json(200, okBody());
    },

    getevents: (token, p, _req, res) => {
      requireScope(token, READ_SCOPES);
      const homeId = one(p, 'home_id');
      if (!homeId) throw apiErrors.missingArgs('home_id');
      const home = state.home(homeId);
      const size = Number(one(p, 'size') ?? 30);
      if (!Number.isInteger(size) || size < 1 || size > 300)
        throw apiErrors.invalidArg('Invalid size');
      settleVideos(state);
      let list = state.eventsOf(home.id, one(p, 'device_id'));
      const cursor = one(p, 'event_id');
      if (cursor) {
        // event_id pages backwards: the events older than that one.
        const at = list.findIndex((e) => e.id === cursor);
        if (at < 0) throw apiErrors.invalidArg('Invalid event_id');
        list = list.slice(at + 1);
      }
      res.json(200, okBody({ home: { id: home.id, events: list.slice(0, size).map(eventWire) } }));
    },

    getcamerapicture: (token, p, _req, res) => {
      requireScope(token, READ_SCOPES);
      const id = one(p, 'image_id');
      const key = one(p, 'key');
      if (!id || !key) throw apiErrors.missingArgs('image_id, key');
      if (state.pictures.get(id) !== key) throw apiErrors.invalidArg('Invalid image_id or key');
      res.buffer(200, renderSnapshot({ cameraId: id, width: 320, height: 180 }), 'image/jpeg');
    },

    addwebhook: (token, p, _req, res) => {
      requireScope(token, READ_SCOPES);
      const url = one(p, 'url');
      if (!url) throw apiErrors.missingArgs('url');
      if (!isHttpUrl(url)) throw apiErrors.invalidArg('Invalid url');
      if (state.webhookBanned(token.clientId)) {
        // [I] A banned app's addwebhook is accepted and does nothing until the ban lapses or
        // is lifted by hand on dev.netatmo.com: no activation call, no pushes (section 3.8).
        res.json(200, okBody());
        return;
      }
      state.webhooks.set(token.clientId, url);
      res.json(200, okBody());
      // Netatmo confirms a registration by calling the URL once.
      void deliver(
        state,
        null,
        {
          user_id: NETATMO_USER.id,
          user: { id: NETATMO_USER.id, email: NETATMO_USER.email },
          push_type: 'webhook_activation',
        },
        url,
      );
    },

    dropwebhook: (token, _p, _req, res) => {
      requireScope(token, READ_SCOPES);
      state.webhooks.delete(token.clientId);
      res.json(200, okBody());
    },
  };

  const handle = async (req: SimRequest, res: SimResponse) => {
    const method = methods[req.params.method];
    if (!method) throw apiErrors.noMethod();
    const p = params(req);
    const token = state.authenticate(bearer(req, p));
    state.takeQuota();
    await method(token, p, req, res);
  };
  server.route('GET', '/api/:method', handle);
  server.route('POST', '/api/:method', handle);
}

/** A live HLS playlist: three 2 s segments with a sequence number that moves with the clock. */
function playlist(quality: string): string {
  const seq = Math.floor(Date.now() / 1000 / SEGMENT_SEC);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${SEGMENT_SEC}`,
    `#EXT-X-MEDIA-SEQUENCE:${seq}`,
  ];
  for (let i = 0; i < 3; i++)
    lines.push(`#EXTINF:${SEGMENT_SEC}.000,`, `segment_${quality}_${seq + i}.ts`);
  return lines.join('\n') + '\n';
}

/** MPEG-TS null packets: a valid transport stream with nothing to show, enough for a probe. */
function segment(): Buffer {
  const packets = 16;
  const out = Buffer.alloc(188 * packets, 0xff);
  for (let i = 0; i < packets; i++) {
    out[i * 188] = 0x47;
    out[i * 188 + 1] = 0x1f;
    out[i * 188 + 2] = 0xff;
    out[i * 188 + 3] = 0x10;
  }
  return out;
}

function registerCameras({ state, server, snapshotSize }: NetatmoRouteConfig): void {
  // The public image store behind snapshot_url: no token, the unguessable name is the key.
  server.route('GET', '/netatmocameraimage/production/:file', (req, res) => {
    const m = /^([0-9a-f]{24})([0-9a-f]+)\.jpg$/.exec(req.params.file);
    if (!m || state.pictures.get(m[1]) !== m[2]) {
      return res.text(
        404,
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>',
        'application/xml',
      );
    }
    res.buffer(200, renderSnapshot({ cameraId: m[1], width: 320, height: 180 }), 'image/jpeg');
  });

  const notFound = (res: SimResponse) => res.text(404, nginxErrorPage(404), HTML_CONTENT_TYPE);
  type CamHandler = (
    m: ModuleState,
    req: SimRequest,
    res: SimResponse,
    via: 'vpn' | 'local',
  ) => void;

  const serve = (rest: string, handler: CamHandler, methods: string[] = ['GET']) => {
    for (const method of methods) {
      // vpn_url: https://prodvpn-eu-2.netatmo.net/restricted/<ip>/<hash>/<token>,,
      server.route(method, `/restricted/:ip/:hash/:token${rest}`, (req, res) => {
        const m = state.byVpn(req.params.ip, req.params.hash, req.params.token);
        // A stale vpn_url (from before a reconnect) answers like a dead proxy path.
        if (!m) return notFound(res);
        handler(m, req, res, 'vpn');
      });
      // local_url: http://192.168.x.x/<hash>, simulated as a path on this server.
      server.route(method, `/local/:hash${rest}`, (req, res) => {
        const m = state.byLocal(req.params.hash);
        // Off the LAN the address does not answer at all.
        if (!m || !m.connected || !m.seed.isLocal || !m.lanReachable) return res.destroy();
        handler(m, req, res, 'local');
      });
    }
  };

  serve(
    '/command/ping',
    (m, _req, res) => {
      res.json(200, { local_url: state.localUrl(m), product_name: PRODUCT_NAMES[m.seed.type] });
    },
    ['GET', 'POST'],
  );

  serve('/live/snapshot_720.jpg', (m, _req, res, via) => {
    m.snapshots++;
    m.snapshotVia.push(via);
    const [width, height] = snapshotSize;
    res.buffer(200, renderSnapshot({ cameraId: m.seed.id, width, height }), 'image/jpeg');
  });

  serve('/live/files/:quality/index.m3u8', (m, req, res) => {
    const q = req.params.quality;
    if (!(QUALITIES as readonly string[]).includes(q) || m.seed.type === 'NDB')
      return notFound(res);
    res.text(200, playlist(q), 'application/vnd.apple.mpegurl');
  });

  serve('/live/files/:quality/:segment', (_m, req, res) => {
    if (!/^segment_(high|medium|low)_\d+\.ts$/.test(req.params.segment)) return notFound(res);
    res.buffer(200, segment(), 'video/mp2t');
  });

  // Event videos (vod.ts): a deleted or unknown video is the camera's 404; one still
  // recording is a live playlist without its end.
  serve('/vod/:video/files/:quality/index.m3u8', (m, req, res) => {
    const e = videoOf(state, m, req.params.video);
    const q = req.params.quality;
    if (!e || e.video_status === 'deleted' || !(QUALITIES as readonly string[]).includes(q))
      return notFound(res);
    res.text(
      200,
      vodPlaylist(q, 10, e.video_status === 'recording'),
      'application/vnd.apple.mpegurl',
    );
  });

  serve('/vod/:video/files/:quality/:segment', (m, req, res) => {
    const e = videoOf(state, m, req.params.video);
    if (!e || e.video_status === 'deleted') return notFound(res);
    if (!/^segment_(high|medium|low)_\d+\.ts$/.test(req.params.segment)) return notFound(res);
    res.buffer(200, segment(), 'video/mp2t');
  });
}

function controlBody(req: SimRequest): Record<string, unknown> {
  let v: unknown;
  try {
    v = req.body.length ? req.json() : {};
  } catch {
    throw new SimControlError(400, 'body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new SimControlError(400, 'body must be a JSON object');
  }
  return v as Record<string, unknown>;
}

function registerControl({ state, server }: NetatmoRouteConfig): void {
  const camera = (id: string): ModuleState => {
    const m = state.modules.get(id);
    if (!m) throw new SimControlError(404, `unknown camera ${id}`);
    return m;
  };

  for (const kind of ['disconnect', 'reconnect'] as const) {
    server.route('POST', `/_sim/cameras/:id/${kind}`, async (req, res) => {
      const m = camera(req.params.id);
      const changed = kind === 'disconnect' ? m.connected : !m.connected;
      if (kind === 'disconnect') state.disconnect(m.seed.id);
      else state.reconnect(m.seed.id);
      const deliveries = changed
        ? await pushConnection(
            state,
            server.callbackUrl,
            m,
            kind === 'disconnect' ? 'disconnection' : 'connection',
          )
        : [];
      res.json(200, {
        id: m.seed.id,
        connected: m.connected,
        vpnUrl: m.connected ? state.vpnUrl(m) : null,
        deliveries,
      });
    });
  }

  // An SD card that goes missing, fails or fills up, and a power supply that goes wrong: the
  // camera reports them as sd/alim events (vendor-facts 3.8) and in homestatus (3.3).
  for (const [kind, min, max] of [
    ['sd', 1, 7],
    ['alim', 1, 2],
  ] as const) {
    server.route('POST', `/_sim/cameras/:id/${kind}`, async (req, res) => {
      const m = camera(req.params.id);
      if (m.seed.type === 'NDB') throw new SimControlError(400, 'the doorbell reports no sd/alim');
      const { status } = controlBody(req);
      if (!Number.isInteger(status) || (status as number) < min || (status as number) > max) {
        throw new SimControlError(400, `status must be an integer ${min}-${max}`);
      }
      if (kind === 'sd') m.sdStatus = status as number;
      else m.alimStatus = status as number;
      const deliveries = await pushStateEvent(state, server.callbackUrl, m, kind, status as number);
      res.json(200, { id: m.seed.id, [`${kind}_status`]: status, deliveries });
    });
  }

  // Persons coming and going, as the cameras see them (homestatus out_of_sight).
  for (const where of ['home', 'away'] as const) {
    server.route('POST', `/_sim/persons/:id/${where}`, (req, res) => {
      const person = state.persons.find((x) => x.id === req.params.id);
      if (!person) throw new SimControlError(404, `unknown person ${req.params.id}`);
      if (where === 'away') state.personsAway.add(person.id);
      else state.personsAway.delete(person.id);
      res.json(200, { id: person.id, home: where === 'home' });
    });
  }

  server.route('POST', '/_sim/cameras/:id/lan', (req, res) => {
    const m = camera(req.params.id);
    const { reachable } = controlBody(req);
    if (typeof reachable !== 'boolean')
      throw new SimControlError(400, 'reachable must be a boolean');
    m.lanReachable = reachable;
    res.json(200, { id: m.seed.id, lanReachable: reachable });
  });

  // Shorthands for the shared POST /_sim/events.
  const shorthand: [string, (b: Record<string, unknown>) => TriggerOptions][] = [
    [
      'person',
      (b) => ({
        type: 'person',
        known: b.known !== false,
        person: typeof b.person === 'string' ? b.person : undefined,
      }),
    ],
    ['movement', () => ({ type: 'movement' })],
    ['outdoor', (b) => ({ type: typeof b.type === 'string' ? b.type : 'human' })],
    ['ring', () => ({ type: 'doorbell' })],
  ];
  for (const [name, options] of shorthand) {
    server.route('POST', `/_sim/cameras/:id/${name}`, async (req, res) => {
      const m = camera(req.params.id);
      const o = options(controlBody(req));
      const problem = checkTrigger(m, o);
      if (problem) throw new SimControlError(400, problem);
      res.json(200, await triggerEvent(state, server.callbackUrl, m, o));
    });
  }

  // Event videos: how long new ones stay "recording", one video's status, a camera's SD card.
  server.route('POST', '/_sim/videos', (req, res) => {
    const { recordingMs } = controlBody(req);
    if (typeof recordingMs !== 'number' || recordingMs < 0)
      throw new SimControlError(400, 'recordingMs must be a number >= 0');
    vodOf(state).recordingMs = recordingMs;
    res.json(200, { recordingMs });
  });
  server.route('POST', '/_sim/videos/:id', (req, res) => {
    const { status } = controlBody(req);
    if (status !== 'available' && status !== 'deleted' && status !== 'recording')
      throw new SimControlError(400, 'status must be available, deleted or recording');
    const e = state.events.find((x) => x.video_id === req.params.id);
    if (!e) throw new SimControlError(404, 'no event has that video_id');
    e.video_status = status;
    const v = vodOf(state);
    if (status === 'recording') v.until.set(req.params.id, Number.MAX_SAFE_INTEGER);
    else v.until.delete(req.params.id);
    res.json(200, { video_id: e.video_id, video_status: e.video_status });
  });

  server.route('POST', '/_sim/tokens/expire', (_req, res) => {
    res.json(200, { expired: state.expireAccessTokens() });
  });
  server.route('GET', '/_sim/tokens', (_req, res) => {
    res.json(200, state.tokens);
  });
  server.route('GET', '/_sim/webhooks', (_req, res) => {
    res.json(200, Object.fromEntries(state.webhooks));
  });
  // A registration Netatmo dropped without a word (an app deactivated and re-enabled, a
  // user who removed the app's access): pushes stop, the client is not told (section 3.8).
  server.route('POST', '/_sim/webhooks/deactivate', (_req, res) => {
    const dropped = [...state.webhooks.keys()];
    state.webhooks.clear();
    res.json(200, { dropped });
  });
  // The ban five failed pushes earn, set by hand; DELETE lifts it ("unban" on dev.netatmo.com).
  server.route('POST', '/_sim/webhooks/ban', (req, res) => {
    const { ms } = controlBody(req);
    const banFor = typeof ms === 'number' && ms > 0 ? ms : WEBHOOK_BAN_MS;
    state.banWebhook(state.config.app.clientId, banFor);
    res.json(200, { bannedUntil: new Date(Date.now() + banFor).toISOString() });
  });
  server.route('DELETE', '/_sim/webhooks/ban', (_req, res) => {
    state.webhookBans.clear();
    res.json(200, { banned: false });
  });
  server.route('GET', '/_sim/deliveries', (_req, res) => {
    res.json(200, state.deliveries);
  });
  server.route('DELETE', '/_sim/deliveries', (_req, res) => {
    state.deliveries = [];
    res.json(200, { cleared: true });
  });
  server.route('PUT', '/_sim/quota', (req, res) => {
    const { limits } = controlBody(req);
    if (
      !Array.isArray(limits) ||
      !limits.every(
        (l: unknown) =>
          !!l &&
          typeof l === 'object' &&
          Number.isInteger((l as { limit?: unknown }).limit) &&
          Number.isInteger((l as { windowMs?: unknown }).windowMs),
      )
    ) {
      throw new SimControlError(400, 'limits must be [{limit, windowMs}] with whole numbers');
    }
    state.quota = limits as { limit: number; windowMs: number }[];
    res.json(200, { limits });
  });
}

/** The error envelope every /api method uses. */
export function apiErrorReply(err: NetatmoApiError): { status: number; body: unknown } {
  return { status: err.status, body: { error: { code: err.code, message: err.message } } };
}
