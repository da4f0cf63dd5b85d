import { KeyedQueue, SingleFlight, sleep } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import {
  bareStatus,
  checkRange,
  type ControlRequest,
  type ControlValues,
  type DeviceStatus,
} from '../../core/device';
import { CamhubError, errors, toCamhubError } from '../../core/errors';
import { isJpeg } from '../../core/jpeg';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type {
  ArmRequest,
  ArmState,
  AuthInput,
  AuthStep,
  CameraEvent,
  CameraInfo,
  Capabilities,
  EventType,
  PtzCommand,
  SecretStore,
  Snapshot,
  StreamInfo,
} from '../../core/provider';
import { BlinkClient } from './client';
import {
  type EventClipRef,
  type Recording,
  type RecordingFile,
  type RecordingRange,
  splitRecordingId,
} from '../../core/recordings';
import * as rec from './recordings';
import type {
  BlinkCommandReply,
  BlinkHomescreen,
  BlinkHomescreenDevice,
  BlinkKind,
  BlinkMedia,
} from './types';

export interface BlinkTiming {
  /** Between two media/changed polls of the account. */
  pollIntervalMs: number;
  /** Between two command status polls. */
  commandPollMs: number;
  /** How long a command may stay incomplete before the msg fails with TIMEOUT. */
  commandTimeoutMs: number;
  /** Least time between two commands sent to one network. */
  commandSpacingMs: number;
}

export interface BlinkProviderOptions extends BlinkTiming {
  baseUrl: string;
  email: string;
  password: string;
  store: SecretStore;
  log: Logger;
  gate?: LoginGate;
  timeoutMs?: number;
}

/** The status code of a successful command (vendor-facts 1.4). */
/** Kept names and arm states serve events this long (the camera list's own cache time). */
const HOMESCREEN_FRESH_MS = 60_000;
const COMMAND_OK = 908;
/** Clips are looked for this far before the last poll, for clock skew and late uploads. */
const POLL_OVERLAP_MS = 60_000;
/** A clip created longer ago than this before the window is old news, even if unseen. */
const EVENT_GRACE_MS = 5 * 60_000;
const MAX_PAGES = 10;
/** Blink's app offers motion sensitivity 1-9, default 5 (support.blinkforhome.com). */
export const BLINK_SENSITIVITY = { min: 1, max: 9 } as const;

const CAPABILITIES: Capabilities = {
  arm: true,
  snapshot: true,
  ptz: false,
  zoom: false,
  focus: false,
  ptzDirections: [],
  streamProtocols: ['immis', 'rtsps'],
  streamQualities: ['main'],
  battery: false,
  // Every camera's motion clips are kept in the cloud (vendor-facts 1.8).
  recordings: true,
};

const MODELS: Record<string, string> = {
  catalina: 'Blink Outdoor',
  white: 'Blink Indoor (gen 1)',
  xt: 'Blink XT',
  xt2: 'Blink XT2',
  owl: 'Blink Mini',
  hawk: 'Blink Outdoor 4',
  lotus: 'Blink Video Doorbell',
};

interface DeviceRef {
  id: number;
  name: string;
  kind: BlinkKind;
  type: string;
  network: number;
  enabled: boolean;
  online: boolean;
  thumbnail: string | number | null;
  /** Homescreen "ok" or "low" for battery devices (no percentage), signals in bars, temp in F. */
  battery?: string;
  signals?: BlinkHomescreenDevice['signals'];
  firmware?: string;
}

interface NetworkRef {
  id: number;
  name: string;
  armed: boolean;
  hasSyncModule: boolean;
}

export type ArmScope = 'system' | 'camera';

export function parseArmScope(scope: string | undefined): ArmScope {
  if (scope === undefined || scope === '' || scope === 'system') return 'system';
  if (scope === 'camera') return 'camera';
  throw errors.invalidInput(
    `Arm scope "${scope.slice(0, 20)}" does not exist on Blink: use "system" (the camera's whole network) or "camera" (this camera's motion detection).`,
  );
}

/** pir is motion; a doorbell press is a button press; anything else (liveview, ...) is other. */
export function mediaEventType(source: string | undefined): EventType {
  const s = (source ?? '').toLowerCase();
  if (s === 'pir') return 'motion';
  if (/button|press|ring|doorbell/.test(s)) return 'doorbell';
  return 'other';
}

export class BlinkProvider extends BaseProvider {
  readonly vendor = 'blink';
  readonly vendorLabel = 'Blink';
  private readonly client: BlinkClient;
  private readonly timing: BlinkTiming;
  private readonly devices = new Map<string, DeviceRef>();
  private readonly networks = new Map<number, NetworkRef>();
  /** When the homescreen was last read: the names and arm states in devices/networks. */
  private homescreenAt = 0;
  private readonly commands = new KeyedQueue();
  private readonly lastCommand = new Map<number, number>();
  private readonly snaps = new SingleFlight<Snapshot>();
  private readonly abort = new AbortController();
  private poller?: AbortController;
  /** Clip ids already handled, with their creation time for pruning. Kept across poller restarts. */
  private readonly seen = new Map<number, number>();
  private lastPollAt?: number;
  private emitAfter = 0;
  private lastPollError = '';

  constructor(opts: BlinkProviderOptions) {
    super(opts.log);
    this.timing = opts;
    this.client = new BlinkClient({
      baseUrl: opts.baseUrl,
      email: opts.email,
      password: opts.password,
      store: opts.store,
      log: opts.log,
      gate: opts.gate,
      timeoutMs: opts.timeoutMs,
      onWaiting2fa: () => this.setState({ state: 'waiting2fa' }),
    });
    // Log in (or load the stored session) at deploy, so a 2FA request shows at once.
    setImmediate(() => {
      if (!this.closed) void this.listCameras().catch(() => undefined);
    });
  }

  get http() {
    return this.client.api;
  }

  async authStep(input: AuthInput): Promise<AuthStep> {
    const code = (input.code ?? '').replace(/\s+/g, '');
    if (code) {
      if (!/^\d{4,8}$/.test(code)) {
        throw errors.invalidInput('The 2FA code is the 4 to 8 digits Blink sent by SMS or email.');
      }
      await this.client.verify2fa(code);
      await this.listCameras({ refresh: true });
      return { state: 'connected', message: 'Signed in to Blink.' };
    }
    try {
      if (input.action === 'login') await this.client.restartLogin();
      await this.listCameras({ refresh: true });
      return { state: 'connected', message: 'Signed in to Blink.' };
    } catch (err) {
      if (this.client.waiting2fa) {
        const via = this.client.tsvMethods.join(' or ') || 'SMS or email';
        return {
          state: 'waiting2fa',
          next: 'code',
          message: `Blink sent a code by ${via}. Enter it here.`,
        };
      }
      throw err;
    }
  }

  // --- cameras -----------------------------------------------------------------------------------

  private absorb(hs: BlinkHomescreen): void {
    this.homescreenAt = Date.now();
    const syncOnline = new Map<number, boolean>();
    for (const sm of hs.sync_modules ?? []) {
      syncOnline.set(sm.network_id, (sm.status ?? 'online') !== 'offline');
    }
    for (const n of hs.networks ?? []) {
      this.networks.set(n.id, {
        id: n.id,
        name: n.name ?? String(n.id),
        armed: n.armed === true,
        hasSyncModule: syncOnline.has(n.id),
      });
    }
    const add = (d: BlinkHomescreenDevice, kind: BlinkKind) => {
      if (typeof d?.id !== 'number' || typeof d.network_id !== 'number') return;
      const status = (d.status ?? '').toLowerCase();
      this.devices.set(String(d.id), {
        id: d.id,
        name: d.name || String(d.id),
        kind,
        type: d.type || (kind === 'owl' ? 'owl' : kind === 'doorbell' ? 'lotus' : 'camera'),
        network: d.network_id,
        enabled: d.enabled === true,
        online: status !== 'offline' && syncOnline.get(d.network_id) !== false,
        thumbnail: d.thumbnail ?? null,
        battery: typeof d.battery === 'string' ? d.battery : undefined,
        signals: d.signals && typeof d.signals === 'object' ? d.signals : undefined,
        firmware: typeof d.fw_version === 'string' ? d.fw_version : undefined,
      });
    };
    for (const d of hs.cameras ?? []) add(d, 'camera');
    for (const d of hs.owls ?? []) add(d, 'owl');
    for (const d of hs.doorbells ?? []) add(d, 'doorbell');
    // Every homescreen read (a poll with news, an arm, a snapshot) is a state reading.
    this.publishStatus([...this.devices.values()].map((r) => this.refStatus(r)));
  }

  /**
   * A device's state from the homescreen (vendor-facts 1.3): battery ok/low without a
   * percentage, Wi-Fi in bars, temperature in degrees F (blinkpy converts it the same way in
   * camera.py temperature_c). The Mini is USB powered and lists no battery; Blink reports no
   * SD card per camera (local storage sits on the sync module), so storage stays null.
   */
  private refStatus(ref: DeviceRef): DeviceStatus {
    const st = bareStatus({
      id: String(ref.id),
      name: ref.name,
      model: MODELS[ref.type] ?? `Blink ${ref.type}`,
      vendor: this.vendor,
      online: ref.online,
    });
    if (!ref.online) return st;
    st.armed = this.armed(ref, 'system');
    if (ref.kind === 'owl') st.power = 'mains';
    else if (ref.battery === 'ok' || ref.battery === 'low') {
      st.power = 'battery';
      st.battery = { percent: null, charging: null, low: ref.battery === 'low' };
    }
    const wifi = ref.signals?.wifi;
    if (typeof wifi === 'number') st.signal = { wifi, unit: 'bars' };
    const temp = ref.signals?.temp;
    if (typeof temp === 'number') st.temperature = Math.round(((temp - 32) * 50) / 9) / 10;
    if (ref.firmware) st.firmware = ref.firmware;
    return st;
  }

  protected override async readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    // listCameras has just read the homescreen; nothing more to ask.
    return cams.map((cam) => {
      const ref = this.devices.get(cam.id);
      return ref ? this.refStatus(ref) : bareStatus({ ...cam, online: false });
    });
  }

  protected override async applyControl(
    cam: CameraInfo,
    request: ControlRequest,
  ): Promise<ControlValues> {
    const known = this.devices.get(cam.id);
    if (!known || known.kind !== 'camera') return {};
    // As the homescreen shows it now: the cloud would hand back the stored settings of an
    // offline camera as if they were its own, and fail a command with code 1000 only later.
    const { ref } = await this.liveDevice(cam.id);
    const label = `Motion settings of "${cam.name}"`;
    const sensitivity = request.motion?.sensitivity;
    // Checked before the first command: an out-of-range value changes nothing.
    if (sensitivity !== undefined) {
      checkRange(
        sensitivity,
        BLINK_SENSITIVITY.min,
        BLINK_SENSITIVITY.max,
        'Blink motion sensitivity',
      );
    }
    if (sensitivity !== undefined) {
      await this.runCommand(ref.network, label, () =>
        this.client.updateCamera(ref.network, ref.id, { motion_sensitivity: sensitivity }, label),
      );
    }
    const enabled = request.motion?.enabled;
    if (enabled !== undefined) {
      await this.runCommand(ref.network, label, () =>
        this.client.setMotion(ref.kind, ref.network, ref.id, enabled, label),
      );
    }
    const config = await this.client.cameraConfig(ref.network, ref.id, label);
    const c = Array.isArray(config.camera) ? config.camera[0] : undefined;
    const level = Number(c?.motion_sensitivity);
    if (!c || !Number.isFinite(level)) {
      throw new CamhubError('CLOUD_ERROR', `${label}: Blink sent no camera settings. Try again.`);
    }
    return { motion: { enabled: c.enabled === true, sensitivity: level } };
  }

  protected async fetchCameras(): Promise<CameraInfo[]> {
    const hs = await this.client.homescreen();
    this.devices.clear();
    this.absorb(hs);
    return [...this.devices.values()].map((d) => ({
      id: String(d.id),
      name: d.name,
      model: MODELS[d.type] ?? `Blink ${d.type}`,
      vendor: this.vendor,
      online: d.online,
      capabilities: {
        ...CAPABILITIES,
        battery: d.type !== 'owl' && d.type !== 'white',
        // Camera settings (/network/{n}/camera/{c}/update) exist for sync-module cameras only.
        motionSettings: d.kind === 'camera',
      },
    }));
  }

  private async device(cameraId: string): Promise<{ cam: CameraInfo; ref: DeviceRef }> {
    const cam = await this.getCamera(cameraId);
    const ref = this.devices.get(cam.id);
    if (!ref) throw errors.unknownCamera(cameraId, this.vendorLabel, []);
    return { cam, ref };
  }

  /**
   * The device as the homescreen shows it now, for a command. The camera list may be a minute
   * old: a system arm would then succeed without the camera, and a thumbnail or live view
   * would fail with a vendor code, where the user needs to hear that the camera is offline.
   */
  private async liveDevice(cameraId: string): Promise<{ cam: CameraInfo; ref: DeviceRef }> {
    const { cam, ref } = await this.device(cameraId);
    this.absorb(await this.client.homescreen());
    const now = this.devices.get(cam.id) ?? ref;
    if (!now.online) throw errors.offline(cam.name);
    return { cam, ref: now };
  }

  // --- arm ---------------------------------------------------------------------------------------

  /** A Mini without a sync module is its own system: its motion switch is its arm state. */
  private armed(ref: DeviceRef, scope: ArmScope): boolean {
    const net = this.networks.get(ref.network);
    if (scope === 'camera' || !net?.hasSyncModule) return ref.enabled;
    return net.armed;
  }

  async getArmState(cameraId: string, request: ArmRequest = {}): Promise<ArmState> {
    return this.track(async () => {
      const scope = parseArmScope(request.scope);
      const { ref } = await this.device(cameraId);
      this.absorb(await this.client.homescreen());
      const now = this.devices.get(String(ref.id)) ?? ref;
      return { armed: this.armed(now, scope), mode: null };
    });
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const scope = parseArmScope(request.scope);
      if (request.mode !== undefined) {
        throw errors.notSupported(
          `Blink has no modes ("${request.mode.slice(0, 40)}"): send "arm" or "disarm", and choose the scope in the node.`,
          [],
        );
      }
      const { cam, ref } = await this.liveDevice(cameraId);
      const armed = request.armed === true;
      const net = this.networks.get(ref.network);
      const system = scope === 'system' && net?.hasSyncModule === true;
      const what = system
        ? `${armed ? 'Arming' : 'Disarming'} the Blink system "${net?.name ?? ref.network}"`
        : `${armed ? 'Enabling' : 'Disabling'} motion detection of "${cam.name}"`;
      await this.runCommand(ref.network, what, () =>
        system
          ? this.client.armNetwork(ref.network, armed, what)
          : this.client.setMotion(ref.kind, ref.network, ref.id, armed, what),
      );
      // complete:true with status_code 908 is Blink's "Command succeeded" (vendor-facts 1.4):
      // the state is as asked, and a homescreen read-back would only add a round trip. The
      // kept state follows, for status and events.
      const keptNet = this.networks.get(ref.network);
      const keptDev = this.devices.get(String(ref.id));
      if (system && keptNet) keptNet.armed = armed;
      else if (!system && keptDev) keptDev.enabled = armed;
      return { armed, mode: null };
    });
  }

  /**
   * Sends one command to a network and waits until Blink reports it done. Commands of one
   * network go one at a time, spaced, because the sync module refuses overlapping ones.
   */
  private runCommand(
    network: number,
    what: string,
    send: () => Promise<BlinkCommandReply>,
  ): Promise<void> {
    return this.commands.run(String(network), async () => {
      const wait = (this.lastCommand.get(network) ?? 0) + this.timing.commandSpacingMs - Date.now();
      if (wait > 0) await this.pause(wait);
      const reply = await send();
      this.lastCommand.set(network, Date.now());
      if (typeof reply.id !== 'number') {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${what}: Blink accepted the request but sent no command id. Try again.`,
        );
      }
      await this.waitForCommand(reply.network_id ?? network, reply.id, what);
    });
  }

  private async waitForCommand(network: number, id: number, what: string): Promise<void> {
    const deadline = Date.now() + this.timing.commandTimeoutMs;
    for (;;) {
      await this.pause(Math.min(this.timing.commandPollMs, Math.max(0, deadline - Date.now())));
      const status = await this.client.commandStatus(network, id, what);
      const code = status.status_code;
      if (typeof code === 'number' && code !== COMMAND_OK) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${what}: Blink reports the command failed (${status.status_msg ?? 'no reason given'}, code ${code}). ` +
            'Check the camera and its sync module in the Blink app, then try again.',
          { vendorCode: String(code) },
        );
      }
      if (status.complete === true) return;
      if (Date.now() >= deadline) {
        throw new CamhubError(
          'TIMEOUT',
          `${what}: the command did not complete within ${Math.round(this.timing.commandTimeoutMs / 1000)} s. ` +
            'The sync module or camera may be offline or busy; check it in the Blink app and try again.',
        );
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, this.abort.signal);
    } catch {
      throw new CamhubError(
        'NOT_CONFIGURED',
        'The Blink account was closed (the flow was redeployed). Send the msg again.',
      );
    }
  }

  /**
   * A camera call made on the kept camera list, without a homescreen read first: if the call
   * fails, the homescreen is read to tell the user the camera went offline rather than pass on
   * a vendor code. A snapshot reads the homescreen after its command anyway, so an offline
   * camera is caught there too. This spares a round trip on every snapshot and live view.
   */
  private async explainOffline<T>(cam: CameraInfo, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = toCamhubError(err).code;
      if (this.closed || code === 'AUTH_FAILED' || code === 'RATE_LIMITED') throw err;
      if (code === 'OFFLINE' || code === 'NOT_CONFIGURED') throw err;
      try {
        this.absorb(await this.client.homescreen(true));
      } catch {
        throw err;
      }
      if (this.devices.get(cam.id)?.online === false) throw errors.offline(cam.name);
      throw err;
    }
  }

  // --- snapshot, stream, PTZ -------------------------------------------------------------------

  async snapshot(cameraId: string): Promise<Snapshot> {
    return this.track(async () => {
      const { cam, ref } = await this.device(cameraId);
      // Two flows asking at once share one thumbnail command and one picture.
      return this.snaps.run(cam.id, async () => {
        const what = `Snapshot of "${cam.name}"`;
        await this.explainOffline(cam, () =>
          this.runCommand(ref.network, what, () =>
            this.client.requestThumbnail(ref.kind, ref.network, ref.id, what),
          ),
        );
        // The new thumbnail shows in the homescreen only once the command has completed.
        this.absorb(await this.client.homescreen(true));
        const now = this.devices.get(cam.id) ?? ref;
        if (!now.online) throw errors.offline(cam.name);
        if (now.thumbnail === null || now.thumbnail === '') {
          throw new CamhubError('CLOUD_ERROR', `${what}: Blink lists no thumbnail. Try again.`);
        }
        const url = await this.client.thumbnailUrl(now.thumbnail, {
          network: now.network,
          type: now.type,
          id: now.id,
        });
        const shot = await this.client.image(url, what);
        if (!isJpeg(shot.image)) {
          throw new CamhubError(
            'CLOUD_ERROR',
            `${what}: Blink sent ${shot.contentType || 'data'} that is not a JPEG picture. Try again.`,
          );
        }
        const ts = /(?:^|[^\d])(\d{10})(?:\D|$)/.exec(String(now.thumbnail));
        const time = ts ? new Date(Number(ts[1]) * 1000) : new Date();
        return { image: shot.image, contentType: 'image/jpeg', time: time.toISOString() };
      });
    });
  }

  async streamUrl(cameraId: string): Promise<StreamInfo> {
    return this.track(async () => {
      const { cam, ref } = await this.device(cameraId);
      // On the kept camera list: Blink refuses a live view of an offline camera, and that
      // refusal reads the homescreen to say OFFLINE (explainOffline).
      const reply = await this.explainOffline(cam, () =>
        this.client.liveview(ref.kind, ref.network, ref.id, `Live view of "${cam.name}"`),
      );
      const url = typeof reply.server === 'string' ? reply.server : '';
      const protocol = url.startsWith('immis:')
        ? 'immis'
        : url.startsWith('rtsps:')
          ? 'rtsps'
          : url.startsWith('rtsp:')
            ? 'rtsp'
            : undefined;
      if (!protocol) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `Live view of "${cam.name}": Blink sent no stream server. Try again.`,
        );
      }
      const duration = Number(reply.duration);
      return {
        url,
        protocol,
        expiresAt:
          Number.isFinite(duration) && duration > 0
            ? new Date(Date.now() + duration * 1000).toISOString()
            : null,
      };
    });
  }

  async ptz(cameraId: string, command: PtzCommand): Promise<void> {
    return this.track(async () => {
      const { cam } = await this.device(cameraId);
      if (command.action === 'zoom') this.requireCapability(cam, (c) => c.zoom, 'zoom');
      if (command.action === 'focus') this.requireCapability(cam, (c) => c.focus, 'focus');
      this.requireCapability(cam, (c) => c.ptz, 'pan or tilt');
    });
  }

  // --- events ----------------------------------------------------------------------------------

  protected startEvents(): void {
    const poller = new AbortController();
    this.poller = poller;
    // Clips from before this start are history, not events.
    this.emitAfter = Math.floor(Date.now() / 1000) * 1000;
    this.lastPollAt = undefined;
    void this.pollLoop(poller.signal);
  }

  protected stopEvents(): void {
    this.poller?.abort();
    this.poller = undefined;
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed) {
      let wait = this.timing.pollIntervalMs;
      try {
        await this.track(() => this.pollOnce(signal));
        this.lastPollError = '';
      } catch (err) {
        const e = toCamhubError(err);
        if (e.code === 'RATE_LIMITED' && e.retryAfterMs) wait = Math.max(wait, e.retryAfterMs);
        // One line per new problem, not one every poll.
        if (e.message !== this.lastPollError && !signal.aborted) {
          this.lastPollError = e.message;
          this.log.warn(`Polling Blink for events failed: ${e.message}`);
        }
      }
      try {
        await sleep(wait, signal);
      } catch {
        return;
      }
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const since = (this.lastPollAt ?? this.emitAfter) - POLL_OVERLAP_MS;
    const fresh: BlinkMedia[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.client.mediaChanged(since, page);
      const media = Array.isArray(res.media) ? res.media : [];
      for (const m of media) {
        if (typeof m?.id !== 'number' || this.seen.has(m.id)) continue;
        const created = Date.parse(m.created_at ?? '');
        this.seen.set(m.id, Number.isNaN(created) ? started : created);
        const oldest = Math.max(this.emitAfter, since - EVENT_GRACE_MS);
        if (!m.deleted && !Number.isNaN(created) && created >= oldest) fresh.push(m);
      }
      if (media.length === 0 || media.length < (res.limit ?? 25)) break;
    }
    if (signal.aborted) return;
    this.lastPollAt = started;
    for (const [id, created] of this.seen) {
      if (created < since - 2 * EVENT_GRACE_MS) this.seen.delete(id);
    }
    if (fresh.length === 0) return;
    // Names, and whether the network is armed: the kept ones while they are as fresh as the
    // camera list (a minute) and say armed; else read now. A clip from a camera the kept list
    // does not know, or from one it keeps as disarmed (armed in the app since?), reads them:
    // dropping a real motion event is the costly mistake. A kept "armed" can only be wrong for
    // a clip recorded just before a disarm in the app, and such a clip was recorded armed.
    // Reading for every clip would cost each event a round trip.
    const trusted = fresh.every((m) => {
      const ref = m.device_id !== undefined ? this.devices.get(String(m.device_id)) : undefined;
      return (
        ref !== undefined && (mediaEventType(m.source) !== 'motion' || this.armed(ref, 'system'))
      );
    });
    if (!trusted || Date.now() - this.homescreenAt >= HOMESCREEN_FRESH_MS) {
      this.absorb(await this.client.homescreen());
    }
    if (signal.aborted) return;
    fresh.sort((a, b) => Date.parse(a.created_at ?? '') - Date.parse(b.created_at ?? ''));
    for (const m of fresh) this.emit(this.toEvent(m));
  }

  private toEvent(m: BlinkMedia): CameraEvent {
    const byId = m.device_id !== undefined ? this.devices.get(String(m.device_id)) : undefined;
    const ref =
      byId ?? [...this.devices.values()].find((d) => d.name === m.device_name && m.device_name);
    const type = mediaEventType(m.source);
    const event: CameraEvent = {
      vendor: this.vendor,
      camera: {
        id: ref ? String(ref.id) : String(m.device_id ?? ''),
        name: ref?.name ?? m.device_name ?? String(m.device_id ?? ''),
      },
      type,
      time: new Date(Date.parse(m.created_at ?? '')).toISOString(),
      eventId: String(m.id),
      raw: {
        id: m.id,
        created_at: m.created_at,
        device: m.device,
        device_id: m.device_id,
        device_name: m.device_name,
        network_id: m.network_id,
        source: m.source,
        type: m.type,
      },
    };
    // Whether the camera's network was armed, as the homescreen read with this poll says.
    // Event nodes drop disarmed motion (blinkpy counts motion only while armed, 1.8) but
    // never a doorbell press.
    event.armed = ref ? this.armed(ref, 'system') : null;
    if (typeof m.thumbnail === 'string' && m.thumbnail) {
      // The thumbnail needs the account's token (1.5), so its URL is not handed out.
      event.image = { url: null, expiresAt: null, source: 'event' };
      event.imageRef = { thumbnail: m.thumbnail, cameraId: event.camera.id };
    }
    if (typeof m.media === 'string' && m.media) event.clip = { id: String(m.id), ready: true };
    return event;
  }

  /** The clip's own thumbnail, fetched with the account's token. */
  async eventImage(event: CameraEvent): Promise<Snapshot> {
    return this.track(async () => {
      const ref = (event.imageRef ?? {}) as { thumbnail?: unknown; cameraId?: string };
      const what = `The picture of the clip on "${event.camera.name}"`;
      if (typeof ref.thumbnail !== 'string') {
        throw new CamhubError('NOT_SUPPORTED', `${what} is not named by Blink.`);
      }
      const dev = this.devices.get(ref.cameraId ?? '');
      const url = await this.client.thumbnailUrl(ref.thumbnail, {
        network: dev?.network ?? 0,
        type: dev?.type ?? 'camera',
        id: dev?.id ?? 0,
      });
      const shot = await this.client.image(url, what);
      if (!isJpeg(shot.image)) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${what} is ${shot.contentType || 'data'}, not a JPEG.`,
        );
      }
      return { image: shot.image, contentType: 'image/jpeg', time: event.time };
    });
  }

  // ---- recordings: the cloud clips (vendor-facts 1.8) ---------------------------------------

  async listRecordings(cameraId: string, range: RecordingRange): Promise<Recording[]> {
    return this.track(async () =>
      rec.listRecordings(this.client, await this.knownCamera(cameraId), range),
    );
  }

  /** Blink clips need the account's token, so the file itself is the only way out: no play. */
  async downloadRecording(
    recordingId: string,
    options: { maxBytes: number },
  ): Promise<RecordingFile> {
    return this.track(async () => {
      const cam = await this.knownCamera(splitRecordingId(recordingId).cameraId);
      return rec.download(
        this.client,
        cam,
        recordingId,
        options.maxBytes,
        this.timing.commandTimeoutMs,
      );
    });
  }

  async eventRecording(cameraId: string, ref: EventClipRef): Promise<Recording> {
    return this.track(async () =>
      rec.forEvent(
        this.client,
        await this.getCamera(cameraId),
        ref,
        this.timing.commandTimeoutMs,
        () => this.closed,
      ),
    );
  }

  protected closeClient(): void {
    this.abort.abort();
    this.poller?.abort();
    this.client.close();
  }
}
