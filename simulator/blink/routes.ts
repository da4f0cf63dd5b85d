import { randomBytes } from 'node:crypto';
import { renderSnapshot, SimControlError } from '../common';
import type { SimRequest, SimResponse, SimServer } from '../common';
import type { DeviceKind } from './seed';
import {
  blinkTime,
  type BlinkState,
  type CommandOutcome,
  type DeviceState,
  type SimCommand,
} from './state';
import { registerBlinkMedia, settleUploads } from './media';

/** Blink's answer to a bad token or a call on the wrong tier host (vendor-facts 1.1, 1.9). */
export const UNAUTHORIZED = { message: 'Unauthorized Access', code: 101 };

export class BlinkHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'message' in body ? String(body.message) : 'error');
  }
}

const SIGNIN_HTML = (csrf: string) => `<!DOCTYPE html>
<html><head><title>Blink - Sign in</title></head>
<body><form method="post" action="/oauth/v2/signin"><input name="username"><input name="password" type="password"></form>
<script id="oauth-args" type="application/json">${JSON.stringify({ 'csrf-token': csrf, app_brand: 'blink' })}</script>
</body></html>`;

function form(req: SimRequest): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}

function cookie(req: SimRequest, name: string): string | undefined {
  const raw = req.headers.cookie ?? '';
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function bearer(req: SimRequest): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const SESSION_COOKIE = 'blink_oauth_sid';

export interface BlinkRouteConfig {
  state: BlinkState;
  server: SimServer;
}

export function registerBlinkRoutes({ state, server }: BlinkRouteConfig): void {
  const acct = state.seed.accountId;

  // --- OAuth host ------------------------------------------------------------------------------

  const session = (req: SimRequest) => {
    const sid = cookie(req, SESSION_COOKIE);
    return sid ? state.sessions.get(sid) : undefined;
  };

  server.route('GET', '/oauth/v2/authorize', (req, res) => {
    const existing = session(req);
    if (existing?.stage === 'done') {
      const code = state.issueCode(existing);
      const location = `${existing.redirectUri}?code=${code}&state=${encodeURIComponent(existing.state)}`;
      res.send(302, '', { Location: location });
      return;
    }
    const q = req.query;
    const missing = [
      'client_id',
      'code_challenge',
      'code_challenge_method',
      'hardware_id',
      'redirect_uri',
      'response_type',
      'scope',
    ].filter((k) => !q.get(k));
    if (
      missing.length ||
      q.get('code_challenge_method') !== 'S256' ||
      q.get('response_type') !== 'code'
    ) {
      res.json(400, {
        error: 'invalid_request',
        error_description: `missing or bad: ${missing.join(',')}`,
      });
      return;
    }
    const s = state.newSession({
      challenge: q.get('code_challenge') ?? '',
      hardwareId: q.get('hardware_id') ?? '',
      redirectUri: q.get('redirect_uri') ?? '',
      state: q.get('state') ?? '',
    });
    res.text(200, '<!DOCTYPE html><html><body>Blink</body></html>', 'text/html; charset=utf-8', {
      'Set-Cookie': `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; Secure; SameSite=Lax`,
    });
  });

  server.route('GET', '/oauth/v2/signin', (req, res) => {
    const s = session(req);
    if (!s) {
      res.json(400, { error: 'invalid_session' });
      return;
    }
    res.text(200, SIGNIN_HTML(s.csrf), 'text/html; charset=utf-8');
  });

  server.route('POST', '/oauth/v2/signin', (req, res) => {
    const refused = state.admitLogin();
    if (refused?.lockedOut) {
      res.json(429, { message: 'access limit exceeded, try again in 60 minutes', code: 429 });
      return;
    }
    if (refused) {
      const headers: Record<string, string> = {};
      if (refused.retryAfterSec !== undefined)
        headers['Retry-After'] = String(refused.retryAfterSec);
      res.json(429, { message: 'Too Many Requests', code: 429 }, headers);
      return;
    }
    const s = session(req);
    const f = form(req);
    if (!s || f.get('csrf-token') !== s.csrf) {
      res.json(403, { error: 'invalid_csrf_token' });
      return;
    }
    state.counters.logins++;
    if (f.get('username') !== state.seed.email || f.get('password') !== state.seed.password) {
      res.json(401, { error: 'invalid_credentials', message: 'Invalid email or password' });
      return;
    }
    if (state.require2fa) {
      const status = state.require2fa;
      state.require2fa = false;
      state.sendTsvCode(s);
      if (status === 412) res.json(412, { tsv_state: 'required', tsv_methods: ['sms'] });
      else res.json(202, { tsv_state: 'required', tsv_methods: ['sms'], next_time_in_secs: 30 });
      return;
    }
    s.stage = 'done';
    res.send(303, '', { Location: '/oauth/v2/authorize' });
  });

  server.route('POST', '/oauth/v2/2fa/verify', (req, res) => {
    const s = session(req);
    const f = form(req);
    if (!s || s.stage !== 'tsv' || f.get('csrf-token') !== s.csrf) {
      res.json(400, { error: 'invalid_session' });
      return;
    }
    if (f.get('2fa_code') !== s.tsvCode) {
      s.tsvFailures++;
      if (s.tsvFailures >= 5) state.sessions.delete(s.id);
      res.json(400, { status: 'invalid-code', message: 'The code you entered is not valid' });
      return;
    }
    s.stage = 'done';
    res.json(201, { status: 'auth-completed' });
  });

  server.route('POST', '/oauth/token', (req, res) => {
    const f = form(req);
    const grantType = f.get('grant_type');
    const reply = (g: { accessToken: string; refreshToken: string }) =>
      res.json(200, {
        access_token: g.accessToken,
        refresh_token: g.refreshToken,
        token_type: 'Bearer',
        expires_in: state.timing.accessTokenTtlSec,
        scope: 'client',
      });
    if (grantType === 'authorization_code') {
      const g = state.exchangeCode(f.get('code') ?? '', f.get('code_verifier') ?? '');
      if (!g) res.json(400, { error: 'invalid_grant' });
      else reply(g);
      return;
    }
    if (grantType === 'refresh_token') {
      const g = state.rotate(f.get('refresh_token') ?? '');
      if (!g)
        res.json(401, { error: 'invalid_grant', error_description: 'refresh token is not valid' });
      else reply(g);
      return;
    }
    // The Oct 2025 password grant is gone (vendor-facts 1.2).
    res.json(400, { error: 'unsupported_grant_type' });
  });

  // --- rest-prod: the tier look-up -------------------------------------------------------------

  server.route('GET', '/api/v1/users/tier_info', (req, res) => {
    if (!state.validAccess(bearer(req))) throw new BlinkHttpError(401, UNAUTHORIZED);
    // Counted: a client repeating it on every token refresh calls more than the app does (1.1).
    state.counters.tierLookups++;
    res.json(200, { tier: state.seed.tier, account_id: acct });
  });

  // --- rest-{tier}: every REST route lives under /rest-<tier> ----------------------------------

  const api = (
    method: string,
    pattern: string,
    handler: (req: SimRequest, res: SimResponse) => void,
  ) => {
    server.route(method, `/:host${pattern}`, (req, res) => {
      if (req.params.host !== `rest-${state.seed.tier}`)
        throw new BlinkHttpError(401, UNAUTHORIZED);
      if (!state.validAccess(bearer(req))) throw new BlinkHttpError(401, UNAUTHORIZED);
      const a = req.params.acct;
      if (a !== undefined && a !== String(acct))
        throw new BlinkHttpError(403, { message: 'Forbidden', code: 403 });
      handler(req, res);
    });
  };

  const network = (id: string) => {
    const n = state.networks.get(Number(id));
    if (!n) throw new BlinkHttpError(404, { message: 'Network not found', code: 404 });
    return n;
  };
  const device = (id: string, kind: DeviceKind, net?: string): DeviceState => {
    const d = state.devices.get(Number(id));
    if (!d || d.seed.kind !== kind || (net !== undefined && String(d.seed.networkId) !== net)) {
      throw new BlinkHttpError(404, { message: 'Device not found', code: 404 });
    }
    return d;
  };

  const commandReply = (cmd: SimCommand) => ({
    id: cmd.id,
    created_at: cmd.createdAt,
    updated_at: cmd.createdAt,
    execute_time: cmd.createdAt,
    command: cmd.command,
    state: 'new',
    state_stage: 'rest',
    state_condition: 'new',
    network_id: cmd.networkId,
    camera_id: cmd.deviceId ?? null,
    commands: [
      { id: cmd.id + 1, network_id: cmd.networkId, command: 'config_lfr', state: 'running' },
    ],
  });

  /** Commands reach the sync module; one at a time per network, as the real one insists. */
  const command = (
    res: SimResponse,
    networkId: number,
    name: string,
    d: DeviceState | undefined,
    apply: () => void,
  ) => {
    const busy = state.runningCommand(networkId);
    if (busy) throw new BlinkHttpError(409, { message: 'System is busy, please wait', code: 307 });
    const cmd = state.newCommand(networkId, name, d?.seed.id, apply);
    if (d && !d.online) {
      cmd.outcome = 'fail';
      cmd.failCode = 1000;
    }
    res.json(200, commandReply(cmd));
  };

  const snap = (d: DeviceState) => () => {
    const now = Math.floor(Date.now() / 1000);
    d.thumbnailTs = Math.max(d.thumbnailTs + 1, now);
    d.snapshots++;
  };

  api('GET', '/networks', (_req, res) => {
    const nets = [...state.networks.values()];
    res.json(200, {
      summary: Object.fromEntries(
        nets.map((n) => [String(n.seed.id), { name: n.seed.name, onboarded: true }]),
      ),
      networks: nets.map((n) => ({
        id: n.seed.id,
        name: n.seed.name,
        armed: n.armed,
        arm_string: n.armed ? 'Armed' : 'Disarmed',
        account_id: acct,
        time_zone: 'Europe/London',
        busy: state.runningCommand(n.seed.id) !== undefined,
      })),
    });
  });

  api('GET', '/api/v3/accounts/:acct/homescreen', (_req, res) => {
    const devices = [...state.devices.values()];
    const nets = [...state.networks.values()];
    const common = (d: DeviceState) => ({
      id: d.seed.id,
      name: d.seed.name,
      network_id: d.seed.networkId,
      serial: d.seed.serial,
      type: d.seed.type,
      enabled: d.enabled,
      thumbnail: state.thumbnailField(d),
      updated_at: blinkTime(d.thumbnailTs * 1000),
    });
    const body = {
      account: { id: acct, email_verified: true, email_verification_required: false },
      networks: nets.map((n) => ({
        id: n.seed.id,
        name: n.seed.name,
        armed: n.armed,
        time_zone: 'Europe/London',
      })),
      sync_modules: nets
        .filter((n) => n.seed.syncModuleId !== undefined)
        .map((n) => ({
          id: n.seed.syncModuleId,
          name: `${n.seed.name} sync`,
          network_id: n.seed.id,
          serial: `SM${n.seed.syncModuleId}`,
          status: 'online',
        })),
      cameras: devices
        .filter((d) => d.seed.kind === 'camera')
        .map((d) => ({
          ...common(d),
          status: d.online ? 'done' : 'offline',
          battery: d.battery,
          signals: { ...d.signals },
        })),
      owls: devices
        .filter((d) => d.seed.kind === 'owl')
        .map((d) => ({ ...common(d), onboarded: true, status: d.online ? 'online' : 'offline' })),
      doorbells: devices
        .filter((d) => d.seed.kind === 'doorbell')
        .map((d) => ({
          ...common(d),
          onboarded: true,
          status: d.online ? 'done' : 'offline',
          battery: d.battery,
        })),
      sirens: [],
      chimes: [],
    };
    res.json(200, body, {
      'Client-Id': String(state.seed.clientId),
      'User-Id': String(state.seed.userId),
    });
  });

  api('GET', '/api/v1/camera/usage', (_req, res) => {
    res.json(200, {
      range_days: 7,
      reference: { usage: 900 },
      networks: [...state.networks.values()].map((n) => ({
        network_id: n.seed.id,
        name: n.seed.name,
        cameras: [...state.devices.values()]
          .filter((d) => d.seed.networkId === n.seed.id)
          .map((d) => ({
            id: d.seed.id,
            name: d.seed.name,
            usage: 12,
            lv_seconds: 40,
            clip_seconds: 60,
          })),
      })),
    });
  });

  api('POST', '/api/v1/accounts/:acct/networks/:net/state/:action', (req, res) => {
    const n = network(req.params.net);
    const action = req.params.action;
    if (action !== 'arm' && action !== 'disarm')
      throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    if (n.seed.syncModuleId === undefined) {
      throw new BlinkHttpError(400, { message: 'Network has no sync module', code: 400 });
    }
    command(res, n.seed.id, action, undefined, () => {
      n.armed = action === 'arm';
    });
  });

  api('POST', '/network/:net/update', (req, res) => {
    const n = network(req.params.net);
    res.json(200, {
      network: { id: n.seed.id, name: n.seed.name, armed: n.armed, sync_module_error: false },
    });
  });

  // vendor-facts 1.3: the camera's settings and signals, as the app reads them.
  api('GET', '/network/:net/camera/:cam/config', (req, res) => {
    const d = device(req.params.cam, 'camera', req.params.net);
    res.json(200, {
      camera: [
        {
          id: d.seed.id,
          name: d.seed.name,
          network_id: d.seed.networkId,
          serial: d.seed.serial,
          enabled: d.enabled,
          motion_sensitivity: d.motionSensitivity,
          video_length: 10,
          battery_state: d.battery,
        },
      ],
      signals: { ...d.signals },
    });
  });

  api('POST', '/network/:net/camera/:cam/:action', (req, res) => {
    const d = device(req.params.cam, 'camera', req.params.net);
    const action = req.params.action;
    if (action === 'update') {
      // Seed (blink-monitor-protocol "Cameras"): camera calls are sync-module commands, polled
      // for completion. motion_sensitivity is 1-9 as in the app; anything else is refused.
      let b: Record<string, unknown>;
      try {
        b = req.json() as Record<string, unknown>;
      } catch {
        throw new BlinkHttpError(400, { message: 'Invalid JSON', code: 400 });
      }
      const sens = b?.motion_sensitivity;
      if (
        sens !== undefined &&
        (!Number.isInteger(sens) || (sens as number) < 1 || (sens as number) > 9)
      ) {
        throw new BlinkHttpError(400, { message: 'Invalid motion_sensitivity', code: 400 });
      }
      return command(res, d.seed.networkId, 'config_set', d, () => {
        if (typeof sens === 'number') d.motionSensitivity = sens;
      });
    }
    if (action === 'thumbnail') return command(res, d.seed.networkId, 'thumbnail', d, snap(d));
    if (action !== 'enable' && action !== 'disable')
      throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    command(res, d.seed.networkId, action === 'enable' ? 'config_set' : 'config_set', d, () => {
      d.enabled = action === 'enable';
    });
  });

  api('POST', '/api/v1/accounts/:acct/networks/:net/owls/:id/config', (req, res) => {
    const d = device(req.params.id, 'owl', req.params.net);
    let enabled: unknown;
    try {
      enabled = (req.json() as { enabled?: unknown }).enabled;
    } catch {
      enabled = undefined;
    }
    if (typeof enabled !== 'boolean')
      throw new BlinkHttpError(400, { message: 'enabled must be a boolean', code: 400 });
    command(res, d.seed.networkId, 'config_set', d, () => {
      d.enabled = enabled;
    });
  });

  api('POST', '/api/v1/accounts/:acct/networks/:net/owls/:id/thumbnail', (req, res) => {
    const d = device(req.params.id, 'owl', req.params.net);
    command(res, d.seed.networkId, 'thumbnail', d, snap(d));
  });

  api('POST', '/api/v1/accounts/:acct/networks/:net/doorbells/:id/:action', (req, res) => {
    const d = device(req.params.id, 'doorbell', req.params.net);
    const action = req.params.action;
    if (action === 'thumbnail') return command(res, d.seed.networkId, 'thumbnail', d, snap(d));
    if (action !== 'enable' && action !== 'disable')
      throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    command(res, d.seed.networkId, 'config_set', d, () => {
      d.enabled = action === 'enable';
    });
  });

  api('GET', '/network/:net/command/:id', (req, res) => {
    const cmd = state.commands.get(Number(req.params.id));
    if (!cmd || String(cmd.networkId) !== req.params.net) {
      throw new BlinkHttpError(404, { message: 'Command not found', code: 404 });
    }
    state.poll(cmd);
    const failed = cmd.complete && cmd.outcome === 'fail';
    res.json(200, {
      complete: cmd.complete,
      status: 0,
      status_msg: failed ? 'Command failed: the camera did not respond' : 'Command succeeded',
      status_code: failed ? cmd.failCode : 908,
      commands: [
        {
          id: cmd.id,
          command: cmd.command,
          state_stage: cmd.complete ? 'dev' : 'sm',
          state_condition: cmd.complete ? 'done' : cmd.polls > 1 ? 'running' : 'new',
        },
      ],
      media_id: null,
    });
  });

  api('POST', '/network/:net/command/:id/done/', (req, res) => {
    const cmd = state.commands.get(Number(req.params.id));
    if (cmd) cmd.complete = true;
    res.json(200, { message: 'Command done', code: 902 });
  });

  const liveview = (req: SimRequest, res: SimResponse, d: DeviceState) => {
    let body: unknown;
    try {
      body = req.json();
    } catch {
      body = undefined;
    }
    if (!body || (body as { intent?: unknown }).intent !== 'liveview') {
      throw new BlinkHttpError(400, { message: 'intent is required', code: 400 });
    }
    if (!d.online) throw new BlinkHttpError(409, { message: 'Camera is offline', code: 1000 });
    const cmd = state.newCommand(d.seed.networkId, 'lv_relay', d.seed.id);
    cmd.outcome = 'never';
    const conn = randomBytes(8).toString('hex');
    const server =
      d.seed.liveview === 'immis'
        ? `immis://127.0.0.1:443/${conn}__IMDS_${d.seed.serial}?client_id=${state.seed.clientId}`
        : `rtsps://lv2-prod.immedia-semi.com:443/${conn}?client_id=${state.seed.clientId}&blinkRTSP=true`;
    res.json(200, {
      command_id: cmd.id,
      join_available: true,
      join_state: 'available',
      server,
      duration: state.timing.liveviewDurationSec,
      extended_duration: 5400,
      continue_interval: 300,
      continue_warning: 0,
      polling_interval: 15,
      new_command: true,
      media_id: null,
      liveview_token: randomBytes(12).toString('hex'),
    });
  };

  api('POST', '/api/v6/accounts/:acct/networks/:net/cameras/:cam/liveview', (req, res) => {
    liveview(req, res, device(req.params.cam, 'camera', req.params.net));
  });
  api('POST', '/api/v2/accounts/:acct/networks/:net/:kind/:id/liveview', (req, res) => {
    const kind =
      req.params.kind === 'owls' ? 'owl' : req.params.kind === 'doorbells' ? 'doorbell' : undefined;
    if (!kind) throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    liveview(req, res, device(req.params.id, kind, req.params.net));
  });

  registerBlinkMedia({ state, server, api });

  api('GET', '/api/v1/accounts/:acct/media/changed', (req, res) => {
    settleUploads(state);
    // A raw '+' in the query decodes to a space; accept both, as a forgiving server would.
    const since = Date.parse(
      (req.query.get('since') ?? '').replace(' ', '+').replace(/\+0000$/, '+00:00'),
    );
    const page = Number(req.query.get('page') ?? '1');
    if (Number.isNaN(since) || !Number.isInteger(page) || page < 1) {
      throw new BlinkHttpError(400, { message: 'since and page are required', code: 400 });
    }
    const size = state.timing.mediaPageSize;
    const all = state.mediaSince(since);
    res.json(200, {
      limit: size,
      purge_id: 2139143115,
      refresh_count: 0,
      media: all.slice((page - 1) * size, page * size),
    });
  });

  // Thumbnails: the image needs the same bearer token as the API (vendor-facts 1.5).
  const image = (res: SimResponse, d: DeviceState, ts: number) => {
    if (ts !== d.thumbnailTs) throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    const jpeg = renderSnapshot({ cameraId: `blink-${d.seed.id}`, time: new Date(ts * 1000) });
    res.buffer(200, jpeg, 'image/jpeg');
  };
  // A clip's thumbnail (media/changed `thumbnail`, a path with no extension): the client adds
  // ".jpg" and sends the same bearer token as the API (vendor-facts 1.5 (a), 1.8). A deleted or
  // unknown clip is 404.
  api('GET', '/api/v2/accounts/:acct/media/thumb/:file', (req, res) => {
    const m = /^(\d+)\.jpg$/.exec(req.params.file);
    const entry = m ? state.media.find((e) => e.id === Number(m[1])) : undefined;
    if (!entry || entry.deleted) throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    const jpeg = renderSnapshot({
      cameraId: `blink-${entry.device_id}`,
      time: new Date(Date.parse(entry.created_at)),
    });
    res.buffer(200, jpeg, 'image/jpeg');
  });
  api('GET', '/media/production/account/:acct/network/:net/camera/:cam/:file', (req, res) => {
    const d = device(req.params.cam, 'camera', req.params.net);
    const m = /_(\d+)\.jpg$/.exec(req.params.file);
    if (!m) throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
    image(res, d, Number(m[1]));
  });
  api(
    'GET',
    '/api/v3/media/accounts/:acct/networks/:net/:type/:cam/thumbnail/thumbnail.jpg',
    (req, res) => {
      const d = state.devices.get(Number(req.params.cam));
      if (!d || d.seed.type !== req.params.type || String(d.seed.networkId) !== req.params.net) {
        throw new BlinkHttpError(404, { message: 'Not found', code: 404 });
      }
      image(res, d, Number(req.query.get('ts')));
    },
  );
}

/** Control-API routes of the Blink simulator, under /_sim/blink/. */
export function registerBlinkControl({ state, server }: BlinkRouteConfig): void {
  const body = (req: SimRequest): Record<string, unknown> => {
    if (req.body.length === 0) return {};
    try {
      const v = req.json();
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new SimControlError(400, 'body must be a JSON object');
  };

  server.route('POST', '/_sim/blink/require-2fa', (req, res) => {
    const b = body(req);
    const status = b.status === 412 ? 412 : 202;
    state.require2fa = b.require === false ? false : status;
    res.json(200, { require2fa: state.require2fa });
  });
  server.route('GET', '/_sim/blink/outbox', (_req, res) => res.json(200, state.outbox));
  server.route('POST', '/_sim/blink/expire-token', (_req, res) => {
    res.json(200, { expired: state.expireAccessTokens() });
  });
  server.route('POST', '/_sim/blink/commands/next', (req, res) => {
    const b = body(req);
    const outcome = b.outcome as CommandOutcome;
    if (outcome !== 'ok' && outcome !== 'fail' && outcome !== 'never') {
      throw new SimControlError(400, 'outcome must be ok, fail or never');
    }
    const count = b.count === undefined ? 1 : Number(b.count);
    if (!Number.isInteger(count) || count < 1)
      throw new SimControlError(400, 'count must be a positive integer');
    const failCode = typeof b.statusCode === 'number' ? b.statusCode : 999;
    for (let i = 0; i < count; i++) state.nextOutcomes.push({ outcome, failCode });
    res.json(200, { queued: state.nextOutcomes.length });
  });
  server.route('GET', '/_sim/blink/commands', (_req, res) => {
    res.json(
      200,
      [...state.commands.values()].map((c) => ({
        id: c.id,
        networkId: c.networkId,
        command: c.command,
        deviceId: c.deviceId ?? null,
        outcome: c.outcome,
        complete: c.complete,
        polls: c.polls,
      })),
    );
  });
  server.route('PUT', '/_sim/blink/login-limit', (req, res) => {
    const b = body(req);
    const lim = { ...state.loginLimit };
    for (const k of ['max', 'windowMs', 'lockoutAfter', 'lockoutMs'] as const) {
      if (b[k] !== undefined) {
        if (typeof b[k] !== 'number' || (b[k] as number) < 0)
          throw new SimControlError(400, `${k} must be a number`);
        lim[k] = b[k] as number;
      }
    }
    if (b.retryAfterSec === null) lim.retryAfterSec = undefined;
    else if (typeof b.retryAfterSec === 'number') lim.retryAfterSec = b.retryAfterSec;
    state.loginLimit = lim;
    state.lockedUntil = 0;
    res.json(200, lim);
  });
  server.route('GET', '/_sim/blink/media', (_req, res) => res.json(200, state.media));
  // A battery that runs down (or is replaced), Wi-Fi and temperature, as the homescreen shows them.
  server.route('PUT', '/_sim/blink/devices/:id/signals', (req, res) => {
    const d = state.devices.get(Number(req.params.id));
    if (!d) throw new SimControlError(404, `unknown device ${req.params.id}`);
    const b = body(req);
    if (b.battery !== undefined) {
      if (b.battery !== 'ok' && b.battery !== 'low')
        throw new SimControlError(400, 'battery must be ok or low');
      d.battery = b.battery;
      d.signals.battery = b.battery === 'low' ? 1 : 3;
    }
    for (const k of ['wifi', 'lfr', 'temp'] as const) {
      if (b[k] !== undefined) {
        if (typeof b[k] !== 'number') throw new SimControlError(400, `${k} must be a number`);
        d.signals[k] = b[k] as number;
      }
    }
    res.json(200, { id: d.seed.id, battery: d.battery, signals: d.signals });
  });
}
