import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SingleFlight } from '../../core/async';
import { CamhubError, errors } from '../../core/errors';
import { HttpClient, type HttpRequest, type RawReply } from '../../core/http';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type { SecretStore } from '../../core/provider';
import type {
  BlinkCameraConfig,
  BlinkCommandReply,
  BlinkCommandStatus,
  BlinkErrorBody,
  BlinkHomescreen,
  BlinkKind,
  BlinkLiveviewReply,
  BlinkMediaPage,
  BlinkStoredSession,
  BlinkTierInfo,
  BlinkTokenReply,
  BlinkTsvReply,
} from './types';

const VENDOR = 'Blink';
/** The real cloud's login host; any other base URL (a simulator) serves every host's paths itself. */
export const BLINK_PROD_HOST = 'rest-prod.immedia-semi.com';
export const DEFAULT_BLINK_URL = `https://${BLINK_PROD_HOST}`;

// Today's app identity (vendor-facts 1.2): the iOS client id and its redirect URI.
const CLIENT_ID = 'ios';
const REDIRECT_URI = 'immedia-blink://applinks.blink.com/signin/callback';
const OAUTH_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';
const TOKEN_UA = 'Blink/2511191620 CFNetwork/3826.500.131 Darwin/24.5.0';
/** blinkpy refreshes when fewer than 60 s remain, and assumes 3600 s when expires_in is absent. */
const REFRESH_MARGIN_MS = 60_000;
const DEFAULT_TTL_S = 3600;
/** After a 429 on login without Retry-After, hold off this long, doubling up to an hour. */
const LOGIN_HOLD_MS = 60_000;
const LOGIN_HOLD_MAX_MS = 60 * 60_000;
const BAD_CREDENTIALS = 'bad_credentials';

export interface BlinkHosts {
  oauth: string;
  prod: string;
  tier(tier: string): string;
}

/**
 * The real cloud spreads one account over three hosts (OAuth, rest-prod, rest-<tier>). A
 * simulator has one address, so there the tier host is the path prefix /rest-<tier>.
 */
export function blinkHosts(baseUrl: string): BlinkHosts {
  const base = baseUrl.replace(/\/+$/, '');
  let host = '';
  try {
    host = new URL(base).hostname;
  } catch {
    throw new CamhubError(
      'NOT_CONFIGURED',
      `"${base.slice(0, 60)}" is not a URL. Set the Blink cloud URL to ${DEFAULT_BLINK_URL}.`,
    );
  }
  if (host === BLINK_PROD_HOST) {
    return {
      oauth: 'https://api.oauth.blink.com',
      prod: DEFAULT_BLINK_URL,
      tier: (t) => `https://rest-${t}.immedia-semi.com`,
    };
  }
  return { oauth: base, prod: base, tier: (t) => `${base}/rest-${t}` };
}

/** media/changed wants "YYYY-MM-DDTHH:MM:SS+0000". */
export function blinkSince(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Set-Cookie values as the HTTP layer flattens them (joined by commas) into a jar. */
function absorbCookies(jar: Map<string, string>, header: string | undefined): void {
  if (!header) return;
  for (const cookie of header.split(/,(?=\s*[A-Za-z0-9_.-]+=)/)) {
    const pair = cookie.split(';')[0].trim();
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function bodyOf(reply: RawReply): BlinkErrorBody {
  const j = reply.json;
  return j && typeof j === 'object' ? (j as BlinkErrorBody) : {};
}

/** Errors of the login pages: credentials, the 2FA signal (412) and bad codes. */
function mapOauthError(reply: RawReply, req: HttpRequest): CamhubError | undefined {
  if (reply.status < 400) return undefined;
  const body = bodyOf(reply);
  if (reply.status === 412) {
    return new CamhubError('AUTH_FAILED', 'Blink asks for a 2FA code.', {
      status: 412,
      vendorCode: 'tsv_required',
    });
  }
  if (req.path.endsWith('/2fa/verify') && reply.status < 500) {
    return new CamhubError(
      'AUTH_FAILED',
      'Blink did not accept the 2FA code. Check the code and enter it again, or log in again for a new code.',
      { status: reply.status, vendorCode: 'tsv_invalid' },
    );
  }
  if (req.path.endsWith('/signin') && (reply.status === 401 || reply.status === 403)) {
    return errors.authFailed(VENDOR, 'email or password', {
      status: reply.status,
      vendorCode: BAD_CREDENTIALS,
    });
  }
  if (req.path.endsWith('/oauth/token') && reply.status < 500) {
    return new CamhubError(
      'AUTH_FAILED',
      `The Blink cloud refused the login token (${body.error ?? `HTTP ${reply.status}`}). Sign in again from the Blink account node.`,
      { status: reply.status, vendorCode: body.error ?? 'invalid_grant' },
    );
  }
  return undefined;
}

/** REST errors carry {message, code}; 101 is a bad token or the wrong tier host. */
function mapApiError(reply: RawReply, req: HttpRequest): CamhubError | undefined {
  if (reply.status < 400) return undefined;
  const body = bodyOf(reply);
  const label = req.label ?? 'A Blink request';
  if (reply.status === 401) {
    return errors.authFailed(VENDOR, `session refused, code ${body.code ?? 101}`, {
      status: 401,
      vendorCode: String(body.code ?? 101),
    });
  }
  if (reply.status === 409 || body.code === 307) {
    return new CamhubError(
      'CLOUD_ERROR',
      `${label}: the Blink system is busy with another command. Try again in a few seconds.`,
      { status: reply.status, vendorCode: String(body.code ?? reply.status) },
    );
  }
  return new CamhubError(
    'CLOUD_ERROR',
    `${label}: the Blink cloud answered HTTP ${reply.status}` +
      (body.message ? ` ("${String(body.message).slice(0, 80)}")` : '') +
      '. Check the camera in the Blink app and try again.',
    { status: reply.status, vendorCode: body.code !== undefined ? String(body.code) : undefined },
  );
}

interface PendingLogin {
  jar: Map<string, string>;
  csrf: string;
  verifier: string;
  state: string;
  methods: string[];
}

export interface BlinkClientOptions {
  baseUrl: string;
  email: string;
  password: string;
  store: SecretStore;
  log: Logger;
  gate?: LoginGate;
  timeoutMs?: number;
  /** Told when the login stops for a 2FA code. */
  onWaiting2fa?: () => void;
}

/**
 * Today's Blink login (OAuth 2 authorization code with PKCE, 2FA, rotating refresh tokens,
 * tier routing) and one method per REST endpoint camhub uses. Policy (queues, waits, retries
 * of commands) lives in the provider.
 */
export class BlinkClient {
  readonly hosts: BlinkHosts;
  private readonly oauth: HttpClient;
  readonly api: HttpClient;
  private readonly opts: BlinkClientOptions;
  private readonly owner: string;
  private session: BlinkStoredSession;
  private loaded = false;
  private pending?: PendingLogin;
  private failure?: CamhubError;
  private blockedUntil = 0;
  private holdMs = LOGIN_HOLD_MS;
  private readonly flights = new SingleFlight<void>();

  constructor(opts: BlinkClientOptions) {
    this.opts = opts;
    this.hosts = blinkHosts(opts.baseUrl);
    this.owner = createHash('sha256')
      .update(`${opts.email.trim().toLowerCase()}|${this.hosts.prod}`)
      .digest('hex');
    this.session = { owner: this.owner, hardwareId: randomUUID().toUpperCase() };
    const secrets = () => [
      opts.password,
      this.session.accessToken,
      this.session.refreshToken,
      this.pending?.csrf,
    ];
    this.oauth = new HttpClient({
      vendor: VENDOR,
      baseUrl: this.hosts.oauth,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
      secrets,
      mapError: mapOauthError,
      isLoginRefusal: (e) => e.vendorCode !== 'tsv_required',
    });
    this.api = new HttpClient({
      vendor: VENDOR,
      baseUrl: this.hosts.prod,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
      secrets,
      mapError: mapApiError,
      isAuthError: (r) => r.status === 401,
      auth: {
        headers: () => ({ Authorization: `Bearer ${this.session.accessToken ?? ''}` }),
        refresh: () => this.refreshAfterReject(),
      },
    });
  }

  get accountId(): number {
    return this.session.accountId ?? 0;
  }

  get waiting2fa(): boolean {
    return this.pending !== undefined;
  }

  /** The 2FA channels Blink named ("sms", "email"), for the editor's prompt. */
  get tsvMethods(): string[] {
    return this.pending?.methods ?? [];
  }

  close(): void {
    this.oauth.close();
    this.api.close();
  }

  // --- session ---------------------------------------------------------------------------------

  /** A usable access token and tier, logging in or refreshing when needed. */
  ensure(): Promise<void> {
    if (this.loaded && this.usable()) return Promise.resolve();
    return this.flights.run('ensure', async () => {
      await this.load();
      this.gate();
      if (this.usable()) return;
      if (this.session.refreshToken) {
        try {
          await this.refreshTokens();
          return;
        } catch (err) {
          // A refused refresh token means a fresh login; anything else is passed on.
          if (!(err instanceof CamhubError && err.vendorCode === 'invalid_grant')) throw err;
          this.opts.log.warn('Blink refused the stored refresh token; logging in again.');
        }
      }
      await this.login();
    });
  }

  private usable(): boolean {
    const s = this.session;
    return !!s.accessToken && !!s.tier && (s.expiresAt ?? 0) - REFRESH_MARGIN_MS > Date.now();
  }

  /** Fails fast where calling the cloud would only make things worse. */
  private gate(): void {
    if (this.failure) throw this.failure;
    if (this.pending) {
      throw new CamhubError(
        'AUTH_REQUIRED',
        'The Blink account is waiting for the 2FA code Blink sent you. Sign in from the account node: open it and enter the code.',
      );
    }
    const wait = this.blockedUntil - Date.now();
    if (wait > 0) throw errors.rateLimited(VENDOR, wait);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const stored = (await this.opts.store.load()) as BlinkStoredSession | undefined;
      // Tokens of another email or cloud are dropped; the device id is Blink's trust anchor.
      if (stored && stored.owner === this.owner && typeof stored.hardwareId === 'string') {
        this.session = { ...stored };
      }
    } catch (err) {
      this.opts.log.warn(`Could not read the stored Blink session: ${String(err)}`);
    }
  }

  private async save(): Promise<void> {
    try {
      await this.opts.store.save({ ...this.session });
    } catch (err) {
      this.opts.log.warn(
        `Could not store the Blink session; the next restart logs in again: ${String(err)}`,
      );
    }
  }

  /** The HTTP layer's one shared re-login after a 401. */
  private async refreshAfterReject(): Promise<void> {
    await this.flights.run('reject', async () => {
      this.gate();
      if (this.session.refreshToken) {
        try {
          await this.refreshTokens();
          return;
        } catch (err) {
          if (!(err instanceof CamhubError && err.vendorCode === 'invalid_grant')) throw err;
        }
      }
      await this.login();
    });
  }

  private refreshTokens(): Promise<void> {
    return this.flights.run('refresh', async () => {
      const token = this.session.refreshToken;
      if (!token)
        throw new CamhubError('AUTH_FAILED', 'no refresh token', { vendorCode: 'invalid_grant' });
      let reply: BlinkTokenReply;
      try {
        reply = (
          await this.oauth.request<BlinkTokenReply>({
            method: 'POST',
            path: '/oauth/token',
            form: {
              grant_type: 'refresh_token',
              refresh_token: token,
              client_id: CLIENT_ID,
              scope: 'client',
              hardware_id: this.session.hardwareId,
            },
            headers: { 'User-Agent': TOKEN_UA },
            auth: false,
            label: 'Refreshing the Blink login',
          })
        ).data;
      } catch (err) {
        if (err instanceof CamhubError && err.vendorCode === 'invalid_grant') {
          // The old refresh token is spent either way; never present it again.
          this.session = { owner: this.owner, hardwareId: this.session.hardwareId };
          await this.save();
        }
        throw err;
      }
      // The tier stays what the first token's look-up said (vendor-facts 1.1).
      await this.takeTokens(reply, !this.session.tier);
    });
  }

  /** Keeps new tokens; `lookUpTier` after a login, where the tier is looked up once. */
  private async takeTokens(reply: BlinkTokenReply, lookUpTier = true): Promise<void> {
    if (typeof reply.access_token !== 'string' || typeof reply.refresh_token !== 'string') {
      throw new CamhubError(
        'CLOUD_ERROR',
        'The Blink login answered without tokens. Try again later.',
      );
    }
    const ttl = typeof reply.expires_in === 'number' ? reply.expires_in : DEFAULT_TTL_S;
    this.session = {
      ...this.session,
      accessToken: reply.access_token,
      refreshToken: reply.refresh_token,
      expiresAt: Date.now() + ttl * 1000,
    };
    // Stored before anything else can fail: the old refresh token no longer works.
    await this.save();
    if (!lookUpTier) return;
    const tier = (
      await this.oauth.request<BlinkTierInfo>({
        method: 'GET',
        path: `${this.hosts.prod}/api/v1/users/tier_info`,
        headers: { Authorization: `Bearer ${reply.access_token}` },
        auth: false,
        coalesce: false,
        label: 'Looking up the Blink tier',
      })
    ).data;
    if (typeof tier.tier !== 'string' || !/^[a-z0-9]{1,16}$/i.test(tier.tier)) {
      throw new CamhubError('CLOUD_ERROR', 'The Blink tier look-up sent no tier. Try again later.');
    }
    this.session.tier = tier.tier;
    if (typeof tier.account_id === 'number') this.session.accountId = tier.account_id;
    await this.save();
  }

  /** Starts a fresh login, dropping a pending 2FA step and an earlier refusal. */
  async restartLogin(): Promise<void> {
    await this.load();
    this.pending = undefined;
    this.failure = undefined;
    await this.flights.run('ensure', () => this.login());
  }

  private async login(): Promise<void> {
    const wait = this.blockedUntil - Date.now();
    if (wait > 0) throw errors.rateLimited(VENDOR, wait);
    try {
      await this.oauthSignIn();
      this.holdMs = LOGIN_HOLD_MS;
    } catch (err) {
      if (err instanceof CamhubError && err.code === 'RATE_LIMITED') {
        // Every login in a storm makes the lockout longer: hold off, longer each time.
        const hold = err.retryAfterMs ?? this.holdMs;
        this.holdMs = Math.min(this.holdMs * 2, LOGIN_HOLD_MAX_MS);
        this.blockedUntil = Date.now() + hold;
        throw errors.rateLimited(VENDOR, hold);
      }
      if (err instanceof CamhubError && err.vendorCode === BAD_CREDENTIALS) {
        // Wrong credentials stay wrong until the user deploys new ones.
        this.failure = err;
      }
      throw err;
    }
  }

  private async oauthSignIn(): Promise<void> {
    const { verifier, challenge } = pkce();
    const state = randomBytes(12).toString('base64url');
    const jar = new Map<string, string>();
    const page = (path: string, query?: Record<string, string>) =>
      this.oauth.request<string>({
        method: 'GET',
        path,
        query,
        headers: { 'User-Agent': OAUTH_UA, Cookie: cookieHeader(jar) },
        expect: 'text',
        auth: false,
        coalesce: false,
        maxRedirects: 0,
        login: true,
        label: 'Blink login',
      });
    const authorize = await page('/oauth/v2/authorize', {
      app_brand: 'blink',
      client_id: CLIENT_ID,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      hardware_id: this.session.hardwareId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'client',
      state,
    });
    absorbCookies(jar, authorize.headers['set-cookie']);
    const signin = await page('/oauth/v2/signin');
    absorbCookies(jar, signin.headers['set-cookie']);
    const args = /<script[^>]*id=["']oauth-args["'][^>]*>([\s\S]*?)<\/script>/i.exec(signin.data);
    const csrf = args ? parseJson<Record<string, unknown>>(args[1])?.['csrf-token'] : undefined;
    if (typeof csrf !== 'string' || !csrf) {
      throw new CamhubError(
        'CLOUD_ERROR',
        'The Blink sign-in page has changed (no CSRF token found). Update camhub.',
      );
    }
    let tsv: BlinkTsvReply | undefined;
    try {
      const res = await this.oauth.request<string>({
        method: 'POST',
        path: '/oauth/v2/signin',
        form: { username: this.opts.email, password: this.opts.password, 'csrf-token': csrf },
        headers: { 'User-Agent': OAUTH_UA, Cookie: cookieHeader(jar) },
        expect: 'text',
        auth: false,
        maxRedirects: 0,
        login: true,
        // Every sign-in in a storm lengthens the lockout (vendor-facts 1.9): never resent at once.
        retryRateLimited: false,
        label: 'Blink sign-in',
      });
      absorbCookies(jar, res.headers['set-cookie']);
      if (res.status >= 300 && res.status < 400) tsv = undefined;
      else {
        tsv = parseJson<BlinkTsvReply>(res.data);
        if (tsv?.tsv_state !== 'required') {
          throw new CamhubError(
            'CLOUD_ERROR',
            `The Blink sign-in answered HTTP ${res.status} without a redirect. Try again later.`,
          );
        }
      }
    } catch (err) {
      if (!(err instanceof CamhubError && err.vendorCode === 'tsv_required')) throw err;
      tsv = { tsv_state: 'required', tsv_methods: [] };
    }
    if (tsv) {
      this.pending = { jar, csrf, verifier, state, methods: tsv.tsv_methods ?? [] };
      this.opts.onWaiting2fa?.();
      this.gate();
    }
    await this.finishLogin({ jar, csrf, verifier, state, methods: [] });
  }

  /** The user's 2FA code for the login that is waiting for it. */
  async verify2fa(code: string): Promise<void> {
    const pending = this.pending;
    if (!pending) {
      throw new CamhubError(
        'NOT_CONFIGURED',
        'No Blink login is waiting for a code. Press "Sign in" first; Blink then sends a new code.',
      );
    }
    await this.oauth.request({
      method: 'POST',
      path: '/oauth/v2/2fa/verify',
      form: { '2fa_code': code, 'csrf-token': pending.csrf, remember_me: 'false' },
      headers: { 'User-Agent': OAUTH_UA, Cookie: cookieHeader(pending.jar) },
      expect: 'text',
      auth: false,
      label: 'Blink 2FA',
    });
    await this.finishLogin(pending);
    this.pending = undefined;
  }

  private async finishLogin(login: PendingLogin): Promise<void> {
    const res = await this.oauth.request<string>({
      method: 'GET',
      path: '/oauth/v2/authorize',
      headers: { 'User-Agent': OAUTH_UA, Cookie: cookieHeader(login.jar) },
      expect: 'text',
      auth: false,
      coalesce: false,
      maxRedirects: 0,
      label: 'Blink login',
    });
    const location = res.headers.location ?? '';
    let code: string | null = null;
    let state: string | null = null;
    try {
      const url = new URL(location, 'immedia-blink://applinks.blink.com/');
      code = url.searchParams.get('code');
      state = url.searchParams.get('state');
    } catch {
      code = null;
    }
    if (!code || (state !== null && state !== login.state)) {
      throw new CamhubError(
        'CLOUD_ERROR',
        'The Blink login did not hand back an authorization code. Sign in again from the Blink account node.',
      );
    }
    const reply = (
      await this.oauth.request<BlinkTokenReply>({
        method: 'POST',
        path: '/oauth/token',
        form: {
          app_brand: 'blink',
          client_id: CLIENT_ID,
          code,
          code_verifier: login.verifier,
          grant_type: 'authorization_code',
          hardware_id: this.session.hardwareId,
          redirect_uri: REDIRECT_URI,
          scope: 'client',
        },
        headers: { 'User-Agent': TOKEN_UA },
        auth: false,
        label: 'Blink login',
      })
    ).data;
    await this.takeTokens(reply);
  }

  // --- REST --------------------------------------------------------------------------------------

  private async rest<T>(req: HttpRequest): Promise<{ data: T; headers: Record<string, string> }> {
    await this.ensure();
    const path = /^https?:\/\//i.test(req.path)
      ? req.path
      : this.hosts.tier(this.session.tier ?? 'prod') + req.path;
    const res = await this.api.request<T>({ ...req, path });
    return { data: res.data, headers: res.headers };
  }

  private acct(rest: string): string {
    return `/api/v1/accounts/${this.accountId}${rest}`;
  }

  async homescreen(fresh = false): Promise<BlinkHomescreen> {
    await this.ensure();
    return (
      await this.rest<BlinkHomescreen>({
        method: 'GET',
        path: `/api/v3/accounts/${this.accountId}/homescreen`,
        // A read after a command must not join a read that started before it completed.
        coalesce: !fresh,
        label: 'Reading the Blink homescreen',
      })
    ).data;
  }

  async armNetwork(network: number, arm: boolean, label: string): Promise<BlinkCommandReply> {
    await this.ensure();
    return (
      await this.rest<BlinkCommandReply>({
        method: 'POST',
        path: this.acct(`/networks/${network}/state/${arm ? 'arm' : 'disarm'}`),
        label,
      })
    ).data;
  }

  async setMotion(
    kind: BlinkKind,
    network: number,
    id: number,
    enabled: boolean,
    label: string,
  ): Promise<BlinkCommandReply> {
    await this.ensure();
    const action = enabled ? 'enable' : 'disable';
    const req: HttpRequest =
      kind === 'owl'
        ? {
            method: 'POST',
            path: this.acct(`/networks/${network}/owls/${id}/config`),
            body: { enabled },
            label,
          }
        : kind === 'doorbell'
          ? {
              method: 'POST',
              path: this.acct(`/networks/${network}/doorbells/${id}/${action}`),
              label,
            }
          : { method: 'POST', path: `/network/${network}/camera/${id}/${action}`, label };
    return (await this.rest<BlinkCommandReply>(req)).data;
  }

  async cameraConfig(network: number, id: number, label: string): Promise<BlinkCameraConfig> {
    return (
      await this.rest<BlinkCameraConfig>({
        method: 'GET',
        path: `/network/${network}/camera/${id}/config`,
        coalesce: false,
        label,
      })
    ).data;
  }

  /** Seed "Update Camera Config": a sync-module command, polled like the others. */
  async updateCamera(
    network: number,
    id: number,
    settings: Record<string, unknown>,
    label: string,
  ): Promise<BlinkCommandReply> {
    return (
      await this.rest<BlinkCommandReply>({
        method: 'POST',
        path: `/network/${network}/camera/${id}/update`,
        body: settings,
        label,
      })
    ).data;
  }

  async requestThumbnail(
    kind: BlinkKind,
    network: number,
    id: number,
    label: string,
  ): Promise<BlinkCommandReply> {
    await this.ensure();
    const path =
      kind === 'owl'
        ? this.acct(`/networks/${network}/owls/${id}/thumbnail`)
        : kind === 'doorbell'
          ? this.acct(`/networks/${network}/doorbells/${id}/thumbnail`)
          : `/network/${network}/camera/${id}/thumbnail`;
    return (await this.rest<BlinkCommandReply>({ method: 'POST', path, label })).data;
  }

  async commandStatus(network: number, id: number, label: string): Promise<BlinkCommandStatus> {
    return (
      await this.rest<BlinkCommandStatus>({
        method: 'GET',
        path: `/network/${network}/command/${id}`,
        coalesce: false,
        label,
      })
    ).data;
  }

  async liveview(
    kind: BlinkKind,
    network: number,
    id: number,
    label: string,
  ): Promise<BlinkLiveviewReply> {
    await this.ensure();
    const a = this.accountId;
    const path =
      kind === 'camera'
        ? `/api/v6/accounts/${a}/networks/${network}/cameras/${id}/liveview`
        : `/api/v2/accounts/${a}/networks/${network}/${kind === 'owl' ? 'owls' : 'doorbells'}/${id}/liveview`;
    return (
      await this.rest<BlinkLiveviewReply>({
        method: 'POST',
        path,
        body: { intent: 'liveview', motion_event_start_time: null },
        label,
      })
    ).data;
  }

  async mediaChanged(sinceMs: number, page: number): Promise<BlinkMediaPage> {
    await this.ensure();
    return (
      await this.rest<BlinkMediaPage>({
        method: 'GET',
        path: this.acct('/media/changed'),
        query: { since: blinkSince(sinceMs), page },
        label: 'Polling Blink for new clips',
      })
    ).data;
  }

  /**
   * The image URL of a homescreen thumbnail field, in any of its three forms: a path without
   * extension (add .jpg), a path ending in `&ext=` (as is), or a bare timestamp (build the v3 URL).
   */
  async thumbnailUrl(
    field: string | number,
    device: { network: number; type: string; id: number },
  ): Promise<string> {
    await this.ensure();
    const base = this.hosts.tier(this.session.tier ?? 'prod');
    const text = String(field).trim();
    if (/^\d+$/.test(text)) {
      return `${base}/api/v3/media/accounts/${this.accountId}/networks/${device.network}/${device.type}/${device.id}/thumbnail/thumbnail.jpg?ts=${text}&ext=`;
    }
    if (/^https?:\/\//i.test(text)) return text;
    const path = text.startsWith('/') ? text : `/${text}`;
    if (path.includes('?') || /\.jpe?g$/i.test(path)) return base + path;
    return `${base}${path}.jpg`;
  }

  /**
   * A clip file, by the `media` path its media/changed entry hands out (vendor-facts 1.8). It
   * needs the account's bearer token, so only camhub can fetch it; streamed and capped.
   */
  async clip(path: string, maxBytes: number, deadlineMs: number, label: string): Promise<Buffer> {
    await this.ensure();
    const url = /^https?:\/\//i.test(path)
      ? path
      : this.hosts.tier(this.session.tier ?? 'prod') + (path.startsWith('/') ? '' : '/') + path;
    const res = await this.api.download(
      { method: 'GET', path: url, timeoutMs: deadlineMs, label },
      maxBytes,
    );
    return res.data;
  }

  async image(url: string, label: string): Promise<{ image: Buffer; contentType: string }> {
    const res = await this.rest<Buffer>({ method: 'GET', path: url, expect: 'buffer', label });
    return { image: res.data, contentType: res.headers['content-type'] ?? '' };
  }
}
