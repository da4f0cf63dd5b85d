import { createHmac } from 'node:crypto';
import { AbortedError, RecentIds, sleep } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import { CamhubError, errors, toCamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type {
  ArmRequest,
  ArmState,
  AuthInput,
  AuthStep,
  CameraInfo,
  Capabilities,
  SecretStore,
  Snapshot,
  StreamInfo,
  StreamQuality,
  WebhookReply,
  WebhookRequest,
} from '../../core/provider';
import { redact } from '../../core/redact';
import { secretEquals } from '../../core/secret';
import { NETATMO_SCOPES, NetatmoClient } from './client';
import { fromPolledEvent, fromPush, namePersons, type RawEvent } from './events';
import {
  beginAuthorization,
  checkRedirectUri,
  forgetAuthorizations,
  type Authorizable,
} from './oauth';
import type { HomeStatusModule, NetatmoEvent, NetatmoPush } from './types';

export interface NetatmoProviderOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  store: SecretStore;
  log: Logger;
  timeoutMs?: number;
  /** Public URL of this account's webhook; when set, events are pushed instead of polled. */
  webhookUrl?: string;
  pollIntervalMs?: number;
  /** Events asked for per getevents page. */
  eventsPageSize?: number;
  rateLimitCooldownMs?: number;
}

/** One poll per home a minute: 60 calls an hour, well inside the 500 a user may make. */
export const DEFAULT_POLL_MS = 60_000;
const MAX_PAGES = 5;
/** vpn_url and monitoring change rarely; a short cache spares the quota. */
const STATUS_TTL_MS = 10_000;
/** A LAN address is only worth it when it answers at once. */
const LOCAL_PING_MS = 2_000;
const MONITORED: readonly string[] = ['NACamera', 'NOC', 'NPC'];
const MODELS: Record<string, string> = {
  NACamera: 'Welcome (indoor)',
  NOC: 'Presence (outdoor)',
  NDB: 'Video Doorbell',
  NPC: 'Indoor Camera Advance',
};
const HLS_QUALITY: Record<StreamQuality, 'high' | 'medium' | 'low'> = {
  main: 'high',
  extern: 'medium',
  sub: 'low',
};
const MAX_WEBHOOK_BODY = 64 * 1024;

interface Home {
  id: string;
  name: string;
  cameras: { id: string; type: string; name: string }[];
  persons: Map<string, string>;
}

interface HomeStatusEntry {
  at: number;
  modules: Map<string, HomeStatusModule>;
  away: Set<string>;
}

function capabilitiesFor(type: string): Capabilities {
  const doorbell = type === 'NDB';
  return {
    arm: MONITORED.includes(type),
    snapshot: true,
    ptz: false,
    zoom: false,
    focus: false,
    ptzDirections: [],
    // Home Assistant offers no stream for the doorbell either.
    streamProtocols: doorbell ? [] : ['hls'],
    streamQualities: doorbell ? [] : ['main', 'sub', 'extern'],
    battery: false,
  };
}

/** Camera ids are the module's MAC address, as Netatmo prints it. */
const CAMERA_ID = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export class NetatmoProvider extends BaseProvider implements Authorizable {
  readonly vendor = 'netatmo';
  readonly vendorLabel = 'Netatmo';
  private readonly client: NetatmoClient;
  private readonly opts: NetatmoProviderOptions;
  private homes = new Map<string, Home>();
  private readonly statuses = new Map<string, HomeStatusEntry>();
  /** Per vpn_url: the LAN address that answered, or null when only the vpn works. */
  private readonly localFor = new Map<string, string | null>();
  private readonly recent = new RecentIds();
  private pollAbort: AbortController | undefined;
  private pushActive = false;
  private readonly loggedPollErrors = new Set<string>();

  constructor(opts: NetatmoProviderOptions) {
    super(opts.log);
    this.opts = opts;
    this.client = new NetatmoClient({
      baseUrl: opts.baseUrl,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      store: opts.store,
      timeoutMs: opts.timeoutMs,
      rateLimitCooldownMs: opts.rateLimitCooldownMs,
      log: opts.log,
    });
  }

  get http() {
    return this.client.http;
  }

  secrets(): string[] {
    return this.client.secrets();
  }

  // ---- OAuth ----

  authorizeUrl(state: string, redirectUri: string): string {
    const url = new URL('/oauth2/authorize', this.opts.baseUrl);
    url.searchParams.set('client_id', this.opts.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('scope', NETATMO_SCOPES.join(' '));
    url.searchParams.set('state', state);
    return url.toString();
  }

  async completeAuthorization(code: string, redirectUri: string): Promise<void> {
    await this.track(async () => {
      if (this.closed) {
        throw new CamhubError(
          'NOT_CONFIGURED',
          'The account was redeployed during the login. Press "Connect to Netatmo" again.',
        );
      }
      await this.client.exchangeCode(code, redirectUri);
    });
    this.statuses.clear();
    void this.listCameras({ refresh: true }).catch(() => undefined);
    if (this.subscriberCount > 0) this.registerWebhook();
  }

  async authStep(input: AuthInput): Promise<AuthStep> {
    if (input.action === 'disconnect') {
      await this.client.disconnect();
      this.setState({ state: 'idle' });
      return { state: 'idle', message: 'Disconnected from Netatmo; the saved login is deleted.' };
    }
    if (!this.opts.clientId || !this.opts.clientSecret) {
      throw new CamhubError(
        'NOT_CONFIGURED',
        'Enter the client id and client secret of your Netatmo app, deploy, then press Connect.',
      );
    }
    const redirectUri = checkRedirectUri(input.redirectUri);
    return {
      state: 'connecting',
      next: 'authorize',
      url: beginAuthorization(this, redirectUri),
      message: 'Log in at Netatmo and press Accept; this account connects when you come back.',
    };
  }

  // ---- cameras ----

  private async loadHomes(): Promise<Map<string, Home>> {
    const data = await this.client.homesData();
    const homes = new Map<string, Home>();
    for (const h of data.body?.homes ?? []) {
      if (typeof h?.id !== 'string') continue;
      homes.set(h.id, {
        id: h.id,
        name: h.name ?? h.id,
        cameras: (h.modules ?? [])
          .filter((m) => typeof m?.id === 'string' && m.type in MODELS)
          .map((m) => ({ id: m.id, type: m.type, name: m.name || m.id })),
        persons: new Map(
          (h.persons ?? [])
            .filter((p) => typeof p?.id === 'string' && typeof p.pseudo === 'string')
            .map((p) => [p.id, p.pseudo as string]),
        ),
      });
    }
    this.homes = homes;
    return homes;
  }

  protected async fetchCameras(): Promise<CameraInfo[]> {
    const homes = await this.loadHomes();
    const out: CameraInfo[] = [];
    for (const home of homes.values()) {
      if (home.cameras.length === 0) continue;
      const status = await this.status(home.id, true);
      for (const cam of home.cameras) {
        out.push({
          id: cam.id,
          name: cam.name,
          model: MODELS[cam.type] ?? cam.type,
          vendor: this.vendor,
          // homestatus leaves an unreachable camera out (errors[] code 6).
          online: status.modules.has(cam.id) && !status.away.has(cam.id),
          capabilities: capabilitiesFor(cam.type),
        });
      }
    }
    return out;
  }

  private async status(homeId: string, fresh = false): Promise<HomeStatusEntry> {
    const cached = this.statuses.get(homeId);
    if (!fresh && cached && Date.now() - cached.at < STATUS_TTL_MS) return cached;
    const reply = await this.client.homeStatus(homeId);
    const modules = new Map<string, HomeStatusModule>();
    for (const m of reply.body?.home?.modules ?? []) {
      if (typeof m?.id === 'string') modules.set(m.id, m);
    }
    const away = new Set(
      (reply.body?.errors ?? []).map((e) => e?.id).filter((id): id is string => !!id),
    );
    const entry = { at: Date.now(), modules, away };
    this.statuses.set(homeId, entry);
    return entry;
  }

  private homeOf(cameraId: string): Home {
    for (const h of this.homes.values()) if (h.cameras.some((c) => c.id === cameraId)) return h;
    throw errors.unknownCamera(cameraId, this.vendorLabel, []);
  }

  private async camera(id: string): Promise<{ cam: CameraInfo; home: Home }> {
    if (!CAMERA_ID.test(id)) {
      const known = (await this.listCameras()).map((c) => `${c.id} (${c.name})`);
      throw errors.unknownCamera(id, this.vendorLabel, known);
    }
    const cam = await this.getCamera(id.toLowerCase());
    return { cam, home: this.homeOf(cam.id) };
  }

  /** The camera's current homestatus entry; OFFLINE when Netatmo cannot reach it. */
  private async moduleStatus(
    cam: CameraInfo,
    home: Home,
    fresh: boolean,
  ): Promise<HomeStatusModule> {
    const st = await this.status(home.id, fresh);
    const mod = st.modules.get(cam.id);
    if (!mod || st.away.has(cam.id)) throw errors.offline(cam.name);
    return mod;
  }

  // ---- arm ----

  private scopeOf(request?: ArmRequest): 'camera' | 'home' {
    const scope = request?.scope ?? '';
    if (scope === '' || scope === 'camera') return 'camera';
    if (scope === 'home') return 'home';
    throw errors.invalidInput(
      `armScope "${scope.slice(0, 20)}" does not apply to Netatmo: use "camera" or "home".`,
    );
  }

  async getArmState(cameraId: string, request?: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const scope = this.scopeOf(request);
      const { cam, home } = await this.camera(cameraId);
      if (scope === 'camera') {
        this.requireCapability(cam, (c) => c.arm, 'turn monitoring on or off');
      }
      const st = await this.status(home.id, true);
      return {
        armed: this.armedIn(st, scope === 'home' ? this.monitored(home) : [cam.id]),
        mode: null,
      };
    });
  }

  private monitored(home: Home): string[] {
    return home.cameras.filter((c) => MONITORED.includes(c.type)).map((c) => c.id);
  }

  /** Armed when every reachable camera in scope has monitoring on. */
  private armedIn(st: HomeStatusEntry, ids: string[]): boolean {
    const reachable = ids.map((id) => st.modules.get(id)).filter((m) => m !== undefined);
    return reachable.length > 0 && reachable.every((m) => m.monitoring === 'on');
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const scope = this.scopeOf(request);
      if (request.mode !== undefined) {
        throw errors.notSupported(
          `Netatmo has no modes ("${request.mode.slice(0, 40)}"): send "arm" or "disarm", which turn monitoring on or off.`,
          [],
        );
      }
      const { cam, home } = await this.camera(cameraId);
      if (scope === 'camera') {
        this.requireCapability(cam, (c) => c.arm, 'turn monitoring on or off');
      }
      const ids = scope === 'home' ? this.monitored(home) : [cam.id];
      if (ids.length === 0) {
        throw errors.notSupported(`The home "${home.name}" has no camera with monitoring.`, []);
      }
      const monitoring = request.armed ? 'on' : 'off';
      const reply = await this.client.setState(
        home.id,
        ids.map((id) => ({ id, monitoring })),
        `Turning monitoring ${monitoring} for ${scope === 'home' ? `home "${home.name}"` : `"${cam.name}"`}`,
      );
      // "Already on" (23) leaves the camera as asked; anything else did not happen.
      const failed = (reply.body?.errors ?? []).filter((e) => e && e.code !== 23);
      // setstate names every module it could not change in its reply (vendor-facts 3.4), so
      // the others are as asked: the kept status is brought up to date instead of read again,
      // which would cost a round trip and a request of the quota.
      const bad = new Set(failed.map((e) => e.id));
      const kept = this.statuses.get(home.id);
      for (const id of ids) {
        const m = kept?.modules.get(id);
        if (m && !bad.has(id)) kept?.modules.set(id, { ...m, monitoring });
      }
      if (failed.length > 0) throw this.partialFailure(home, ids, failed, monitoring);
      return { armed: request.armed === true, mode: null };
    });
  }

  private partialFailure(
    home: Home,
    ids: string[],
    failed: { code?: number; message?: string; id?: string }[],
    monitoring: string,
  ): CamhubError {
    const name = (id?: string) => home.cameras.find((c) => c.id === id)?.name ?? id ?? '?';
    const bad = new Set(failed.map((f) => f.id));
    const done = ids.filter((id) => !bad.has(id)).map(name);
    const what = failed.map((f) => `${name(f.id)} (${f.message ?? 'error'}, code ${f.code})`);
    const unreachable = failed.every((f) => f.code === 6 || f.code === 41);
    return new CamhubError(
      unreachable ? 'OFFLINE' : 'CLOUD_ERROR',
      `${done.length ? `Monitoring is now ${monitoring} for ${done.join(', ')}, but ` : ''}Netatmo could not turn it ${monitoring} for ${what.join(', ')}. ` +
        (unreachable
          ? 'Check the power and network of that camera, then send the command again.'
          : 'Send the command again; if it keeps failing, check the camera in the Netatmo app.'),
      { vendorCode: String(failed[0].code ?? '') },
    );
  }

  // ---- pictures and streams ----

  /**
   * The camera's address: its local_url when the camera says it is on this LAN and its ping
   * answers from here, else the vpn_url. Cached until vpn_url changes.
   */
  private async cameraBase(mod: HomeStatusModule): Promise<string> {
    const vpn = mod.vpn_url as string;
    if (!mod.is_local) return vpn;
    if (!this.localFor.has(vpn)) {
      let local: string | null = null;
      try {
        const ping = await this.client.ping(vpn);
        if (typeof ping.local_url === 'string' && /^https?:\/\//.test(ping.local_url)) {
          const lan = await this.client.ping(ping.local_url, LOCAL_PING_MS);
          if (lan && typeof lan === 'object') local = ping.local_url;
        }
      } catch {
        local = null;
      }
      this.localFor.set(vpn, local);
    }
    return this.localFor.get(vpn) ?? vpn;
  }

  /** A request to the camera itself, retried once with a fresh vpn_url when the old one died. */
  private async fromCamera<T>(
    cam: CameraInfo,
    home: Home,
    fn: (base: string) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const mod = await this.moduleStatus(cam, home, attempt > 0);
      if (typeof mod.vpn_url !== 'string' || !mod.vpn_url) throw errors.offline(cam.name);
      const base = await this.cameraBase(mod);
      try {
        return await fn(base);
      } catch (err) {
        const e = toCamhubError(err);
        // A 404 or a dead socket means the camera reconnected and has a new vpn_url.
        const stale = e.status === 404 || (e.code === 'CLOUD_ERROR' && e.status === undefined);
        this.localFor.delete(mod.vpn_url);
        if (stale && attempt === 0 && !this.closed) {
          this.statuses.delete(home.id);
          continue;
        }
        if (stale || e.code === 'TIMEOUT') {
          throw new CamhubError(
            e.code === 'TIMEOUT' ? 'TIMEOUT' : 'OFFLINE',
            `Camera "${cam.name}" did not answer through Netatmo. Check its power and network; the next msg tries again.`,
            { status: e.status },
          );
        }
        throw e;
      }
    }
  }

  async snapshot(cameraId: string): Promise<Snapshot> {
    return this.track(async () => {
      const { cam, home } = await this.camera(cameraId);
      const label = `Snapshot of "${cam.name}"`;
      const res = await this.fromCamera(cam, home, (base) =>
        this.client.camera.request<Buffer>({
          method: 'GET',
          path: `${base}/live/snapshot_720.jpg`,
          expect: 'buffer',
          auth: false,
          coalesce: false,
          label,
        }),
      );
      const type = (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const image = res.data;
      if (type !== 'image/jpeg' || image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${label}: the camera sent ${type || 'data'} instead of a JPEG picture. Try again; if it persists, restart the camera.`,
        );
      }
      return { image, contentType: 'image/jpeg', time: new Date().toISOString() };
    });
  }

  async ptz(cameraId: string): Promise<void> {
    return this.track(async () => {
      const { cam } = await this.camera(cameraId);
      this.requireCapability(cam, (c) => c.ptz, 'pan, tilt, zoom or focus (no Netatmo camera can)');
    });
  }

  async streamUrl(
    cameraId: string,
    options: { quality?: StreamQuality } = {},
  ): Promise<StreamInfo> {
    return this.track(async () => {
      const { cam, home } = await this.camera(cameraId);
      this.requireCapability(cam, (c) => c.streamProtocols.includes('hls'), 'stream live video');
      const quality = HLS_QUALITY[options.quality ?? 'main'];
      const mod = await this.moduleStatus(cam, home, true);
      if (typeof mod.vpn_url !== 'string' || !mod.vpn_url) throw errors.offline(cam.name);
      const base = await this.cameraBase(mod);
      // No expiry is given: the URL works until the camera reconnects and gets a new vpn_url.
      return { url: `${base}/live/files/${quality}/index.m3u8`, protocol: 'hls', expiresAt: null };
    });
  }

  // ---- events ----

  protected startEvents(): void {
    this.pollAbort = new AbortController();
    const signal = this.pollAbort.signal;
    void this.runPollers(signal);
    this.registerWebhook();
  }

  protected stopEvents(): void {
    this.pollAbort?.abort();
    this.pollAbort = undefined;
  }

  protected closeClient(): void {
    forgetAuthorizations(this);
    this.client.close();
  }

  private registerWebhook(): void {
    const url = this.opts.webhookUrl;
    if (!url || !this.client.connected) return;
    this.client.addWebhook(url).then(
      () => this.log.info('Netatmo webhook registered; waiting for its activation call'),
      (err: unknown) =>
        this.log.warn(
          `registering the webhook failed, events are polled instead: ${redact(toCamhubError(err).message, this.secrets())}`,
        ),
    );
  }

  /** One poller per home, each with its own cursor, until the webhook takes over. */
  private async runPollers(signal: AbortSignal): Promise<void> {
    const started = new Map<string, Promise<void>>();
    const interval = this.opts.pollIntervalMs ?? DEFAULT_POLL_MS;
    while (!signal.aborted) {
      try {
        const homes = this.homes.size ? this.homes : await this.loadHomes();
        for (const home of homes.values()) {
          if (!started.has(home.id)) started.set(home.id, this.pollHome(home.id, signal));
        }
        await Promise.all(started.values());
        return;
      } catch (err) {
        this.pollFailed(err);
        try {
          await sleep(this.pollWait(err, interval), signal);
        } catch {
          return;
        }
      }
    }
  }

  private pollWait(err: unknown, interval: number): number {
    const e = toCamhubError(err);
    return e.code === 'RATE_LIMITED' ? Math.max(interval, e.retryAfterMs ?? interval) : interval;
  }

  private pollFailed(err: unknown): void {
    if (err instanceof AbortedError || this.closed) return;
    const e = toCamhubError(err);
    // Said once per kind of failure, so a disconnected account does not flood the log.
    if (!this.loggedPollErrors.has(e.code)) {
      this.loggedPollErrors.add(e.code);
      this.log.warn(`polling Netatmo events failed: ${redact(e.message, this.secrets())}`);
    }
  }

  private async pollHome(homeId: string, signal: AbortSignal): Promise<void> {
    const interval = this.opts.pollIntervalMs ?? DEFAULT_POLL_MS;
    const size = this.opts.eventsPageSize ?? 30;
    // Events from before the node started are history, not news.
    let since = Math.floor(Date.now() / 1000);
    let wait = 0;
    while (!signal.aborted) {
      try {
        await sleep(wait, signal);
      } catch {
        return;
      }
      wait = interval;
      if (this.pushActive) continue;
      try {
        const fresh = await this.pollOnce(homeId, size, since);
        this.loggedPollErrors.clear();
        if (!signal.aborted) {
          for (const e of fresh) {
            since = Math.max(since, e.time ?? since);
            this.deliver(e);
          }
        }
      } catch (err) {
        this.pollFailed(err);
        wait = this.pollWait(err, interval);
      }
    }
  }

  /**
   * New events of one home, oldest first. Pages back with the cursor until it reaches events
   * older than the last poll, never asking the same cursor twice; events the webhook already
   * delivered are skipped by id, not taken as the end, so an older unseen one is not lost.
   */
  private async pollOnce(homeId: string, size: number, since: number): Promise<RawEvent[]> {
    const found: NetatmoEvent[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const reply = await this.client.getEvents(homeId, size, cursor);
      const events = reply.body?.home?.events ?? [];
      let reachedOld = false;
      for (const e of events) {
        if (typeof e?.id !== 'string') continue;
        if ((e.time ?? 0) < since) {
          reachedOld = true;
          break;
        }
        found.push(e);
      }
      const last = events.at(-1)?.id;
      if (reachedOld || events.length < size || !last || last === cursor) break;
      cursor = last;
    }
    return found.reverse().flatMap((e) => fromPolledEvent(e, homeId));
  }

  private deliver(e: RawEvent): void {
    if (!this.recent.add(e.eventId)) return;
    const home = (e.homeId && this.homes.get(e.homeId)) || this.homesOfCamera(e.cameraId);
    const cached = this.cachedCamera(e.cameraId);
    const name = cached?.name ?? home?.cameras.find((c) => c.id === e.cameraId)?.name ?? e.cameraId;
    this.emit({
      vendor: this.vendor,
      camera: { id: e.cameraId, name },
      type: e.type,
      // A push has no time of its own; its arrival is the best there is.
      time: new Date(e.time !== undefined ? e.time * 1000 : Date.now()).toISOString(),
      eventId: e.eventId,
      raw: e.raw,
      ...(e.personIds.length
        ? { persons: namePersons(e.personIds, home?.persons ?? new Map()) }
        : {}),
    });
  }

  private homesOfCamera(cameraId: string): Home | undefined {
    for (const h of this.homes.values()) if (h.cameras.some((c) => c.id === cameraId)) return h;
    return undefined;
  }

  override async handleWebhook(req: WebhookRequest): Promise<WebhookReply> {
    if (req.method !== 'POST') return { status: 405, body: 'POST only' };
    if (req.body.length > MAX_WEBHOOK_BODY) return { status: 413, body: 'too large' };
    const header = req.headers['x-netatmo-secret'];
    const presented = Array.isArray(header) ? header[0] : header;
    const expected = createHmac('sha256', this.opts.clientSecret).update(req.body).digest('hex');
    if (!this.opts.clientSecret || !secretEquals(presented?.toLowerCase(), expected)) {
      return { status: 401, body: 'unauthorized' };
    }
    let push: NetatmoPush;
    try {
      push = JSON.parse(req.body.toString('utf8')) as NetatmoPush;
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    if (!push || typeof push !== 'object') return { status: 400, body: 'body is not an object' };
    if (push.push_type === 'webhook_activation') {
      this.pushActive = true;
      this.log.info('Netatmo webhook active; polling stops');
      return { status: 200 };
    }
    // Netatmo wants a quick answer; names and cache refreshes happen after it.
    setImmediate(() => void this.onPush(push));
    return { status: 200 };
  }

  private async onPush(push: NetatmoPush): Promise<void> {
    if (this.closed) return;
    const kind = push.event_type ?? push.push_type?.split('-').slice(1).join('-');
    if (kind === 'connection' || kind === 'disconnection') {
      // A reconnected camera has a new vpn_url.
      if (push.home_id) this.statuses.delete(push.home_id);
      void this.listCameras({ refresh: true }).catch(() => undefined);
      return;
    }
    const event = fromPush(push);
    if (!event) return;
    if (this.homes.size === 0 || !this.homesOfCamera(event.cameraId)) {
      await this.listCameras({ refresh: true }).catch(() => undefined);
    }
    // Pushes for homes this account does not have are not ours to report.
    if (!this.homesOfCamera(event.cameraId)) return;
    this.deliver(event);
  }
}
