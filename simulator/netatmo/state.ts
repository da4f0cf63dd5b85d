import { createHmac, randomBytes } from 'node:crypto';
import {
  CAMERA_SCOPES,
  NETATMO_HOMES,
  NETATMO_MODULES,
  NETATMO_PERSONS,
  NETATMO_USER,
  type HomeSeed,
  type ModuleSeed,
  type PersonSeed,
  type Scope,
} from './seed';
import { resetVod, startVideo } from './vod';

/** An error the API answers as `{"error":{"code","message"}}`. */
export class NetatmoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'NetatmoApiError';
  }
}

/** An OAuth error, answered as `{"error":"<name>"}` like the token endpoint does. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
    this.name = 'OAuthError';
  }
}

export const apiErrors = {
  tokenMissing: () => new NetatmoApiError(401, 1, 'Access token is missing'),
  invalidToken: () => new NetatmoApiError(403, 2, 'Invalid access token'),
  expiredToken: () => new NetatmoApiError(403, 3, 'Access token expired'),
  notFound: (what: string) => new NetatmoApiError(400, 9, `Device not found: ${what}`),
  missingArgs: (what: string) => new NetatmoApiError(400, 10, `Missing arguments: ${what}`),
  scope: () => new NetatmoApiError(403, 13, 'Application does not have the good scope rights'),
  invalidArg: (what: string) => new NetatmoApiError(400, 21, what),
  maxUsage: () => new NetatmoApiError(429, 26, 'Maximum api usage reached'),
  noMethod: () => new NetatmoApiError(404, 31, 'Method not found'),
  badJson: () => new NetatmoApiError(400, 40, 'Invalid JSON encoding'),
};

export interface NetatmoApp {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Scopes this app may be granted; the access_* ones need Netatmo's review. */
  scopes: Scope[];
  /** Redirect URIs set in the app's settings; empty accepts any http(s) URI (tests use random ports). */
  redirectUris: string[];
}

export interface QuotaLimit {
  limit: number;
  windowMs: number;
}

/** The documented per-user limits: 50 requests per 10 s and 500 per hour. */
export const DEFAULT_QUOTA: QuotaLimit[] = [
  { limit: 50, windowMs: 10_000 },
  { limit: 500, windowMs: 3_600_000 },
];

interface AuthCode {
  clientId: string;
  redirectUri: string;
  scopes: Scope[];
  expiresAt: number;
}

export interface TokenRecord {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  scopes: Scope[];
  accessExpiresAt: number;
  /** Set once the pair was rotated away; the refresh token then gets invalid_grant. */
  rotatedAt?: number;
  /** Access token forced to expire by the control API. */
  accessExpired?: boolean;
}

export interface ModuleState {
  seed: ModuleSeed;
  monitoring?: 'on' | 'off';
  floodlight?: 'on' | 'off' | 'auto';
  /** homestatus sd_status (vendor-facts 3.3): 1 missing ... 4 working, 5 defective, 7 no space. */
  sdStatus: number;
  /** homestatus alim_status: 1 incorrect power, 2 correct. */
  alimStatus: number;
  connected: boolean;
  /** Does the LAN address answer? Only matters where the camera says it is local. */
  lanReachable: boolean;
  /** The secret part of vpn_url; changes on every reconnect. */
  vpnToken: string;
  vpnIp: string;
  hash: string;
  snapshots: number;
  /** Which address served each snapshot, newest last: "vpn" or "local". */
  snapshotVia: ('vpn' | 'local')[];
}

export interface SubEvent {
  id: string;
  type: 'human' | 'animal' | 'vehicle';
  time: number;
  verified: boolean;
  offset: number;
  snapshot: { url: string };
  vignette: { url: string };
  message: string;
}

export interface SimEvent {
  id: string;
  type: string;
  time: number;
  module_id: string;
  message: string;
  video_id?: string;
  video_status?: 'available' | 'recording' | 'deleted';
  snapshot?: { url: string };
  vignette?: { url: string };
  person_id?: string;
  is_arrival?: boolean;
  subevents?: SubEvent[];
  /** Not on the wire: the home it belongs to. */
  homeId: string;
}

export interface WebhookDelivery {
  id: number;
  time: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  status: number | null;
  error?: string;
}

export interface NetatmoStateConfig {
  app: NetatmoApp;
  baseUrl: () => string;
  accessTokenTtlSec: number;
  quota: QuotaLimit[];
  /** The cameras; default the seed's five (NETATMO_MODULES). */
  modules?: readonly ModuleSeed[];
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** Netatmo ids look like Mongo ObjectIds: 24 hex digits, time first. */
let idCounter = 0;
export function objectId(): string {
  idCounter = (idCounter + 1) % 0xffffff;
  return (
    Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, '0') +
    hex(5) +
    idCounter.toString(16).padStart(6, '0')
  );
}

/** Failed pushes in a row that ban a webhook, and for how long (section 3.8 sources). */
export const WEBHOOK_BAN_AFTER = 5;
export const WEBHOOK_BAN_MS = 24 * 3600_000;

export function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The whole simulated cloud: the app, the user's tokens, homes, cameras, events and quota. */
export class NetatmoState {
  readonly homes: readonly HomeSeed[] = NETATMO_HOMES;
  readonly persons: readonly PersonSeed[] = NETATMO_PERSONS;
  modules = new Map<string, ModuleState>();
  events: SimEvent[] = [];
  tokens: TokenRecord[] = [];
  /** Webhook URLs registered with addwebhook, per client id. */
  webhooks = new Map<string, string>();
  /**
   * Banned apps (client id -> until, ms): five failed pushes in a row deactivate the webhook
   * for 24 h (section 3.8; ioBroker.netatmo#175 quotes Netatmo's "webhook banned" notice,
   * home-assistant/core#24002 Netatmo's "after 5 failures ... banned ... for the next 24h").
   */
  webhookBans = new Map<string, number>();
  /** Failed pushes in a row per registered URL; any 200 resets it. */
  webhookFailures = new Map<string, number>();
  deliveries: WebhookDelivery[] = [];
  /** How long a webhook POST travels to the receiver: the server's one-way latency. */
  webhookDelayMs: () => number = () => 0;
  personsAway = new Set<string>();
  /** Event pictures served by getcamerapicture: image id -> key. */
  pictures = new Map<string, string>();
  private codes = new Map<string, AuthCode>();
  private calls: number[] = [];
  private deliveryId = 1;
  quota: QuotaLimit[];

  constructor(readonly config: NetatmoStateConfig) {
    this.quota = config.quota;
    this.reset();
  }

  reset(): void {
    resetVod(this);
    this.modules.clear();
    for (const seed of this.config.modules ?? NETATMO_MODULES) {
      this.modules.set(seed.id, {
        seed,
        monitoring: seed.monitoring,
        floodlight: seed.floodlight,
        sdStatus: 4,
        alimStatus: 2,
        connected: true,
        lanReachable: seed.isLocal,
        vpnToken: randomBytes(24).toString('base64url'),
        vpnIp: `10.255.${Number.parseInt(seed.id.slice(-2), 16)}.${1 + Math.floor(Math.random() * 250)}`,
        hash: hex(16),
        snapshots: 0,
        snapshotVia: [],
      });
    }
    this.events = [];
    this.tokens = [];
    this.webhooks.clear();
    this.webhookBans.clear();
    this.webhookFailures.clear();
    this.deliveries = [];
    this.personsAway.clear();
    this.pictures.clear();
    this.codes.clear();
    this.calls = [];
    this.quota = this.config.quota;
  }

  // ---- OAuth ----

  issueCode(clientId: string, redirectUri: string, scopes: Scope[]): string {
    const code = hex(16);
    this.codes.set(code, { clientId, redirectUri, scopes, expiresAt: Date.now() + 600_000 });
    return code;
  }

  checkClient(clientId: string | null, clientSecret: string | null): void {
    const app = this.config.app;
    if (clientId !== app.clientId || clientSecret !== app.clientSecret) {
      throw new OAuthError(400, 'invalid_client');
    }
  }

  /** authorization_code grant: the code is single-use and bound to its redirect URI. */
  exchangeCode(code: string | null, redirectUri: string | null): TokenRecord {
    const entry = code ? this.codes.get(code) : undefined;
    if (code) this.codes.delete(code);
    if (!entry || entry.expiresAt < Date.now() || entry.redirectUri !== redirectUri) {
      throw new OAuthError(400, 'invalid_grant');
    }
    return this.newTokens(entry.clientId, entry.scopes);
  }

  /** refresh_token grant with rotation: the old pair dies at once. */
  refresh(refreshToken: string | null): TokenRecord {
    const old = this.tokens.find((t) => t.refreshToken === refreshToken);
    if (!old || old.rotatedAt !== undefined) throw new OAuthError(400, 'invalid_grant');
    old.rotatedAt = Date.now();
    return this.newTokens(old.clientId, old.scopes);
  }

  private newTokens(clientId: string, scopes: Scope[]): TokenRecord {
    const record: TokenRecord = {
      accessToken: `${NETATMO_USER.id}|${hex(16)}`,
      refreshToken: `${NETATMO_USER.id}|${hex(16)}`,
      clientId,
      scopes,
      accessExpiresAt: Date.now() + this.config.accessTokenTtlSec * 1000,
    };
    this.tokens.push(record);
    return record;
  }

  expireAccessTokens(): number {
    let n = 0;
    for (const t of this.tokens) {
      if (t.rotatedAt === undefined && !t.accessExpired) {
        t.accessExpired = true;
        n++;
      }
    }
    return n;
  }

  /** The token record behind a bearer token, or the error the API answers. */
  authenticate(accessToken: string | undefined): TokenRecord {
    if (!accessToken) throw apiErrors.tokenMissing();
    const record = this.tokens.find((t) => t.accessToken === accessToken);
    if (!record || record.rotatedAt !== undefined) throw apiErrors.invalidToken();
    if (record.accessExpired || record.accessExpiresAt <= Date.now()) {
      throw apiErrors.expiredToken();
    }
    return record;
  }

  /** Counts one call against the user's quota; throws code 26 when a window is full. */
  takeQuota(): void {
    const now = Date.now();
    const longest = Math.max(0, ...this.quota.map((q) => q.windowMs));
    this.calls = this.calls.filter((t) => t > now - longest);
    for (const q of this.quota) {
      const inWindow = this.calls.filter((t) => t > now - q.windowMs).length;
      if (inWindow >= q.limit) throw apiErrors.maxUsage();
    }
    this.calls.push(now);
  }

  // ---- homes and cameras ----

  home(id: string | null | undefined): HomeSeed {
    const home = this.homes.find((h) => h.id === id);
    if (!home) throw apiErrors.notFound(`home ${String(id)}`);
    return home;
  }

  modulesOf(homeId: string): ModuleState[] {
    return [...this.modules.values()].filter((m) => m.seed.homeId === homeId);
  }

  vpnUrl(m: ModuleState): string {
    return `${this.config.baseUrl()}/restricted/${m.vpnIp}/${m.hash}/${m.vpnToken},,`;
  }

  localUrl(m: ModuleState): string {
    return `${this.config.baseUrl()}/local/${m.hash}`;
  }

  /** Finds the camera a vpn_url path points at; a stale token (before a reconnect) finds none. */
  byVpn(ip: string, hash: string, token: string): ModuleState | undefined {
    const m = [...this.modules.values()].find((x) => x.hash === hash && x.vpnIp === ip);
    if (!m || !m.connected || `${m.vpnToken},,` !== token) return undefined;
    return m;
  }

  byLocal(hash: string): ModuleState | undefined {
    return [...this.modules.values()].find((x) => x.hash === hash);
  }

  /** A camera dropping off: events stop and its vpn_url dies. */
  disconnect(id: string): boolean {
    const m = this.modules.get(id);
    if (!m) return false;
    if (m.connected) {
      m.connected = false;
      this.addEvent(m, 'disconnection', `${m.seed.name} disconnected`);
    }
    return true;
  }

  /** A camera coming back gets a new vpn_url, as the real one does. */
  reconnect(id: string): boolean {
    const m = this.modules.get(id);
    if (!m) return false;
    if (!m.connected) {
      m.connected = true;
      m.vpnToken = randomBytes(24).toString('base64url');
      m.vpnIp = `10.255.${Number.parseInt(m.seed.id.slice(-2), 16)}.${1 + Math.floor(Math.random() * 250)}`;
      this.addEvent(m, 'connection', `${m.seed.name} connected`);
    }
    return true;
  }

  picture(): { id: string; key: string; url: string } {
    const id = objectId();
    const key = hex(32);
    this.pictures.set(id, key);
    // snapshot_url is a plain public link on Netatmo's image store, fetched with no token
    // (vendor-facts 3.8 lists it on every push); snapshot_id and snapshot_key go through
    // getcamerapicture, which wants the access token like every API call (seed netatmo-api.md
    // "GET /getcamerapicture").
    return {
      id,
      key,
      url: `${this.config.baseUrl()}/netatmocameraimage/production/${id}${key}.jpg`,
    };
  }

  addEvent(m: ModuleState, type: string, message: string, extra: Partial<SimEvent> = {}): SimEvent {
    const pic = this.picture();
    const event: SimEvent = {
      id: objectId(),
      type,
      time: Math.floor(Date.now() / 1000),
      module_id: m.seed.id,
      message,
      homeId: m.seed.homeId,
      ...(['connection', 'disconnection'].includes(type)
        ? {}
        : {
            video_id: randomBytes(16).toString('hex'),
            video_status: 'available' as const,
            snapshot: { url: pic.url },
            vignette: { url: pic.url },
          }),
      ...extra,
    };
    startVideo(this, m, event);
    this.events.push(event);
    return event;
  }

  /** Events of a home, newest first, as getevents lists them. */
  eventsOf(homeId: string, deviceId?: string): SimEvent[] {
    return this.events
      .filter((e) => e.homeId === homeId && (!deviceId || e.module_id === deviceId))
      .reverse();
  }

  personName(id: string): string | undefined {
    return this.persons.find((p) => p.id === id)?.pseudo;
  }

  recordDelivery(d: Omit<WebhookDelivery, 'id' | 'time'>): WebhookDelivery {
    const entry = { id: this.deliveryId++, time: new Date().toISOString(), ...d };
    this.deliveries.push(entry);
    this.countDelivery(d.url, d.status === 200);
    return entry;
  }

  /** True while the app's webhook is banned; a lapsed ban is forgotten. */
  webhookBanned(clientId: string): boolean {
    const until = this.webhookBans.get(clientId);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.webhookBans.delete(clientId);
    return false;
  }

  /**
   * Netatmo counts failed pushes (no 200, or no answer within 10 s) per webhook; the fifth in
   * a row bans it: the registration is gone and nothing says so (section 3.8, sources above).
   */
  private countDelivery(url: string, ok: boolean): void {
    const owners = [...this.webhooks].filter(([, u]) => u === url).map(([id]) => id);
    if (owners.length === 0) return;
    const failures = ok ? 0 : (this.webhookFailures.get(url) ?? 0) + 1;
    this.webhookFailures.set(url, failures);
    if (failures < WEBHOOK_BAN_AFTER) return;
    for (const id of owners) this.banWebhook(id, WEBHOOK_BAN_MS);
  }

  banWebhook(clientId: string, ms: number): void {
    const url = this.webhooks.get(clientId);
    this.webhooks.delete(clientId);
    if (url) this.webhookFailures.delete(url);
    this.webhookBans.set(clientId, Date.now() + ms);
  }

  view(): unknown {
    return {
      user: NETATMO_USER,
      homes: this.homes.map((h) => ({
        ...h,
        modules: this.modulesOf(h.id).map((m) => ({
          id: m.seed.id,
          type: m.seed.type,
          name: m.seed.name,
          monitoring: m.monitoring ?? null,
          floodlight: m.floodlight ?? null,
          connected: m.connected,
          isLocal: m.seed.isLocal,
          lanReachable: m.lanReachable,
          vpnUrl: m.connected ? this.vpnUrl(m) : null,
          localUrl: this.localUrl(m),
          snapshots: m.snapshots,
          snapshotVia: [...m.snapshotVia],
        })),
      })),
      persons: this.persons.map((p) => ({ ...p, away: this.personsAway.has(p.id) })),
      events: this.events.length,
    };
  }
}

export const ALL_SCOPES: readonly Scope[] = CAMERA_SCOPES;
