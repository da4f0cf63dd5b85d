import { randomUUID } from 'node:crypto';
import { RecentIds, SingleFlight } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import { CamhubError, errors } from '../../core/errors';
import type { Logger } from '../../core/log';
import type {
  ArmRequest,
  ArmState,
  AuthInput,
  AuthStep,
  CameraEvent,
  CameraInfo,
  EventType,
  PtzCommand,
  SecretStore,
  Snapshot,
  StreamInfo,
  StreamQuality,
} from '../../core/provider';
import { ArloClient, USER_AGENT } from './client';
import { ArloEventStream, type StreamTarget } from './stream';
import type {
  ArloDevice,
  ArloLocation,
  ArloPacket,
  V2ActiveMode,
  V2ModeDefinition,
  V3ActiveMode,
} from './types';

export interface ArloProviderOptions {
  baseUrl: string;
  authUrl: string;
  email: string;
  password: string;
  timeoutMs?: number;
  /** How long a command waits for its answer on the event stream. */
  commandTimeoutMs?: number;
  /** Renewal period of the base stations' event subscription. */
  heartbeatMs?: number;
  /** How long the stream stays open after the last user, so bursts of commands share it. */
  lingerMs?: number;
  reconnectBaseMs?: number;
  store: SecretStore;
  log: Logger;
}

const CAMERA_TYPES = new Set(['camera', 'doorbell', 'arloq', 'arloqs']);
/** Models that run on a battery (camera list facts only; Arlo reports the level on the stream). */
const BATTERY_MODELS =
  /^(VMC4030|VMC4040|VMC4041|VMC4050|VMC5040|VMC2030|VMC2040|VMC3040|VMC4060|FB1001|AVD2001)/;
const SMART_TYPES: Record<string, EventType> = {
  person: 'person',
  vehicle: 'vehicle',
  animal: 'animal',
  package: 'other',
};
const DEFAULT_MQTT = 'wss://mqtt-cluster.arloxcld.com:443/mqtt';
const SEEN_MAX = 1000;

type ModeApi = 'v1' | 'v2' | 'v3';
/** How long mode definitions are trusted (see modeCache). */
const MODE_CACHE_MS = 10 * 60_000;

interface Mode {
  id: string;
  name: string;
  armed: boolean;
}
interface Waiter {
  match(p: ArloPacket): boolean;
  resolve(p: ArloPacket): void;
  reject(err: Error): void;
}

export class ArloProvider extends BaseProvider {
  readonly vendor = 'arlo';
  readonly vendorLabel = 'Arlo';
  readonly client: ArloClient;
  private readonly opts: ArloProviderOptions;
  private readonly devices = new Map<string, ArloDevice>();
  private stream: ArloEventStream | undefined;
  private streamRefs = 0;
  private linger: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly seen = new RecentIds(SEEN_MAX);
  private readonly snapFlight = new SingleFlight<Snapshot>();
  private v3Revision: number | undefined;
  private locationId: string | undefined;
  /**
   * Mode definitions per gateway: they change only when the user edits modes in the app, so
   * an arm or a status read does not read them again. A mode name not among them, or an active
   * mode id not among them, reads them afresh.
   */
  private readonly modeCache = new Map<string, { at: number; modes: Mode[] }>();

  constructor(opts: ArloProviderOptions) {
    super(opts.log);
    this.opts = opts;
    this.client = new ArloClient({
      baseUrl: opts.baseUrl,
      authUrl: opts.authUrl,
      email: opts.email,
      password: opts.password,
      timeoutMs: opts.timeoutMs,
      store: opts.store,
      log: opts.log,
    });
    this.client.onMfa = (waiting) => {
      if (waiting && !this.closed) this.setState({ state: 'waiting2fa' });
    };
    this.client.onSession = () => {
      this.v3Revision = undefined;
      this.locationId = undefined;
    };
  }

  get http() {
    return this.client.api;
  }

  private get commandTimeoutMs(): number {
    return this.opts.commandTimeoutMs ?? 30_000;
  }

  protected override async track<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await super.track(fn);
    } catch (err) {
      // 2FA is a step for the user, not a wrong password: say so in the status dots.
      if (err instanceof CamhubError && err.vendorCode === 'mfa_required' && !this.closed) {
        this.setState({ state: 'waiting2fa' });
      }
      throw err;
    }
  }

  protected async fetchCameras(): Promise<CameraInfo[]> {
    const list = await this.client.hms<ArloDevice[]>({
      method: 'GET',
      path: '/hmsweb/v2/users/devices',
      query: { t: Date.now() },
      label: 'Listing Arlo devices',
    });
    const items = Array.isArray(list) ? list.filter((d) => typeof d?.deviceId === 'string') : [];
    this.devices.clear();
    for (const d of items) this.devices.set(d.deviceId as string, d);
    return items
      .filter((d) => CAMERA_TYPES.has(d.deviceType ?? ''))
      .map((d) => {
        const parent = this.devices.get(d.parentId ?? '');
        const model = d.modelId ?? d.properties?.modelId ?? '';
        return {
          id: d.deviceId as string,
          name: d.deviceName || (d.deviceId as string),
          model,
          vendor: this.vendor,
          online: d.connectivity?.connected !== false && parent?.connectivity?.connected !== false,
          capabilities: {
            arm: true,
            snapshot: true,
            ptz: false,
            zoom: false,
            focus: false,
            ptzDirections: [],
            streamProtocols: ['rtsps'],
            streamQualities: ['main'],
            battery: BATTERY_MODELS.test(model),
          },
        };
      });
  }

  /** The device that relays a camera's commands: its base station, or itself without a hub. */
  private gateway(cameraId: string): ArloDevice {
    const cam = this.devices.get(cameraId);
    const gw = this.devices.get(cam?.parentId ?? '') ?? cam;
    if (!gw?.deviceId) throw errors.unknownCamera(cameraId, this.vendorLabel, []);
    return gw;
  }

  // ---- the event stream -------------------------------------------------------------------

  protected startEvents(): void {
    this.acquire();
  }

  protected stopEvents(): void {
    this.release();
  }

  private acquire(): void {
    this.streamRefs++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    if (!this.stream && !this.closed) this.openStream();
  }

  private release(): void {
    this.streamRefs = Math.max(0, this.streamRefs - 1);
    if (this.streamRefs > 0) return;
    if (this.closed) {
      this.closeStream();
      return;
    }
    if (this.linger) clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.streamRefs === 0) this.closeStream();
    }, this.opts.lingerMs ?? 15_000);
  }

  private openStream(): void {
    this.stream = new ArloEventStream({
      log: this.log,
      backoffBaseMs: this.opts.reconnectBaseMs,
      target: () => this.streamTarget(),
      onPacket: (p) => this.onPacket(p),
      onConnected: () => this.onStreamConnected(),
      onDisconnected: (reason) => {
        this.log.debug(`Arlo event stream lost: ${reason}`);
        this.subscribed.clear();
        this.stopHeartbeat();
        if (!this.closed && this.state.state === 'connected')
          this.setState({ state: 'connecting' });
      },
      onAuthRejected: async (token) => {
        // Someone may have logged in again meanwhile; only a session still on the refused
        // token is dropped.
        if (this.client.session?.token === token) this.client.dropSession();
        await this.client.ensureSession();
      },
    });
    this.stream.start();
  }

  private closeStream(): void {
    this.stopHeartbeat();
    this.subscribed.clear();
    this.stream?.stop();
    this.stream = undefined;
  }

  private async streamTarget(): Promise<StreamTarget> {
    const session = await this.track(() => this.client.ensureSession());
    await this.listCameras();
    const devices = [...this.devices.values()];
    const topics = new Set<string>();
    for (const d of devices) for (const t of d.allowedMqttTopics ?? []) topics.add(t);
    const headers = {
      'Auth-Version': '2',
      SchemaVersion: '1',
      Origin: 'https://my.arlo.com',
      Referer: 'https://my.arlo.com/',
      'User-Agent': USER_AGENT,
    };
    // Devices that list MQTT topics mean the account is on MQTT; otherwise Arlo serves SSE.
    if (topics.size > 0) {
      topics.add(`u/${session.userId}/in/#`);
      return {
        kind: 'mqtt',
        url: session.mqttUrl ?? DEFAULT_MQTT,
        userId: session.userId,
        token: session.token,
        topics: [...topics],
        headers,
      };
    }
    return {
      kind: 'sse',
      url: `${this.client.api.baseUrl.replace(/\/+$/, '')}/hmsweb/client/subscribe`,
      userId: session.userId,
      token: session.token,
      topics: [],
      headers,
    };
  }

  private onStreamConnected(): void {
    if (this.closed) return;
    this.setState({ state: 'connected' });
    this.subscribed.clear();
    // Base stations publish nothing until registered, so every one is (re)registered now.
    for (const d of this.devices.values()) {
      if (this.isGateway(d)) void this.ensureGateway(d).catch(() => undefined);
    }
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.renewSubscriptions(), this.opts.heartbeatMs ?? 30_000);
  }

  private isGateway(d: ArloDevice): boolean {
    return (
      d.deviceType === 'basestation' ||
      (CAMERA_TYPES.has(d.deviceType ?? '') && d.parentId === d.deviceId)
    );
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private renewSubscriptions(): void {
    for (const id of this.subscribed.keys()) {
      const gw = this.devices.get(id);
      if (gw) void this.sendSubscribe(gw, `web!${randomUUID()}`).catch(() => undefined);
    }
  }

  private sendSubscribe(gw: ArloDevice, transId: string): Promise<unknown> {
    return this.notify(gw, {
      action: 'set',
      resource: `subscriptions/${this.client.userId}_web`,
      publishResponse: false,
      properties: { devices: [gw.deviceId] },
      transId,
    });
  }

  /** Registers a base station once per connection; resolves when it answers on the stream. */
  private ensureGateway(gw: ArloDevice): Promise<void> {
    const id = gw.deviceId as string;
    let p = this.subscribed.get(id);
    if (!p) {
      const transId = `web!${randomUUID()}`;
      const wait = this.waitFor(
        (x) => x.transId === transId,
        `Base station "${gw.deviceName ?? id}"`,
      );
      p = this.sendSubscribe(gw, transId).then(
        () => wait.promise.then(() => undefined),
        (err: unknown) => {
          wait.cancel();
          throw err;
        },
      );
      this.subscribed.set(id, p);
      p.catch(() => {
        if (this.subscribed.get(id) === p) this.subscribed.delete(id);
      });
    }
    return p;
  }

  private whenConnected(): Promise<void> {
    if (this.stream?.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = setInterval(() => {
        if (this.stream?.connected) {
          clearInterval(check);
          resolve();
        } else if (this.closed || Date.now() - started > Math.max(this.commandTimeoutMs, 15_000)) {
          clearInterval(check);
          reject(
            this.closed
              ? new CamhubError(
                  'NOT_CONFIGURED',
                  'The Arlo account was closed (the flow was redeployed). Send the msg again.',
                )
              : errors.timeout('The Arlo event stream'),
          );
        }
      }, 25);
    });
  }

  private waitFor(match: (p: ArloPacket) => boolean, who: string, what = 'answer') {
    let waiter!: Waiter;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<ArloPacket>((resolve, reject) => {
      waiter = { match, resolve, reject };
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new CamhubError(
            'TIMEOUT',
            `${who} did not ${what} within ${Math.round(this.commandTimeoutMs / 1000)} s. It may be offline, asleep or out of range: check it in the Arlo app, then send the msg again.`,
          ),
        );
      }, this.commandTimeoutMs);
    });
    promise.catch(() => undefined);
    const done = () => {
      if (timer) clearTimeout(timer);
      this.waiters.delete(waiter);
    };
    promise.then(done, done);
    return {
      promise,
      cancel: () => {
        done();
      },
    };
  }

  /**
   * Sends one command and waits for its answer on the stream. Never resent: if the answer does
   * not come the caller gets TIMEOUT, as the base may still have acted on it.
   */
  private async command(
    gw: ArloDevice | undefined,
    send: () => Promise<unknown>,
    match: (p: ArloPacket) => boolean,
    who: string,
    what?: string,
  ): Promise<ArloPacket> {
    await this.client.ensureSession();
    this.acquire();
    try {
      await this.whenConnected();
      if (gw) await this.ensureGateway(gw);
      const wait = this.waitFor(match, who, what);
      try {
        await send();
      } catch (err) {
        wait.cancel();
        throw err;
      }
      return await wait.promise;
    } finally {
      this.release();
    }
  }

  private notify(gw: ArloDevice, body: Record<string, unknown>): Promise<unknown> {
    return this.client.hms({
      method: 'POST',
      path: `/hmsweb/users/devices/notify/${encodeURIComponent(gw.deviceId as string)}`,
      headers: { xcloudId: gw.xCloudId ?? '' },
      body: {
        from: `${this.client.userId}_web`,
        to: gw.deviceId,
        publishResponse: true,
        ...body,
      },
      idempotent: false,
      label: `Command to "${gw.deviceName ?? gw.deviceId}"`,
    });
  }

  private onPacket(p: ArloPacket): void {
    for (const w of [...this.waiters]) {
      if (w.match(p)) {
        this.waiters.delete(w);
        w.resolve(p);
      }
    }
    if (p.action === 'logout') {
      // Ended elsewhere: reconnect, which logs in again (a trusted browser skips 2FA). Not from
      // inside this handler: the packet must be acknowledged first, or the broker hands it to us
      // again after the reconnect.
      this.log.warn('Arlo ended the session (signed out elsewhere); signing in again.');
      this.client.dropSession();
      setImmediate(() => {
        if (!this.closed) this.stream?.restart();
      });
      return;
    }
    for (const event of this.toEvents(p)) {
      if (this.seen.add(event.eventId)) this.emit(event);
    }
  }

  private toEvents(p: ArloPacket): CameraEvent[] {
    const props = p.properties && typeof p.properties === 'object' ? p.properties : {};
    const types: EventType[] = [];
    let cameraId = '';
    const m = /^(cameras|doorbells)\/(.+)$/.exec(p.resource ?? '');
    if (m && p.action === 'is') {
      cameraId = m[2];
      if (props.motionDetected === true) types.push('motion');
      if (props.audioDetected === true) types.push('sound');
      if (props.buttonPressed === true) types.push('doorbell');
    } else if (
      p.resource === 'library' &&
      p.action === 'add' &&
      typeof props.deviceId === 'string'
    ) {
      cameraId = props.deviceId;
      const label = typeof props.objCategory === 'string' ? props.objCategory.toLowerCase() : '';
      if (label) types.push(SMART_TYPES[label] ?? 'other');
    }
    if (!cameraId || types.length === 0) return [];
    const name =
      this.cachedCamera(cameraId)?.name ?? this.devices.get(cameraId)?.deviceName ?? cameraId;
    const base = typeof p.transId === 'string' && p.transId ? p.transId : randomUUID();
    const time = new Date().toISOString();
    return types.map((type) => ({
      vendor: this.vendor,
      camera: { id: cameraId, name },
      type,
      time,
      eventId: `${base}:${type}`,
      raw: p,
    }));
  }

  // ---- modes --------------------------------------------------------------------------------

  private async modeApi(gw: ArloDevice): Promise<ModeApi> {
    const session = await this.client.ensureSession();
    if (session.multiLocation) return 'v3';
    return gw.deviceType === 'basestation' ? 'v2' : 'v1';
  }

  private async location(gw: ArloDevice): Promise<string> {
    if (this.locationId) return this.locationId;
    const list = await this.client.hms<ArloLocation[]>({
      method: 'GET',
      path: `/hmsdevicemanagement/users/${encodeURIComponent(this.client.userId)}/locations`,
      label: 'Listing Arlo locations',
    });
    const locs = Array.isArray(list) ? list : [];
    const loc = locs.find((l) => l.gatewayDeviceIds?.includes(gw.deviceId as string)) ?? locs[0];
    if (!loc?.locationId) {
      throw new CamhubError(
        'CLOUD_ERROR',
        'This Arlo account says it uses locations but lists none. Check the account in the Arlo app.',
      );
    }
    this.locationId = loc.locationId;
    return loc.locationId;
  }

  private async modes(api: ModeApi, gw: ArloDevice, fresh = false): Promise<Mode[]> {
    const key = `${api} ${gw.deviceId ?? ''}`;
    const kept = this.modeCache.get(key);
    if (!fresh && kept && Date.now() - kept.at < MODE_CACHE_MS) return kept.modes;
    const modes = await this.readModes(api, gw);
    this.modeCache.set(key, { at: Date.now(), modes });
    return modes;
  }

  private async readModes(api: ModeApi, gw: ArloDevice): Promise<Mode[]> {
    if (api === 'v3') {
      const locationId = await this.location(gw);
      const res = await this.client.hms<{ modes?: { mode?: string; name?: string }[] }>({
        method: 'GET',
        path: '/hmsweb/automation/v3',
        query: { locationId, revisions: 'false' },
        label: 'Reading Arlo modes',
      });
      return (res.modes ?? [])
        .filter((m) => typeof m.mode === 'string')
        .map((m) => ({
          id: m.mode as string,
          name: m.mode as string,
          armed: m.mode !== 'standby',
        }));
    }
    let defs: V2ModeDefinition[];
    if (api === 'v2') {
      const res = await this.client.hms<Record<string, { modes?: V2ModeDefinition[] }>>({
        method: 'GET',
        path: '/hmsweb/users/automation/definitions',
        query: { uniqueIds: 'all' },
        label: 'Reading Arlo modes',
      });
      defs = res?.[gw.uniqueId ?? '']?.modes ?? [];
    } else {
      const answer = await this.v1Get(gw);
      defs = Array.isArray(answer.properties?.modes)
        ? (answer.properties.modes as V2ModeDefinition[])
        : [];
    }
    return defs
      .filter((d) => typeof d.id === 'string')
      .map((d) => ({
        id: d.id as string,
        name: d.name || d.type || (d.id as string),
        armed: d.type ? d.type !== 'disarmed' : d.id !== 'mode0',
      }));
  }

  private v1Get(gw: ArloDevice): Promise<ArloPacket> {
    const transId = `web!${randomUUID()}`;
    return this.command(
      gw,
      () => this.notify(gw, { action: 'get', resource: 'modes', transId }),
      (p) => p.transId === transId,
      `Camera "${gw.deviceName ?? gw.deviceId}"`,
    );
  }

  private pick(modes: Mode[], request: ArmRequest, api: ModeApi): Mode {
    if (request.mode === undefined) {
      const wanted = request.armed === true;
      const preferred = wanted
        ? api === 'v3'
          ? 'armAway'
          : 'mode1'
        : api === 'v3'
          ? 'standby'
          : 'mode0';
      const m = modes.find((x) => x.id === preferred) ?? modes.find((x) => x.armed === wanted);
      if (m) return m;
    } else {
      const want = request.mode.toLowerCase();
      const m = modes.find((x) => x.id.toLowerCase() === want || x.name.toLowerCase() === want);
      if (m) return m;
    }
    throw errors.invalidInput(
      `Arlo has no mode "${request.mode ?? (request.armed ? 'armed' : 'disarmed')}" here: use "arm", "disarm" or one of ${modes.map((m) => `"${m.name}"`).join(', ')}.`,
    );
  }

  override async listModes(cameraId?: string): Promise<string[]> {
    return this.track(async () => {
      const cams = await this.listCameras();
      const cam = cameraId ? await this.getCamera(cameraId) : cams.find((c) => c.online);
      if (!cam) return [];
      const gw = this.gateway(cam.id);
      return (await this.modes(await this.modeApi(gw), gw, true)).map((m) => m.name);
    });
  }

  async getArmState(cameraId: string): Promise<ArmState> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      const gw = this.gateway(cam.id);
      const api = await this.modeApi(gw);
      let active: string | undefined;
      if (api === 'v3') {
        const res = await this.readV3(gw);
        active = res.properties?.mode;
      } else if (api === 'v2') {
        const list = await this.client.hms<V2ActiveMode[]>({
          method: 'GET',
          path: '/hmsweb/users/devices/automation/active',
          label: `Reading the mode of "${cam.name}"`,
        });
        const entry = (Array.isArray(list) ? list : []).find(
          (e) => e.gatewayId === gw.deviceId || e.uniqueId === gw.uniqueId,
        );
        active = entry?.activeModes?.[0];
      } else {
        active = String((await this.v1Get(gw)).properties?.active ?? '');
      }
      let modes = await this.modes(api, gw);
      if (active !== undefined && !modes.some((m) => m.id === active)) {
        modes = await this.modes(api, gw, true);
      }
      const mode = modes.find((m) => m.id === active);
      return {
        armed: mode ? mode.armed : active !== 'mode0' && active !== 'standby',
        mode: mode?.name ?? active ?? null,
      };
    });
  }

  private async readV3(gw: ArloDevice): Promise<V3ActiveMode> {
    const locationId = await this.location(gw);
    const res = await this.client.hms<V3ActiveMode>({
      method: 'GET',
      path: '/hmsweb/automation/v3/activeMode',
      query: { locationId },
      label: 'Reading the Arlo location mode',
    });
    if (typeof res.revision === 'number') this.v3Revision = res.revision;
    return res;
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      // The base station takes a mode change whether or not the camera is there: the list
      // is read afresh, so a camera that went offline since is OFFLINE and nothing is sent.
      await this.listCameras({ refresh: true });
      const cam = await this.getCamera(cameraId);
      const gw = this.gateway(cam.id);
      const api = await this.modeApi(gw);
      let target: Mode;
      try {
        target = this.pick(await this.modes(api, gw), request, api);
      } catch {
        // A mode added or renamed in the app since the definitions were kept.
        target = this.pick(await this.modes(api, gw, true), request, api);
      }
      const who = `Base station "${gw.deviceName ?? gw.deviceId}"`;
      if (api === 'v2') {
        await this.command(
          gw,
          () =>
            this.client.hms({
              method: 'POST',
              path: '/hmsweb/users/devices/automation/active',
              body: {
                activeAutomations: [
                  {
                    deviceId: gw.deviceId,
                    timestamp: Date.now(),
                    activeModes: [target.id],
                    activeSchedules: [],
                  },
                ],
              },
              idempotent: false,
              label: `Setting the mode of "${cam.name}"`,
            }),
          (p) => {
            if (p.resource !== 'activeAutomations') return false;
            const entry = p[gw.deviceId as string] as { activeModes?: unknown } | undefined;
            return Array.isArray(entry?.activeModes) && entry.activeModes.includes(target.id);
          },
          who,
          'confirm the mode change',
        );
      } else if (api === 'v1') {
        const transId = `web!${randomUUID()}`;
        await this.command(
          gw,
          () =>
            this.notify(gw, {
              action: 'set',
              resource: 'modes',
              transId,
              properties: { active: target.id },
            }),
          (p) => p.transId === transId,
          `Camera "${cam.name}"`,
          'confirm the mode change',
        );
      } else {
        await this.setV3(gw, target.id);
      }
      return { armed: target.armed, mode: target.name };
    });
  }

  private async setV3(gw: ArloDevice, mode: string): Promise<void> {
    const locationId = await this.location(gw);
    const put = async () => {
      if (this.v3Revision === undefined) await this.readV3(gw);
      const res = await this.client.hms<V3ActiveMode>({
        method: 'PUT',
        path: '/hmsweb/automation/v3/activeMode',
        query: { locationId, revision: this.v3Revision },
        headers: { 'x-forwarded-user': this.client.userId, 'x-user-device-id': this.client.userId },
        body: { mode },
        idempotent: false,
        label: 'Setting the Arlo location mode',
      });
      if (typeof res.revision === 'number') this.v3Revision = res.revision;
    };
    await this.command(
      undefined,
      async () => {
        try {
          await put();
        } catch (err) {
          // Someone changed the mode since we read it; the cloud refused ours, so one resend
          // with the current revision is safe.
          if (!(err instanceof CamhubError && err.vendorCode === '2409')) throw err;
          this.v3Revision = undefined;
          await put();
        }
      },
      (p) =>
        p.resource === 'automation/activeMode' &&
        (p.properties as { mode?: unknown } | undefined)?.mode === mode,
      'The Arlo location',
      'confirm the mode change',
    );
  }

  // ---- snapshot, stream, PTZ ----------------------------------------------------------------

  async snapshot(cameraId: string, options: { quality?: StreamQuality } = {}): Promise<Snapshot> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      this.checkQuality(cam, options.quality);
      // One capture per camera at a time: a second flow asking meanwhile gets the same picture.
      return this.snapFlight.run(cam.id, () => this.takeSnapshot(cam));
    });
  }

  private async takeSnapshot(cam: CameraInfo): Promise<Snapshot> {
    const gw = this.gateway(cam.id);
    const transId = `web!${randomUUID()}`;
    const resource = `cameras/${cam.id}`;
    const packet = await this.command(
      gw,
      () =>
        this.client.hms({
          method: 'POST',
          path: '/hmsweb/users/devices/fullFrameSnapshot',
          headers: { xcloudId: gw.xCloudId ?? '' },
          body: {
            to: gw.deviceId,
            from: `${this.client.userId}_web`,
            resource,
            action: 'set',
            publishResponse: true,
            transId,
            properties: { activityState: 'fullFrameSnapshot' },
          },
          idempotent: false,
          label: `Snapshot of "${cam.name}"`,
        }),
      (p) =>
        p.resource === resource &&
        (p.action === 'fullFrameSnapshotAvailable' || p.action === 'lastImageSnapshotAvailable'),
      `Camera "${cam.name}"`,
      'send its snapshot',
    );
    const props = packet.properties ?? {};
    const url = props.presignedFullFrameSnapshotUrl ?? props.presignedLastImageUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw new CamhubError(
        'CLOUD_ERROR',
        `Snapshot of "${cam.name}": Arlo announced a picture without a URL. Try again.`,
      );
    }
    // Presigned S3 URLs take no Authorization header.
    const res = await this.client.api.request<Buffer>({
      method: 'GET',
      path: url,
      auth: false,
      expect: 'buffer',
      label: `Downloading the snapshot of "${cam.name}"`,
    });
    const image = res.data;
    if (!(image.length > 3 && image[0] === 0xff && image[1] === 0xd8)) {
      throw new CamhubError(
        'CLOUD_ERROR',
        `Snapshot of "${cam.name}": the download is not a JPEG picture. Try again.`,
      );
    }
    return { image, contentType: 'image/jpeg', time: new Date().toISOString() };
  }

  private checkQuality(cam: CameraInfo, quality: StreamQuality | undefined): void {
    if (quality && !cam.capabilities.streamQualities.includes(quality)) {
      throw errors.invalidInput(
        `Camera "${cam.name}" (Arlo) has only the "main" stream; "${quality}" is not available.`,
      );
    }
  }

  async streamUrl(
    cameraId: string,
    options: { quality?: StreamQuality } = {},
  ): Promise<StreamInfo> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      this.checkQuality(cam, options.quality);
      const gw = this.gateway(cam.id);
      const res = await this.client.hms<{ url?: string }>({
        method: 'POST',
        path: '/hmsweb/users/devices/startStream',
        headers: { xcloudId: gw.xCloudId ?? '' },
        body: {
          to: gw.deviceId,
          from: `${this.client.userId}_web`,
          resource: `cameras/${cam.id}`,
          action: 'set',
          responseUrl: '',
          publishResponse: true,
          transId: `web!${randomUUID()}`,
          properties: { activityState: 'startUserStream', cameraId: cam.id },
        },
        idempotent: false,
        label: `Stream of "${cam.name}"`,
      });
      if (typeof res?.url !== 'string' || !res.url) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `Stream of "${cam.name}": Arlo sent no stream URL. Try again.`,
        );
      }
      // Arlo hands out rtsp:// but serves the stream over TLS only.
      const url = res.url.replace(/^rtsp:\/\//i, 'rtsps://');
      const protocol = url.startsWith('rtsps:')
        ? 'rtsps'
        : /\.m3u8(\?|$)/.test(url)
          ? 'hls'
          : 'dash';
      return { url, protocol, expiresAt: new Date(Date.now() + 30_000).toISOString() };
    });
  }

  async ptz(cameraId: string, _command: PtzCommand): Promise<void> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      throw errors.notSupported(
        `Arlo cameras have no pan, tilt, zoom or focus control (only a digital crop in the app), so "${cam.name}" cannot move.`,
        this.capableNames((c) => c.ptz || c.zoom || c.focus),
      );
    });
  }

  // ---- interactive login --------------------------------------------------------------------

  async authStep(input: AuthInput): Promise<AuthStep> {
    if (this.closed)
      throw new CamhubError('NOT_CONFIGURED', 'The account was redeployed; open it again.');
    try {
      if (input.factor) {
        const type = await this.client.startFactor(input.factor);
        return type === 'PUSH'
          ? {
              state: 'waiting2fa',
              next: 'approve',
              message: 'Approve the sign-in in the Arlo app; this dialog waits for it.',
            }
          : {
              state: 'waiting2fa',
              next: 'code',
              message: `Enter the code Arlo sent by ${type === 'SMS' ? 'text message' : 'email'}.`,
            };
      }
      if (input.code || input.poll) {
        const done = await this.client.finishFactor(input.code || undefined);
        if (!done)
          return {
            state: 'waiting2fa',
            next: 'approve',
            message: 'Still waiting for the approval in the Arlo app.',
          };
        return this.signedIn();
      }
      if (this.client.waitingForMfa && !input.restart) return this.factorStep();
      if (this.client.session && !input.restart)
        return { state: 'connected', message: 'Signed in to Arlo.' };
      this.client.resetLogin();
      await this.client.login();
      return this.signedIn();
    } catch (err) {
      if (err instanceof CamhubError && err.vendorCode === 'mfa_required') return this.factorStep();
      if (err instanceof CamhubError && err.code === 'AUTH_FAILED')
        this.setState({ state: 'authFailed', message: err.message });
      throw err;
    }
  }

  private factorStep(): AuthStep {
    this.setState({ state: 'waiting2fa' });
    return {
      state: 'waiting2fa',
      next: 'factor',
      choices: this.client.factors.map((f) => ({ id: f.id, label: f.label })),
      message: 'Arlo asks for two-step verification. Choose where to get the code.',
    };
  }

  private signedIn(): AuthStep {
    this.setState({ state: 'connected' });
    // A stream that gave up waiting for the sign-in starts again at once.
    this.stream?.restart();
    return {
      state: 'connected',
      message: 'Signed in to Arlo. This Node-RED is now a trusted browser.',
    };
  }

  protected closeClient(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    this.closeStream();
    const closedErr = new CamhubError(
      'NOT_CONFIGURED',
      'The Arlo account was closed (the flow was redeployed). Send the msg again.',
    );
    for (const w of [...this.waiters]) w.reject(closedErr);
    this.waiters.clear();
    this.client.close();
  }
}
