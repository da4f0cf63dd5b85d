import { SingleFlight } from '../../core/async';
import { CamhubError, errors } from '../../core/errors';
import { HttpClient, type HttpRequest, type RawReply } from '../../core/http';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type { SecretStore } from '../../core/provider';
import type {
  GetEvents,
  HomeStatus,
  HomesData,
  NetatmoErrorBody,
  PingReply,
  SetStateReply,
  TokenReply,
} from './types';

const VENDOR = 'Netatmo';

/** Every camera scope: read for events, write for monitoring, access for live pictures. */
export const NETATMO_SCOPES = [
  'read_camera',
  'write_camera',
  'access_camera',
  'read_presence',
  'write_presence',
  'access_presence',
  'read_doorbell',
  'access_doorbell',
];

/** Refresh this long before the access token runs out, so no call meets an expired one. */
const REFRESH_MARGIN_MS = 60_000;
/** Netatmo sends no Retry-After; openHAB backs off an hour on code 26. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 10 * 60_000;

/** What outlives a restart, encrypted in the account's store. */
interface Session {
  clientId: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  scope: string[];
}

/** Saved beside the session: the code-26 pause, and the last event ids already emitted. */
interface Saved extends Session {
  blockedUntil?: number;
  recent?: string[];
}

/** Event ids kept across a restart, enough for a replayed push or a late webhook. */
const SAVED_EVENT_IDS = 200;

export interface NetatmoClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  store: SecretStore;
  timeoutMs?: number;
  rateLimitCooldownMs?: number;
  log: Logger;
  gate?: LoginGate;
}

function notConnected(): CamhubError {
  return new CamhubError(
    'AUTH_REQUIRED',
    'This Netatmo account is not connected yet. Sign in from the account node: open it, press "Connect to Netatmo" and accept.',
  );
}

function sessionLost(): CamhubError {
  return new CamhubError(
    'AUTH_FAILED',
    'Netatmo refused the saved login (invalid_grant): another app or Node-RED using the same Netatmo ' +
      'login renews the tokens and so logs this one out, or the login was unused for a year. ' +
      'Press "Connect to Netatmo" in the account node again, and use one account node per Netatmo login.',
    { vendorCode: 'invalid_grant' },
  );
}

/**
 * The Netatmo API with its OAuth session: one access token for every caller, refreshed once
 * however many requests need it, and each rotated refresh token written to the store before
 * it is used, because the previous one is dead the moment Netatmo hands out the next.
 */
export class NetatmoClient {
  readonly http: HttpClient;
  /** vpn_url and local_url hosts: no account token, short timeouts, the URL is the secret. */
  readonly camera: HttpClient;
  private session: Session | undefined;
  private loaded: Promise<void> | undefined;
  private readonly flight = new SingleFlight<void>();
  private blockedUntil = 0;
  private readonly cooldownMs: number;
  private recent: string[] = [];
  private saving: Promise<void> = Promise.resolve();
  private savePending = false;
  private saidNotConnected = false;

  constructor(private readonly opts: NetatmoClientOptions) {
    this.cooldownMs = opts.rateLimitCooldownMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS;
    this.http = new HttpClient({
      vendor: VENDOR,
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
      auth: {
        headers: (): Record<string, string> =>
          this.session ? { Authorization: `Bearer ${this.session.accessToken}` } : {},
        refresh: () => this.refresh(),
      },
      secrets: () => [opts.clientSecret, this.session?.accessToken, this.session?.refreshToken],
      // Only token problems mean "log in again"; 403 also carries scope (13) and throttle (26).
      isAuthError: (reply) =>
        (reply.status === 401 || reply.status === 403) && [1, 2, 3].includes(apiCode(reply) ?? -1),
      mapError: (reply, req) => mapNetatmoError(reply, req, this.cooldownMs),
    });
    this.camera = new HttpClient({
      vendor: `${VENDOR} camera`,
      baseUrl: opts.baseUrl,
      timeoutMs: Math.min(opts.timeoutMs ?? 5_000, 5_000),
      maxRetries: 1,
      // The camera URLs carry their own access token in the path; keep them out of the log.
      log: {
        ...opts.log,
        debug: (m) => opts.log.debug(m.replace(/(https?:\/\/[^/\s]+)\/\S*/g, '$1/***')),
      },
    });
  }

  get connected(): boolean {
    return this.session !== undefined;
  }

  get scopes(): string[] {
    return this.session?.scope ?? [];
  }

  /** Secrets to mask in anything that leaves the provider. */
  secrets(): string[] {
    return [this.opts.clientSecret, this.session?.accessToken, this.session?.refreshToken].filter(
      (s): s is string => !!s,
    );
  }

  private load(): Promise<void> {
    this.loaded ??= this.opts.store.load().then(
      (saved) => {
        const s = saved as Partial<Saved> | undefined;
        // A session of another app (the client id was changed) cannot be refreshed.
        if (
          s &&
          s.clientId === this.opts.clientId &&
          typeof s.accessToken === 'string' &&
          typeof s.refreshToken === 'string'
        ) {
          this.session = {
            clientId: s.clientId,
            accessToken: s.accessToken,
            refreshToken: s.refreshToken,
            expiresAt: Number(s.expiresAt) || 0,
            scope: Array.isArray(s.scope) ? s.scope.map(String) : [],
          };
          // A pause Netatmo imposed (code 26) holds across a redeploy and a restart.
          const until = Number(s.blockedUntil) || 0;
          if (until > Date.now()) this.blockedUntil = Math.max(this.blockedUntil, until);
          if (Array.isArray(s.recent)) {
            this.recent = s.recent.filter((id) => typeof id === 'string').slice(-SAVED_EVENT_IDS);
          }
        }
      },
      (err: unknown) =>
        this.opts.log.warn(`reading the saved Netatmo session failed: ${String(err)}`),
    );
    return this.loaded;
  }

  /** A valid access token, or the reason there is none; refreshes ahead of expiry. */
  async ensure(): Promise<void> {
    await this.load();
    if (Date.now() < this.blockedUntil) {
      throw errors.rateLimited(VENDOR, this.blockedUntil - Date.now());
    }
    if (!this.session) throw this.notConnected();
    if (this.session.expiresAt - REFRESH_MARGIN_MS <= Date.now()) await this.refresh();
  }

  /** One refresh for every caller that needs it at the same time. */
  refresh(): Promise<void> {
    return this.flight.run('refresh', async () => {
      await this.load();
      const current = this.session;
      if (!current) throw this.notConnected();
      let reply: TokenReply;
      try {
        reply = await this.token({
          grant_type: 'refresh_token',
          refresh_token: current.refreshToken,
        });
      } catch (err) {
        if (err instanceof CamhubError && err.vendorCode === 'invalid_grant') {
          // The refresh token is dead for good (rotated by someone else, or a year unused).
          this.session = undefined;
          await this.saving;
          await this.opts.store.clear().catch(() => undefined);
          throw sessionLost();
        }
        throw err;
      }
      await this.adopt(reply);
    });
  }

  /** True when a login is saved (after reading the store once). */
  async hasSession(): Promise<boolean> {
    await this.load();
    return this.session !== undefined;
  }

  /** At start: a missing login is said in the log at once, not only at the first msg. */
  async checkConnected(): Promise<void> {
    if (!(await this.hasSession())) this.notConnected();
  }

  /** Said once in the log, beside the status, until the account connects. */
  private notConnected(): CamhubError {
    const err = notConnected();
    if (!this.saidNotConnected) {
      this.saidNotConnected = true;
      this.opts.log.warn(err.message);
    }
    return err;
  }

  /** Event ids emitted before the last restart, oldest first. */
  async savedEventIds(): Promise<string[]> {
    await this.load();
    return [...this.recent];
  }

  /** Remembers an emitted event id across a restart (the newest SAVED_EVENT_IDS). */
  rememberEventId(id: string): void {
    this.recent.push(id);
    if (this.recent.length > SAVED_EVENT_IDS)
      this.recent.splice(0, this.recent.length - SAVED_EVENT_IDS);
    this.persist();
  }

  /**
   * Writes the session with the pause and the event ids: one write at a time, and a burst of
   * events (a poll page) becomes one write of the latest state. Nothing is written once the
   * login is gone (disconnected or refused), so a late write cannot bring it back.
   */
  private persist(): void {
    if (this.savePending) return;
    this.savePending = true;
    this.saving = this.saving
      .then(async () => {
        this.savePending = false;
        const session = this.session;
        if (!session) return;
        const saved: Saved = {
          ...session,
          ...(this.blockedUntil > Date.now() ? { blockedUntil: this.blockedUntil } : {}),
          recent: [...this.recent],
        };
        await this.opts.store.save({ ...saved });
      })
      .catch((err: unknown) =>
        this.opts.log.warn(`could not save the Netatmo account state: ${String(err)}`),
      );
  }

  /** The authorization-code grant, after the user accepted on Netatmo's page. */
  async exchangeCode(code: string, redirectUri: string): Promise<void> {
    const reply = await this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      scope: NETATMO_SCOPES.join(' '),
    });
    await this.adopt(reply);
    // The user connected again: an earlier refusal no longer holds logins back.
    await this.opts.gate?.succeeded();
  }

  private async adopt(reply: TokenReply): Promise<void> {
    if (typeof reply?.access_token !== 'string' || typeof reply.refresh_token !== 'string') {
      throw new CamhubError(
        'CLOUD_ERROR',
        'Netatmo answered the login without tokens. Press "Connect to Netatmo" again.',
      );
    }
    const ttl = Number(reply.expires_in ?? reply.expire_in) || 10_800;
    const session: Session = {
      clientId: this.opts.clientId,
      accessToken: reply.access_token,
      refreshToken: reply.refresh_token,
      expiresAt: Date.now() + ttl * 1000,
      scope: Array.isArray(reply.scope)
        ? reply.scope.map(String)
        : String(reply.scope ?? '')
            .split(/[ ,]+/)
            .filter(Boolean),
    };
    this.session = session;
    this.saidNotConnected = false;
    // The old refresh token is already dead: losing the new one would lose the account.
    try {
      await this.saving;
      const saved: Saved = {
        ...session,
        ...(this.blockedUntil > Date.now() ? { blockedUntil: this.blockedUntil } : {}),
        recent: [...this.recent],
      };
      await this.opts.store.save({ ...saved });
    } catch (err) {
      this.opts.log.error(
        `could not save the Netatmo session (${String(err)}); after a restart you will have to connect again`,
      );
    }
  }

  async disconnect(): Promise<void> {
    this.session = undefined;
    // A write already under way would otherwise bring the login back after the clear.
    await this.saving;
    await this.opts.store.clear();
  }

  private async token(form: Record<string, string>): Promise<TokenReply> {
    const res = await this.http.request<TokenReply>({
      method: 'POST',
      path: '/oauth2/token',
      form: { ...form, client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
      auth: false,
      idempotent: false,
      // Only the automatic refresh waits for the back-off; a Connect by the user never does.
      login: form.grant_type === 'refresh_token',
      label: 'Netatmo login',
    });
    return res.data;
  }

  private async api<T>(req: HttpRequest): Promise<T> {
    await this.ensure();
    try {
      return (await this.http.request<T>(req)).data;
    } catch (err) {
      if (err instanceof CamhubError && err.code === 'RATE_LIMITED') {
        // Every further call would count against the same used-up quota, after a restart too.
        this.blockedUntil = Date.now() + (err.retryAfterMs ?? this.cooldownMs);
        this.persist();
      }
      throw err;
    }
  }

  homesData(): Promise<HomesData> {
    return this.api<HomesData>({ method: 'GET', path: '/api/homesdata', label: 'Listing homes' });
  }

  homeStatus(homeId: string): Promise<HomeStatus> {
    return this.api<HomeStatus>({
      method: 'GET',
      path: '/api/homestatus',
      query: { home_id: homeId },
      label: 'Reading the home status',
    });
  }

  setState(
    homeId: string,
    modules: ({ id: string } & Record<string, string>)[],
    label: string,
  ): Promise<SetStateReply> {
    return this.api<SetStateReply>({
      method: 'POST',
      path: '/api/setstate',
      body: { home: { id: homeId, modules } },
      idempotent: false,
      label,
    });
  }

  /** vendor-facts 3.4: person_ids[] of the persons now at home. */
  setPersonsHome(homeId: string, personIds: string[], label: string): Promise<unknown> {
    return this.api({
      method: 'POST',
      path: '/api/setpersonshome',
      form: { home_id: homeId, 'person_ids[]': personIds },
      idempotent: false,
      label,
    });
  }

  /** vendor-facts 3.4: one person away, or without person_id the whole home empty. */
  setPersonsAway(homeId: string, personId: string | undefined, label: string): Promise<unknown> {
    return this.api({
      method: 'POST',
      path: '/api/setpersonsaway',
      form: personId ? { home_id: homeId, person_id: personId } : { home_id: homeId },
      idempotent: false,
      label,
    });
  }

  getEvents(homeId: string, size: number, before?: string): Promise<GetEvents> {
    return this.api<GetEvents>({
      method: 'GET',
      path: '/api/getevents',
      query: { home_id: homeId, size, event_id: before },
      label: 'Reading events',
    });
  }

  /** An event picture by snapshot_id and snapshot_key (getcamerapicture, with the token). */
  cameraPicture(imageId: string, key: string, label: string): Promise<Buffer> {
    return this.api<Buffer>({
      method: 'GET',
      path: '/api/getcamerapicture',
      query: { image_id: imageId, key },
      expect: 'buffer',
      label,
    });
  }

  async addWebhook(url: string): Promise<void> {
    await this.api({
      method: 'POST',
      path: '/api/addwebhook',
      form: { url },
      idempotent: true,
      label: 'Registering the webhook',
    });
  }

  /** The camera's own LAN address, asked through its vpn_url. */
  async ping(base: string, timeoutMs?: number): Promise<PingReply> {
    const res = await this.camera.request<PingReply>({
      method: 'POST',
      path: `${base}/command/ping`,
      auth: false,
      idempotent: false,
      timeoutMs,
      label: 'Camera ping',
    });
    return res.data;
  }

  /** Stops the HTTP clients; resolves once the last state write is on disk. */
  async close(): Promise<void> {
    this.http.close();
    this.camera.close();
    await this.saving;
  }
}

function apiCode(reply: RawReply): number | undefined {
  const body = reply.json as NetatmoErrorBody | undefined;
  const e = body?.error;
  return typeof e === 'object' && e && typeof e.code === 'number' ? e.code : undefined;
}

/** Netatmo's `{"error":{"code","message"}}` (and the token endpoint's `{"error":"..."}`). */
export function mapNetatmoError(
  reply: RawReply,
  req: HttpRequest,
  cooldownMs: number = DEFAULT_RATE_LIMIT_COOLDOWN_MS,
): CamhubError | undefined {
  if (reply.status < 400) return undefined;
  const label = req.label ?? 'The request';
  const body = reply.json as NetatmoErrorBody | undefined;
  if (typeof body?.error === 'string') {
    const opts = { status: reply.status, vendorCode: body.error };
    if (body.error === 'invalid_grant') {
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: Netatmo refused the code or refresh token (invalid_grant). Press "Connect to Netatmo" again.`,
        opts,
      );
    }
    if (body.error === 'invalid_client') {
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: Netatmo does not know this client id and secret. Copy both from your app on dev.netatmo.com into the account node and deploy.`,
        opts,
      );
    }
    return new CamhubError(
      'AUTH_FAILED',
      `${label}: Netatmo refused the login (${body.error}). Press "Connect to Netatmo" again.`,
      opts,
    );
  }
  const code = apiCode(reply);
  const opts = { status: reply.status, vendorCode: code === undefined ? undefined : String(code) };
  switch (code) {
    case 1:
    case 2:
    case 3:
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: Netatmo rejected the access token (code ${code}) even after a refresh. Press "Connect to Netatmo" in the account node again.`,
        opts,
      );
    case 13:
      return new CamhubError(
        'AUTH_FAILED',
        `${label}: the Netatmo app lacks the permission (scope) for this (code 13). Press "Connect to Netatmo" again and accept every camera permission; the access_* ones need Netatmo's approval of your app.`,
        opts,
      );
    case 26:
      return new CamhubError(
        'RATE_LIMITED',
        `${label}: Netatmo's request quota for this account is used up (code 26). camhub pauses its calls for ${Math.round(cooldownMs / 60_000)} min; poll less often or use the webhook.`,
        { ...opts, retryAfterMs: cooldownMs, notExecuted: true },
      );
    case 11:
      return new CamhubError(
        'RATE_LIMITED',
        `${label}: Netatmo is busy (code 11). Try again in a moment.`,
        { ...opts, notExecuted: true },
      );
    case 9:
      return new CamhubError(
        'UNKNOWN_CAMERA',
        `${label}: Netatmo does not know this home or camera (code 9). Pick the camera again in the node.`,
        opts,
      );
    case 10:
    case 21:
      return new CamhubError(
        'INVALID_INPUT',
        `${label}: Netatmo rejected a parameter (code ${code}: ${messageOf(body)}). Check the camera and the msg.`,
        opts,
      );
    case 41:
      return new CamhubError(
        'OFFLINE',
        `${label}: the camera is unreachable (code 41). Check its power and network.`,
        opts,
      );
    case undefined:
      return undefined;
    default:
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: Netatmo answered code ${code} (${messageOf(body)}, HTTP ${reply.status}). Try again later.`,
        opts,
      );
  }
}

function messageOf(body: NetatmoErrorBody | undefined): string {
  const e = body?.error;
  const text = typeof e === 'object' && e && typeof e.message === 'string' ? e.message : '';
  return text.slice(0, 120) || 'no message';
}
