import { randomUUID } from 'node:crypto';
import { SingleFlight } from '../../core/async';
import { CamhubError, errors } from '../../core/errors';
import { HttpClient, type HttpRequest, type RawReply } from '../../core/http';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type { SecretStore } from '../../core/provider';
import type {
  ArloLibraryItem,
  ArloSessionInfo,
  ArloStored,
  HmsErrorData,
  HmsReply,
  OcapiFactor,
  OcapiReply,
  OcapiToken,
} from './types';

const VENDOR = 'Arlo';
const WEB_ORIGIN = 'https://my.arlo.com';
/**
 * Cloudflare in front of Arlo turns away agents that are not browsers, and the stream type
 * follows the agent: the Arlo app's iOS web view gets rtsp(s) rather than HLS or DASH
 * (vendor facts 2.1, 2.7; the app's agent string as pyaarlo constant.py USER_AGENTS["arlo"]).
 */
export const USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NETGEAR/v1 (iOS Vuezone)';
/** Error codes hmsweb uses for "your token is not valid any more". */
const SESSION_ERRORS = new Set(['2015', '2019']);

export interface ArloClientOptions {
  baseUrl: string;
  authUrl: string;
  email: string;
  password: string;
  timeoutMs?: number;
  store: SecretStore;
  log: Logger;
  gate?: LoginGate;
}

export interface Session {
  token: string;
  userId: string;
  expiresAt: number;
  mqttUrl?: string;
  multiLocation: boolean;
}

export interface Factor {
  id: string;
  type: string;
  label: string;
}

/** Thrown when Arlo wants a second factor that only a person can give. */
export function mfaRequired(): CamhubError {
  return new CamhubError(
    'AUTH_REQUIRED',
    'Arlo asks for two-step verification. Sign in from the account node: open it in the editor, press "Sign in" and enter the code (or approve the push); then send the msg again.',
    { vendorCode: 'mfa_required' },
  );
}

/**
 * Arlo's two hosts: ocapi (login, 2FA, base64 token) and myapi/hmsweb (everything else, raw
 * token). Owns the session: one login shared by every caller, re-login when the token lapses,
 * the trusted-browser id and token kept in the account's secret store across restarts.
 */
export class ArloClient {
  readonly api: HttpClient;
  readonly ocapi: HttpClient;
  session: Session | undefined;
  factors: Factor[] = [];
  /** The half-finished login while 2FA is outstanding. */
  private interim: { token: string; userId: string; issued: number } | undefined;
  private factorAuth: { code: string; type: string } | undefined;
  private stored: ArloStored | undefined;
  private readonly loginFlight = new SingleFlight<Session>();
  private readonly opts: ArloClientOptions;
  onMfa: (waiting: boolean) => void = () => undefined;
  onSession: () => void = () => undefined;

  constructor(opts: ArloClientOptions) {
    this.opts = opts;
    const secrets = () => [
      opts.password,
      Buffer.from(opts.password).toString('base64'),
      this.session?.token,
      this.interim?.token,
    ];
    this.ocapi = new HttpClient({
      vendor: VENDOR,
      baseUrl: opts.authUrl,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
      secrets,
      mapError: mapOcapiError,
      isAuthError: () => false,
    });
    this.api = new HttpClient({
      vendor: VENDOR,
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
      secrets,
      mapError: mapHmsError,
      isAuthError: isSessionError,
      auth: {
        headers: () => this.hmsHeaders(),
        refresh: async () => {
          this.session = undefined;
          await this.login();
        },
      },
    });
  }

  get userId(): string {
    return this.session?.userId ?? this.interim?.userId ?? '';
  }

  get waitingForMfa(): boolean {
    return this.interim !== undefined;
  }

  private async loadStored(): Promise<ArloStored> {
    if (this.stored) return this.stored;
    const raw = ((await this.opts.store.load().catch(() => undefined)) ?? {}) as ArloStored;
    this.stored = {
      browserId: typeof raw.browserId === 'string' ? raw.browserId : randomUUID(),
      token: typeof raw.token === 'string' ? raw.token : undefined,
      userId: typeof raw.userId === 'string' ? raw.userId : undefined,
      expiresAt: typeof raw.expiresAt === 'number' ? raw.expiresAt : undefined,
    };
    if (!raw.browserId) await this.save();
    return this.stored;
  }

  private async save(): Promise<void> {
    if (!this.stored) return;
    await this.opts.store.save({ ...this.stored }).catch((err: unknown) => {
      this.opts.log.warn(`could not keep the Arlo session for the next restart: ${String(err)}`);
    });
  }

  /** A usable session: the live one, the one kept from before a restart, or a fresh login. */
  async ensureSession(): Promise<Session> {
    if (this.session && this.session.expiresAt > Date.now()) return this.session;
    const stored = await this.loadStored();
    if (!this.session && stored.token && stored.userId && (stored.expiresAt ?? 0) > Date.now()) {
      this.session = {
        token: stored.token,
        userId: stored.userId,
        expiresAt: stored.expiresAt ?? 0,
        multiLocation: false,
      };
      // Reading the session checks the kept token; a 401 there logs in again on its own.
      await this.readSession();
      return this.session;
    }
    return this.login();
  }

  /** One login for every caller, however many asked at once. */
  login(): Promise<Session> {
    if (this.interim) return Promise.reject(mfaRequired());
    return this.loginFlight.run('login', () => this.doLogin());
  }

  private authHeaders(token?: string): Record<string, string> {
    const id = this.stored?.browserId ?? '';
    return {
      Origin: WEB_ORIGIN,
      Referer: `${WEB_ORIGIN}/`,
      'User-Agent': USER_AGENT,
      'X-User-Device-Id': id,
      'X-User-Device-Type': 'BROWSER',
      'X-User-Device-Automation-Name': Buffer.from('BROWSER').toString('base64'),
      'X-Service-Version': '3',
      Source: 'arloCamWeb',
      ...(token ? { Authorization: Buffer.from(token).toString('base64') } : {}),
    };
  }

  private async ocapiCall<T>(req: Omit<HttpRequest, 'auth'>, token?: string): Promise<T> {
    const res = await this.ocapi.request<OcapiReply<T>>({
      ...req,
      auth: false,
      coalesce: false,
      headers: { ...this.authHeaders(token), ...(req.headers ?? {}) },
    });
    return (res.data.data ?? {}) as T;
  }

  private async doLogin(): Promise<Session> {
    await this.loadStored();
    this.session = undefined;
    this.opts.log.debug('Arlo: logging in');
    const data = await this.ocapiCall<OcapiToken>({
      method: 'POST',
      path: '/api/auth',
      body: {
        email: this.opts.email,
        password: Buffer.from(this.opts.password).toString('base64'),
        language: 'en',
        EnvSource: 'prod',
      },
      idempotent: true,
      login: true,
      label: 'Arlo login',
    });
    if (!data.token || !data.userId) throw cloudError('Arlo login', 'no token in the reply');
    if (data.authCompleted) return this.finish(data);
    const interim = { token: data.token, userId: data.userId, issued: data.issued ?? 0 };
    // A browser paired earlier skips the one-time code.
    try {
      const f = await this.ocapiCall<{ factorId?: string }>(
        {
          method: 'POST',
          path: '/api/getFactorId',
          body: { factorType: 'BROWSER', factorData: '', userId: interim.userId },
          label: 'Arlo trusted-browser check',
        },
        interim.token,
      );
      if (f.factorId) {
        const done = await this.ocapiCall<OcapiToken>(
          {
            method: 'POST',
            path: '/api/startAuth',
            body: { factorId: f.factorId, factorType: 'BROWSER', userId: interim.userId },
            label: 'Arlo trusted-browser login',
          },
          interim.token,
        );
        if (done.token) return this.finish({ ...done, userId: done.userId ?? interim.userId });
      }
    } catch (err) {
      if (!(err instanceof CamhubError && err.vendorCode === '9204')) throw err;
    }
    const factors = await this.ocapiCall<{ items?: OcapiFactor[] }>(
      {
        method: 'GET',
        path: '/api/getFactors',
        query: { data: interim.issued },
        label: 'Arlo 2FA factors',
      },
      interim.token,
    );
    this.factors = (factors.items ?? [])
      .filter((f) => typeof f.factorId === 'string' && typeof f.factorType === 'string')
      .map((f) => ({
        id: f.factorId as string,
        type: f.factorType as string,
        label: `${f.factorType}${f.factorNickname ? `: ${f.factorNickname}` : ''}`,
      }));
    this.interim = interim;
    this.factorAuth = undefined;
    this.onMfa(true);
    throw mfaRequired();
  }

  /** 2FA step: ask Arlo to send a code (or a push) through the chosen factor. */
  async startFactor(factorId: string): Promise<string> {
    const interim = this.interim;
    if (!interim)
      throw new CamhubError(
        'INVALID_INPUT',
        'No sign-in is waiting for a code. Press "Sign in" first.',
      );
    const factor = this.factors.find((f) => f.id === factorId);
    if (!factor)
      throw errors.invalidInput(
        `Unknown 2FA factor: pick one of ${this.factors.map((f) => f.label).join(', ')}.`,
      );
    const data = await this.ocapiCall<{ factorAuthCode?: string }>(
      {
        method: 'POST',
        path: '/api/startAuth',
        body: { factorId, factorType: 'BROWSER', userId: interim.userId },
        label: 'Arlo 2FA start',
      },
      interim.token,
    );
    if (!data.factorAuthCode) throw cloudError('Arlo 2FA start', 'no factorAuthCode in the reply');
    this.factorAuth = { code: data.factorAuthCode, type: factor.type };
    return factor.type;
  }

  /**
   * 2FA step: finish with the code, or (push) check whether the user approved. Resolves false
   * while a push is still waiting for approval.
   */
  async finishFactor(otp?: string): Promise<boolean> {
    const interim = this.interim;
    const fa = this.factorAuth;
    if (!interim || !fa) throw new CamhubError('INVALID_INPUT', 'Pick a 2FA factor first.');
    let data: OcapiToken;
    try {
      data = await this.ocapiCall<OcapiToken>(
        {
          method: 'POST',
          path: '/api/finishAuth',
          body: { factorAuthCode: fa.code, ...(otp ? { otp } : {}), isBrowserTrusted: true },
          label: 'Arlo 2FA',
        },
        interim.token,
      );
    } catch (err) {
      if (fa.type === 'PUSH' && err instanceof CamhubError && err.vendorCode === '9214')
        return false;
      throw err;
    }
    if (!data.token) throw cloudError('Arlo 2FA', 'no token in the reply');
    this.interim = undefined;
    this.factorAuth = undefined;
    await this.finish({ ...data, userId: data.userId ?? interim.userId });
    this.onMfa(false);
    return true;
  }

  /** Forget a half-done 2FA so that the next login starts afresh. */
  resetLogin(): void {
    this.interim = undefined;
    this.factorAuth = undefined;
  }

  private async finish(data: OcapiToken): Promise<Session> {
    const token = data.token as string;
    const ttl = typeof data.expiresIn === 'number' && data.expiresIn > 0 ? data.expiresIn : 7200;
    this.session = {
      token,
      userId: data.userId as string,
      // Renew a minute early rather than have a request bounce.
      expiresAt: Date.now() + Math.max(1, ttl - 60) * 1000,
      multiLocation: false,
    };
    if (data.browserAuthCode) {
      // Pairing makes this "browser" trusted, so later logins skip the one-time code.
      await this.ocapiCall(
        {
          method: 'GET',
          path: '/api/validateAccessToken',
          query: { data: Date.now() },
          label: 'Arlo token check',
        },
        token,
      );
      await this.ocapiCall(
        {
          method: 'POST',
          path: '/api/startPairingFactor',
          body: { factorAuthCode: data.browserAuthCode, factorData: '', factorType: 'BROWSER' },
          label: 'Arlo trusted-browser pairing',
        },
        token,
      );
    }
    const stored = await this.loadStored();
    Object.assign(stored, {
      token,
      userId: this.session.userId,
      expiresAt: this.session.expiresAt,
    });
    await this.save();
    await this.readSession(true);
    this.onSession();
    return this.session;
  }

  /**
   * session/v3: the MQTT host and whether modes go through locations (v3). Read inside a login
   * (`inLogin`), a refusal must not ask for a re-login: that one would wait for the login in
   * progress, which waits for this read, and the account would hang until a redeploy. The token
   * refused right after its login fails the login instead.
   */
  async readSession(inLogin = false): Promise<ArloSessionInfo> {
    const req: HttpRequest = {
      method: 'GET',
      path: '/hmsweb/users/session/v3',
      label: 'Arlo session',
    };
    const res = inLogin
      ? await this.hmsNoRelogin<ArloSessionInfo>(req).catch((err: unknown) => {
          throw err instanceof CamhubError && err.code === 'AUTH_FAILED'
            ? new CamhubError(
                'AUTH_FAILED',
                'Arlo refused the session it had just opened. Wait a few minutes and send the msg again; if it keeps happening, sign in again from the Arlo account node.',
                { status: err.status, vendorCode: err.vendorCode },
              )
            : err;
        })
      : await this.hms<ArloSessionInfo>(req);
    if (this.session) {
      this.session.mqttUrl =
        typeof res.mqttUrl === 'string' && res.mqttUrl ? res.mqttUrl : undefined;
      this.session.multiLocation = res.supportsMultiLocation === true;
    }
    return res;
  }

  /** An hmsweb call with the query parameters the web app adds to every URL. */
  async hms<T>(req: HttpRequest): Promise<T> {
    if (req.auth !== false) await this.ensureSession();
    const res = await this.api.request<HmsReply<T> & T>({
      ...req,
      query: { ...(req.query ?? {}), eventId: `FE!${randomUUID()}`, time: Date.now() },
    });
    const body = res.data;
    return (body && typeof body === 'object' && 'success' in body ? body.data : body) as T;
  }

  /**
   * The recordings of the days from `from` to `to` (vendor-facts 2.9: POST /hmsweb/users/library
   * with dateFrom/dateTo as YYYYMMDD). Used for smart detections on SSE accounts and by anyone
   * who lists recordings.
   */
  async library(
    from: Date,
    to: Date,
    label = 'Reading the Arlo library',
  ): Promise<ArloLibraryItem[]> {
    const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
    const items = await this.hms<ArloLibraryItem[]>({
      method: 'POST',
      path: '/hmsweb/users/library',
      body: { dateFrom: day(from), dateTo: day(to) },
      label,
    });
    return Array.isArray(items) ? items.filter((i) => i && typeof i === 'object') : [];
  }

  /** An hmsweb call with the session's headers that never starts a re-login on a refusal. */
  private async hmsNoRelogin<T>(req: HttpRequest): Promise<T> {
    const res = await this.api.request<HmsReply<T> & T>({
      ...req,
      auth: false,
      headers: { ...this.hmsHeaders(), ...(req.headers ?? {}) },
      query: { ...(req.query ?? {}), eventId: `FE!${randomUUID()}`, time: Date.now() },
    });
    const body = res.data;
    return (body && typeof body === 'object' && 'success' in body ? body.data : body) as T;
  }

  /** The headers the web app sends on every myapi call (vendor facts 2.2). */
  hmsHeaders(): Record<string, string> {
    return {
      // myapi takes the raw token; ocapi wants it base64-encoded.
      ...(this.session ? { Authorization: this.session.token } : {}),
      'Auth-Version': '2',
      SchemaVersion: '1',
      Origin: WEB_ORIGIN,
      Referer: `${WEB_ORIGIN}/`,
      'User-Agent': USER_AGENT,
      'x-transaction-id': `FE!${randomUUID()}`,
    };
  }

  async logout(): Promise<void> {
    if (!this.session) return;
    await this.api
      .request({ method: 'PUT', path: '/hmsweb/logout', timeoutMs: 2000 })
      .catch(() => undefined);
  }

  /** Drops the session Arlo ended elsewhere; the next request logs in again. */
  dropSession(): void {
    this.session = undefined;
    if (this.stored) {
      this.stored.token = undefined;
      this.stored.expiresAt = undefined;
      void this.save();
    }
  }

  close(): void {
    this.api.close();
    this.ocapi.close();
  }
}

function cloudError(label: string, detail: string): CamhubError {
  return new CamhubError(
    'CLOUD_ERROR',
    `${label}: the Arlo cloud sent an unexpected reply (${detail}). Try again later.`,
  );
}

function isSessionError(reply: RawReply): boolean {
  if (reply.status === 401) return true;
  const body = reply.json as HmsReply<HmsErrorData> | undefined;
  return (
    reply.status === 200 &&
    body?.success === false &&
    SESSION_ERRORS.has(String(body.data?.error ?? ''))
  );
}

/**
 * Cloudflare in front of both hosts answers 403 or 429 with a text or HTML body and no
 * Retry-After (vendor facts 2.10). That is the edge, not Arlo judging the password: never
 * "credentials rejected".
 */
function edgeError(reply: RawReply, label: string, login: boolean): CamhubError | undefined {
  if (reply.json !== undefined) return undefined;
  const unchecked = login ? '; the email and password were not checked' : '';
  if (reply.status === 403) {
    return new CamhubError(
      'CLOUD_ERROR',
      `${label}: Arlo's edge (Cloudflare) refused the request (HTTP 403) before Arlo saw it${unchecked}. It does this when it sees too many requests; wait a few minutes and try again.`,
      { status: 403, notExecuted: true },
    );
  }
  if (reply.status === 429) {
    return new CamhubError(
      'RATE_LIMITED',
      `${label}: Arlo's edge (Cloudflare) is limiting requests from this address (HTTP 429)${unchecked}. Wait a few minutes before the next msg.`,
      // pyaarlo waits 3 s before trying a login again after a 403/429 (vendor facts 2.10).
      { status: 429, notExecuted: true, retryAfterMs: 3000 },
    );
  }
  return undefined;
}

export function mapOcapiError(reply: RawReply, req: HttpRequest): CamhubError | undefined {
  const label = req.label ?? 'Arlo login';
  const edge = edgeError(reply, label, true);
  if (edge) return edge;
  const body = reply.json as OcapiReply<unknown> | undefined;
  const meta = body?.meta;
  if (reply.status < 400 && (!meta || meta.code === undefined || meta.code === 200))
    return undefined;
  const code = String(meta?.error ?? meta?.code ?? reply.status);
  const opts = { status: reply.status, vendorCode: code };
  switch (code) {
    case '1001':
    case '401':
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: Arlo refused the sign-in. Check the email and password in the Arlo account node and deploy again.`,
        opts,
      );
    case '9204':
      return new CamhubError('AUTH_FAILED', 'This browser is not trusted by Arlo yet.', opts);
    case '9214':
      return new CamhubError(
        'AUTH_FAILED',
        'The push notification is not approved yet. Approve it in the Arlo app.',
        opts,
      );
    case '1009':
      return new CamhubError(
        'INVALID_INPUT',
        'Arlo says the code is wrong. Check it and enter it again, or ask for a new one.',
        opts,
      );
    case '2015':
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: the sign-in took too long and Arlo dropped it. Press "Sign in" again.`,
        opts,
      );
    default:
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: Arlo answered "${meta?.message ?? `HTTP ${reply.status}`}" (${code}). Try again later; if it persists, sign in again from the account node.`,
        opts,
      );
  }
}

export function mapHmsError(reply: RawReply, req: HttpRequest): CamhubError | undefined {
  const label = req.label ?? 'The request';
  const edge = edgeError(reply, label, false);
  if (edge) return edge;
  const body = reply.json as HmsReply<HmsErrorData> | undefined;
  if (reply.status < 400 && body?.success !== false) return undefined;
  const data = body?.data ?? {};
  const code = String(data.error ?? reply.status);
  const opts = { status: reply.status, vendorCode: code };
  const said = data.message ? ` ("${data.message}")` : '';
  if (SESSION_ERRORS.has(code) || reply.status === 401) {
    return errors.authFailed(VENDOR, `session expired${said}`, opts);
  }
  switch (code) {
    case '2059':
      return new CamhubError(
        'OFFLINE',
        `${label}: the camera or its base station is offline${said}. Check its power and network; the next msg retries.`,
        opts,
      );
    case '2217':
      return new CamhubError(
        'UNKNOWN_CAMERA',
        `${label}: Arlo does not know this device${said}. Pick the camera again in the node.`,
        opts,
      );
    case '2215':
      return new CamhubError(
        'INVALID_INPUT',
        `${label}: Arlo rejected the mode${said}. Pick one the node's editor lists.`,
        opts,
      );
    case '2409':
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: the mode was changed elsewhere at the same time${said}. Send the msg again.`,
        { ...opts, notExecuted: true },
      );
    default:
      if (reply.status === 404) {
        return new CamhubError(
          'CLOUD_ERROR',
          `${label}: the Arlo API does not know this path (HTTP 404). Check the API URL of the account node.`,
          opts,
        );
      }
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: Arlo answered error ${code}${said}. Try again; if it persists, check the device in the Arlo app.`,
        opts,
      );
  }
}
