import { randomBytes } from 'node:crypto';
import type { SimHandler, SimRequest, SimResponse, SimServer } from '../common';
import { edgeForbidden, edgeRefuses } from './api-routes';
import { FACTORS } from './state';
import type { ArloState, TokenInfo } from './state';

/** ocapi's envelope: `{meta:{code:200}, data}` or `{meta:{code, error, message}}`. */
function ok(res: SimResponse, data: unknown): void {
  res.json(200, { meta: { code: 200 }, data });
}

export function ocapiError(res: SimResponse, status: number, error: number, message: string): void {
  res.json(status, { meta: { code: status, error, message } });
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

/** The auth host wants `Authorization: <base64 of the token>`; a raw token is refused. */
function tokenFrom(
  state: ArloState,
  req: SimRequest,
): { token: string; info: TokenInfo } | undefined {
  const raw = header(req, 'authorization');
  if (!raw) return undefined;
  const token = Buffer.from(raw.trim(), 'base64').toString('utf8');
  const info = state.tokens.get(token);
  if (
    !info ||
    info.expiresAtMs <= Date.now() ||
    Buffer.from(token).toString('base64') !== raw.trim()
  )
    return undefined;
  return { token, info };
}

function tokenData(token: string, info: TokenInfo, extra: Record<string, unknown> = {}) {
  return {
    token,
    userId: info.userId,
    authenticated: info.issued,
    issued: info.issued,
    expiresIn: Math.max(0, Math.round((info.expiresAtMs - Date.now()) / 1000)),
    authCompleted: info.complete,
    accountStatus: 'registered',
    ...extra,
  };
}

/** The headers the web app sends to ocapi (2.2, [pyaarlo:backend.py _auth_headers]). */
const OCAPI_HEADERS = [
  'x-user-device-id',
  'x-user-device-type',
  'x-user-device-automation-name',
  'x-service-version',
];

/** Registers ocapi-app's login and 2FA endpoints on the auth host. */
export function registerAuthRoutes(sim: SimServer, state: ArloState): void {
  // Cloudflare turns away what does not look like the web app, with a 403 text (2.1, 2.10).
  const server = {
    route: (method: string, pattern: string, handler: SimHandler) =>
      sim.route(method, pattern, (req, res) => {
        if (edgeRefuses(req, method === 'OPTIONS' ? [] : OCAPI_HEADERS)) return edgeForbidden(res);
        return handler(req, res);
      }),
  };
  const browser = (req: SimRequest): string | undefined => header(req, 'x-user-device-id');

  server.route('OPTIONS', '/api/auth', (_req, res) => res.send(204, ''));

  server.route('POST', '/api/auth', (req, res) => {
    const b = body(req);
    const id = browser(req);
    if (!id) return ocapiError(res, 400, 9001, 'Missing X-User-Device-Id.');
    const password =
      typeof b.password === 'string' ? Buffer.from(b.password, 'base64').toString('utf8') : '';
    // The password travels base64-encoded; a plain one decodes to garbage and fails here.
    if (
      typeof b.email !== 'string' ||
      b.email.toLowerCase() !== state.user.email ||
      password !== state.user.password
    ) {
      return ocapiError(res, 401, 1001, 'Your email or password is incorrect.');
    }
    state.logins++;
    const complete = !state.flags.mfa;
    const { token, info } = state.issueToken(complete, id);
    ok(res, tokenData(token, info, { mfa: !complete }));
  });

  server.route('POST', '/api/getFactorId', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t) return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    const b = body(req);
    const id = browser(req) ?? '';
    if (b.factorType === 'BROWSER' && state.trustedBrowsers.has(id)) {
      return ok(res, { factorId: `BROWSER-${id}` });
    }
    // 9204 is the normal answer for an untrusted browser: go on with the user's factors.
    ocapiError(res, 400, 9204, 'Browser is not trusted.');
  });

  server.route('GET', '/api/getFactors', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t) return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    ok(res, { items: FACTORS.map((f) => ({ ...f })) });
  });

  server.route('POST', '/api/startAuth', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t) return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    const b = body(req);
    const id = browser(req) ?? '';
    if (typeof b.factorId === 'string' && b.factorId === `BROWSER-${id}`) {
      if (!state.trustedBrowsers.has(id))
        return ocapiError(res, 400, 9204, 'Browser is not trusted.');
      state.tokens.delete(t.token);
      const { token, info } = state.issueToken(true, id);
      return ok(res, tokenData(token, info));
    }
    const factor = FACTORS.find((f) => f.factorId === b.factorId);
    if (!factor) return ocapiError(res, 400, 9003, 'Unknown factor.');
    const code = randomBytes(12).toString('hex');
    state.factorAuths.set(code, {
      factorId: factor.factorId,
      factorType: factor.factorType,
      browserId: id,
      otp: factor.factorType === 'PUSH' ? undefined : state.newOtp(factor.factorType),
      approved: false,
      used: false,
    });
    ok(res, { factorAuthCode: code });
  });

  server.route('POST', '/api/finishAuth', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t) return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    const b = body(req);
    const pending =
      typeof b.factorAuthCode === 'string' ? state.factorAuths.get(b.factorAuthCode) : undefined;
    if (!pending || pending.used) return ocapiError(res, 400, 9003, 'Invalid factorAuthCode.');
    if (pending.factorType === 'PUSH') {
      if (!pending.approved) return ocapiError(res, 400, 9214, 'Waiting for approval.');
    } else if (b.otp !== pending.otp) {
      return ocapiError(res, 400, 1009, 'The code is incorrect.');
    }
    pending.used = true;
    state.tokens.delete(t.token);
    const { token, info } = state.issueToken(true, pending.browserId);
    const extra: Record<string, unknown> = {};
    if (b.isBrowserTrusted === true) {
      const code = randomBytes(12).toString('hex');
      state.browserAuthCodes.set(code, pending.browserId);
      extra.browserAuthCode = code;
    }
    ok(res, tokenData(token, info, extra));
  });

  server.route('GET', '/api/validateAccessToken', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t || !t.info.complete)
      return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    ok(res, { userId: t.info.userId, valid: true });
  });

  server.route('POST', '/api/startPairingFactor', (req, res) => {
    const t = tokenFrom(state, req);
    if (!t || !t.info.complete)
      return ocapiError(res, 401, 2015, 'Your session has expired. Please log in.');
    const b = body(req);
    const id =
      typeof b.factorAuthCode === 'string'
        ? state.browserAuthCodes.get(b.factorAuthCode)
        : undefined;
    if (!id || b.factorType !== 'BROWSER')
      return ocapiError(res, 400, 9003, 'Invalid pairing code.');
    state.browserAuthCodes.delete(b.factorAuthCode as string);
    state.trustedBrowsers.add(id);
    ok(res, { paired: true });
  });
}
