import { createHmac } from 'node:crypto';
import { AbortedError, RecentIds, sleep } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import {
  resolvePersons,
  type ControlRequest,
  type ControlValues,
  type DeviceStatus,
} from '../../core/device';
import { CamhubError, errors, toCamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type {
  CameraEvent,
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
import { moduleStatus, personsOf } from './device';
import type {
  HomeStatusModule,
  HomeStatusPerson,
  NetatmoEvent,
  NetatmoPicture,
  NetatmoPush,
} from './types';
import {
  type EventClipRef,
  type Recording,
  type RecordingRange,
  splitRecordingId,
  waitForClip,
} from '../../core/recordings';
import { checkVideoId, sdProblem, toRecording as netatmoRecording } from './recordings';

/** getevents pages read for one recordings list at most. */
const RECORDING_PAGES = 20;
const RECORDING_PAGE_SIZE = 50;

export interface NetatmoProviderOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  store: SecretStore;
  log: Logger;
  gate?: LoginGate;
  timeoutMs?: number;
  /** How long an event's video is waited for while the camera still records it. */
  commandTimeoutMs?: number;
  /** Public URL of this account's webhook; when set, events are pushed instead of polled. */
  webhookUrl?: string;
  pollIntervalMs?: number;
  /**
   * While the webhook is active, a slow poll still runs: Netatmo drops and bans webhooks
   * without a word (section 3.8), and this poll is how a quiet webhook is noticed.
   */
  safetyPollMs?: number;
  /** Events asked for per getevents page. */
  eventsPageSize?: number;
  rateLimitCooldownMs?: number;
}

/** One poll per home a minute: 60 calls an hour, well inside the 500 a user may make. */
export const DEFAULT_POLL_MS = 60_000;
/** The safety poll beside an active webhook: 6 calls an hour per home. */
export const DEFAULT_SAFETY_POLL_MS = 600_000;
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
  /** Every person of the home, unknown faces (no pseudo) too, for who-is-home. */
  everyone: { id: string; name: string | null }[];
}

interface HomeStatusEntry {
  at: number;
  modules: Map<string, HomeStatusModule>;
  away: Set<string>;
  persons: HomeStatusPerson[];
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
    // Event videos sit on the camera's SD card; the Doorbell offers no video playback either.
    recordings: !doorbell,
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
  private registeredAt = 0;
  /** Wake the pollers from a long safety-poll sleep when the webhook is lost. */
  private readonly wakers = new Set<() => void>();
  private readonly loggedPollErrors = new Set<string>();
  /** Event ids emitted before a restart, so a replayed push is not news again. */
  private readonly recentLoaded: Promise<void>;

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
      gate: opts.gate,
    });
    this.recentLoaded = this.client.savedEventIds().then(
      (ids) => {
        for (const id of ids) this.recent.add(id);
      },
      () => undefined,
    );
  }

  /** Writes "connect first" to the log once when the account starts without a login. */
  checkConnected(): void {
    void this.client.checkConnected().catch(() => undefined);
  }

  /** How events arrive now: by the activated webhook, or by polling getevents. */
  get eventDelivery(): 'webhook' | 'polling' {
    return this.pushActive ? 'webhook' : 'polling';
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
      message: 'Sign in at Netatmo and press Accept; this account is signed in when you come back.',
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
        everyone: (h.persons ?? [])
          .filter((p) => typeof p?.id === 'string')
          .map((p) => ({ id: p.id, name: typeof p.pseudo === 'string' ? p.pseudo : null })),
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
          capabilities: {
            ...capabilitiesFor(cam.type),
            floodlight: cam.type === 'NOC',
            persons: home.everyone.length > 0,
          },
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
    const persons = (reply.body?.home?.persons ?? []).filter((p) => typeof p?.id === 'string');
    const entry = { at: Date.now(), modules, away, persons };
    this.statuses.set(homeId, entry);
    // Every homestatus read (an arm, a snapshot, a status msg) is news for watching nodes.
    this.publishHome(homeId, entry);
    return entry;
  }

  private homeStatuses(home: Home, entry: HomeStatusEntry): DeviceStatus[] {
    const persons = home.everyone.length ? personsOf(home.everyone, entry.persons) : undefined;
    return home.cameras.map((c) => {
      const cached = this.cachedCamera(c.id);
      const online = entry.modules.has(c.id) && !entry.away.has(c.id);
      return moduleStatus(
        {
          id: c.id,
          name: cached?.name ?? c.name,
          model: cached?.model ?? MODELS[c.type] ?? c.type,
          vendor: this.vendor,
          online,
        },
        entry.modules.get(c.id),
        persons,
      );
    });
  }

  private publishHome(homeId: string, entry: HomeStatusEntry): void {
    const home = this.homes.get(homeId);
    if (!home) return;
    this.publishStatus(this.homeStatuses(home, entry));
  }

  protected override normaliseId(id: string): string {
    return id.toLowerCase();
  }

  protected override async readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    const out: DeviceStatus[] = [];
    for (const cam of cams) {
      const home = this.homesOfCamera(cam.id);
      if (!home) continue;
      // listCameras has just read this home's status; it is reused, not asked again.
      const entry = await this.status(home.id);
      const st = this.homeStatuses(home, entry).find((s) => s.id === cam.id);
      if (st) out.push(st);
    }
    return out;
  }

  protected override async applyControl(
    cam: CameraInfo,
    request: ControlRequest,
  ): Promise<ControlValues> {
    const home = this.homeOf(cam.id);
    // Names are resolved before the first request, so an unknown name changes nothing.
    const homeIds = request.persons?.home
      ? resolvePersons(request.persons.home, home.everyone)
      : [];
    const away = request.persons?.away;
    const awayIds = Array.isArray(away) ? resolvePersons(away, home.everyone) : [];
    if (request.light !== undefined) {
      const reply = await this.client
        .setState(
          home.id,
          [{ id: cam.id, floodlight: request.light }],
          `Floodlight of "${cam.name}"`,
        )
        .catch((err: unknown) => {
          // Code 21 "cannot set property floodlight" (vendor-facts 3.4): this module has none.
          if (err instanceof CamhubError && err.vendorCode === '21') {
            throw errors.notSupported(
              `Camera "${cam.name}" (Netatmo) refused the floodlight (code 21).`,
              this.capableNames((c) => c.floodlight === true).filter(
                (n) => !n.endsWith(`(${cam.id})`),
              ),
            );
          }
          throw err;
        });
      const failed = (reply.body?.errors ?? []).filter((e) => e && e.code !== 23);
      if (failed.length > 0)
        throw this.partialFailure(home, [cam.id], failed, `floodlight ${request.light}`);
    }
    if (away === 'all') {
      await this.client.setPersonsAway(home.id, undefined, `Everyone away in "${home.name}"`);
    }
    for (const id of awayIds) {
      await this.client.setPersonsAway(home.id, id, `Person away in "${home.name}"`);
    }
    if (homeIds.length > 0) {
      await this.client.setPersonsHome(home.id, homeIds, `Persons home in "${home.name}"`);
    }
    // The output is what Netatmo reports now, read back.
    const entry = await this.status(home.id, true);
    const out: ControlValues = {};
    // An unreachable Presence is left out of homestatus: its light is unknown, not absent.
    if (cam.capabilities.floodlight && (!entry.modules.has(cam.id) || entry.away.has(cam.id))) {
      throw errors.offline(cam.name);
    }
    const floodlight = entry.modules.get(cam.id)?.floodlight;
    if (
      cam.capabilities.floodlight &&
      (floodlight === 'on' || floodlight === 'off' || floodlight === 'auto')
    ) {
      out.light = floodlight;
    }
    if (cam.capabilities.persons) out.persons = personsOf(home.everyone, entry.persons);
    return out;
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
    if (!mod || st.away.has(cam.id)) {
      // A remembered "unreachable" is asked again: the camera may be back, and the OFFLINE
      // error promised that the next msg tries again.
      if (!fresh) return this.moduleStatus(cam, home, true);
      throw errors.offline(cam.name);
    }
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

  // ---- recordings: event videos on the SD card ----

  private get commandTimeoutMs(): number {
    return this.opts.commandTimeoutMs ?? 30_000;
  }

  /** The camera's homestatus entry, refusing a camera without a working card. */
  private async recordingCamera(cameraId: string) {
    const { cam, home } = await this.camera(cameraId);
    this.requireCapability(cam, (c) => c.recordings === true, 'play recorded video');
    // Read afresh: the videos are on the camera, and a status cached while it was online
    // would list them as playable after it went away (README: OFFLINE).
    const mod = await this.moduleStatus(cam, home, true);
    const problem = sdProblem(mod.sd_status);
    if (problem) {
      throw errors.notSupported(
        `Camera "${cam.name}" (Netatmo) has ${problem} (sd_status ${String(mod.sd_status)}), so it keeps no videos.`,
        this.capableNames((c) => c.recordings === true).filter((n) => !n.endsWith(`(${cam.id})`)),
      );
    }
    return { cam, home };
  }

  /** getevents of a home back to `from` (Unix ms), following the event_id cursor. */
  private async eventsSince(homeId: string, from: number): Promise<NetatmoEvent[]> {
    const out: NetatmoEvent[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < RECORDING_PAGES; page++) {
      const reply = await this.client.getEvents(homeId, RECORDING_PAGE_SIZE, cursor);
      const events = reply.body?.home?.events ?? [];
      out.push(...events.filter((e) => typeof e?.id === 'string'));
      const last = events.at(-1);
      if (!last || events.length < RECORDING_PAGE_SIZE || last.id === cursor) break;
      if ((last.time ?? 0) * 1000 < from) break;
      cursor = last.id;
    }
    return out;
  }

  async listRecordings(cameraId: string, range: RecordingRange): Promise<Recording[]> {
    return this.track(async () => {
      const { cam, home } = await this.recordingCamera(cameraId);
      const events = await this.eventsSince(home.id, range.from);
      return events
        .filter((e) => e.module_id === cam.id)
        .filter((e) => (e.time ?? 0) * 1000 >= range.from && (e.time ?? 0) * 1000 <= range.to)
        .map((e) => netatmoRecording(cam, e))
        .filter((r): r is Recording => r !== undefined)
        .sort((a, b) => b.start.localeCompare(a.start))
        .slice(0, range.limit);
    });
  }

  /**
   * The HLS playlist of an event video, from the camera itself; a deleted video (the card
   * overwrites the oldest) is the camera's 404.
   */
  async playRecording(id: string): Promise<StreamInfo> {
    return this.track(async () => {
      const { cameraId, key } = splitRecordingId(id);
      const videoId = checkVideoId(key);
      const { cam, home } = await this.recordingCamera(cameraId);
      const mod = await this.moduleStatus(cam, home, true);
      if (typeof mod.vpn_url !== 'string' || !mod.vpn_url) throw errors.offline(cam.name);
      const base = await this.cameraBase(mod);
      const url = `${base}/vod/${videoId}/files/high/index.m3u8`;
      try {
        await this.client.camera.request({
          method: 'GET',
          path: url,
          expect: 'text',
          auth: false,
          coalesce: false,
          label: `Video of "${cam.name}"`,
        });
      } catch (err) {
        if (toCamhubError(err).status === 404) {
          throw errors.invalidInput(
            `That video of "${cam.name}" is not on its SD card any more (overwritten or deleted): list the recordings again.`,
          );
        }
        throw err;
      }
      // Like the live stream: no expiry, the URL works until the camera reconnects.
      return { url, protocol: 'hls', expiresAt: null };
    });
  }

  /** An event's video, once the camera has finished recording it (video_status available). */
  async eventRecording(cameraId: string, ref: EventClipRef): Promise<Recording> {
    return this.track(async () => {
      const { cam, home } = await this.recordingCamera(cameraId);
      const raw = (ref.raw ?? {}) as NetatmoEvent & { event_id?: string };
      const wanted = ref.clipId?.includes('|') ? splitRecordingId(ref.clipId).key : ref.clipId;
      const eventId = ref.eventId ?? raw.id ?? raw.event_id;
      const at = Date.parse(ref.time ?? '');
      const from = Number.isFinite(at) ? at - 10 * 60_000 : Date.now() - 86_400_000;
      return waitForClip(
        async () => {
          const events = (await this.eventsSince(home.id, from)).filter(
            (e) => e.module_id === cam.id,
          );
          const hit = events.find(
            (e) =>
              (wanted !== undefined && e.video_id === wanted) ||
              (eventId !== undefined &&
                (e.id === eventId || (e.subevents ?? []).some((s) => s.id === eventId))),
          );
          if (!hit) return undefined;
          if (
            hit.video_status === 'deleted' ||
            (!hit.video_id && hit.video_status !== 'recording')
          ) {
            throw errors.invalidInput(
              `The event on "${cam.name}" has no video (deleted, or the camera did not record it).`,
            );
          }
          if (hit.video_status !== 'available') return undefined;
          return netatmoRecording(cam, hit);
        },
        {
          timeoutMs: this.commandTimeoutMs,
          intervalMs: 1_000,
          what: `The video of the event on "${cam.name}"`,
          stopped: () => this.closed,
        },
      );
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
    this.wakeAll();
  }

  protected closeClient(): Promise<void> {
    forgetAuthorizations(this);
    // A redeploy right after a code 26 must find the pause on disk.
    return this.client.close();
  }

  private get safetyPollMs(): number {
    const interval = this.opts.pollIntervalMs ?? DEFAULT_POLL_MS;
    return Math.max(interval, this.opts.safetyPollMs ?? DEFAULT_SAFETY_POLL_MS);
  }

  /**
   * addwebhook for the account's public URL, whenever the account starts with a saved login
   * (deploy, redeploy, restart), after Connect, and again while no activation came: Netatmo
   * keeps no promise that an earlier registration still stands (section 3.8), and a refused
   * addwebhook (429 code 26) must not leave the account polling for good
   * (home-assistant/core#178195).
   */
  private registerWebhook(): void {
    const url = this.opts.webhookUrl;
    if (!url || this.closed) return;
    this.registeredAt = Date.now();
    void this.client
      .hasSession()
      .then(async (connected) => {
        if (!connected || this.closed) return;
        await this.client.addWebhook(url);
        this.log.info('Netatmo webhook registered; waiting for its activation call');
      })
      .catch((err: unknown) =>
        this.log.warn(
          `registering the webhook failed, events are polled instead: ${redact(toCamhubError(err).message, this.secrets())}`,
        ),
      );
  }

  private setPushActive(active: boolean): void {
    if (this.pushActive === active) return;
    this.pushActive = active;
    if (!active) this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Sleeps until the next poll is due, or until the webhook is lost. */
  private async nap(ms: number, signal: AbortSignal): Promise<void> {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.wakers.add(wake);
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([sleep(ms, ac.signal).catch(() => undefined), woken]);
    } finally {
      this.wakers.delete(wake);
      ac.abort();
      signal.removeEventListener('abort', stop);
    }
    if (signal.aborted) throw new AbortedError();
  }

  /** One poller per home, each with its own cursor; slow while the webhook is active. */
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
    // The client says "connect first" in the log itself, once.
    if (e.code === 'AUTH_REQUIRED') return;
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
    await this.recentLoaded;
    while (!signal.aborted) {
      try {
        await this.nap(wait, signal);
      } catch {
        return;
      }
      const pushed = this.pushActive;
      wait = pushed ? this.safetyPollMs : interval;
      try {
        const fresh = await this.pollOnce(homeId, size, since);
        this.loggedPollErrors.clear();
        let missed = 0;
        if (!signal.aborted) {
          for (const e of fresh) {
            since = Math.max(since, e.time ?? since);
            if (this.deliver(e) && pushed) missed++;
          }
        }
        if (missed > 0 && this.pushActive) this.webhookWentQuiet(missed);
      } catch (err) {
        this.pollFailed(err);
        wait = Math.max(wait, this.pollWait(err, interval));
      }
      if (!this.pushActive) {
        wait = Math.min(wait, interval);
        // No activation since the last registration: ask again, at most once a safety period.
        if (this.opts.webhookUrl && Date.now() - this.registeredAt >= this.safetyPollMs) {
          this.registerWebhook();
        }
      }
    }
  }

  /** The safety poll found events the webhook never brought: it was dropped or banned. */
  private webhookWentQuiet(missed: number): void {
    this.setPushActive(false);
    this.log.warn(
      `the Netatmo webhook went quiet (${missed} event${missed === 1 ? '' : 's'} came only by polling): ` +
        'events are polled again and the webhook is registered again',
    );
    this.registerWebhook();
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

  /** Emits an event the first time its id is seen (across restarts too); true when emitted. */
  private deliver(e: RawEvent): boolean {
    if (!this.recent.add(e.eventId)) return false;
    this.client.rememberEventId(e.eventId);
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
      armed: this.monitoring(home?.id, e.cameraId),
      ...(e.picture
        ? {
            // snapshot_url is a public link; an id and key are fetched with the token.
            image: { url: e.picture.url ?? null, expiresAt: null, source: 'event' as const },
            imageRef: e.picture,
          }
        : {}),
      ...(e.clip ? { clip: { ...e.clip } } : {}),
    });
    return true;
  }

  /**
   * Whether the camera was monitoring when it saw the event. A camera sees nothing while its
   * monitoring is off (3.4 [I]; the simulator models it), so an event it reports was seen
   * while armed; a cached homestatus may be older than a switch just made, so it is not asked.
   * The Doorbell has no monitoring: null.
   */
  private monitoring(homeId: string | undefined, cameraId: string): boolean | null {
    const cam = this.cachedCamera(cameraId);
    if (cam) return cam.capabilities.arm ? true : null;
    const mod = homeId ? this.statuses.get(homeId)?.modules.get(cameraId) : undefined;
    return mod?.monitoring === 'on' || mod?.monitoring === 'off' ? true : null;
  }

  /** The event's own picture: the public snapshot_url, or getcamerapicture with id and key. */
  async eventImage(event: CameraEvent): Promise<Snapshot> {
    const ref = (event.imageRef ?? {}) as NetatmoPicture;
    const label = `The picture of the event on "${event.camera.name}"`;
    let image: Buffer;
    if (typeof ref.url === 'string') {
      const res = await this.client.camera.request<Buffer>({
        method: 'GET',
        path: ref.url,
        expect: 'buffer',
        auth: false,
        label,
      });
      image = res.data;
    } else if (typeof ref.id === 'string' && typeof ref.key === 'string') {
      const { id, key } = ref;
      image = await this.track(() => this.client.cameraPicture(id, key, label));
    } else {
      throw new CamhubError('NOT_SUPPORTED', `${label} is not named by Netatmo.`);
    }
    if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) {
      throw new CamhubError('CLOUD_ERROR', `${label} is not a JPEG picture.`);
    }
    return { image, contentType: 'image/jpeg', time: event.time };
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
      if (!this.pushActive) {
        this.log.info(
          `Netatmo webhook active: events by webhook, with a safety poll every ${Math.round(this.safetyPollMs / 1000)} s`,
        );
      }
      this.setPushActive(true);
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
    if (kind === 'sd' || kind === 'alim' || kind === 'light_mode') {
      // The push names the change, not the new value: read it, for the watching nodes.
      if (push.home_id && this.homes.has(push.home_id) && this.watched) {
        void this.status(push.home_id, true).catch(() => undefined);
      }
      return;
    }
    const event = fromPush(push);
    if (!event) return;
    if (this.homes.size === 0 || !this.homesOfCamera(event.cameraId)) {
      await this.listCameras({ refresh: true }).catch(() => undefined);
    }
    // Pushes for homes this account does not have are not ours to report.
    if (!this.homesOfCamera(event.cameraId)) return;
    await this.recentLoaded;
    this.deliver(event);
  }
}
