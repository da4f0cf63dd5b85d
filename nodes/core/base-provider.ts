import { SingleFlight } from './async';
import {
  CONTROL_CAPABILITY,
  bareStatus,
  type ControlKey,
  type ControlRequest,
  type ControlValues,
  type DeviceStatus,
} from './device';
import { StateWatch } from './state-watch';
import { CamhubError, errors, toCamhubError } from './errors';
import type { Logger } from './log';
import type {
  ArmRequest,
  ArmState,
  CameraEvent,
  CameraInfo,
  CameraProvider,
  Capabilities,
  ConnectionState,
  EventListener,
  PtzCommand,
  Snapshot,
  StreamInfo,
  StatusListener,
  StreamQuality,
  WebhookReply,
  WebhookRequest,
} from './provider';

/** How long a camera list is trusted before a lookup asks the cloud again. */
const CAMERA_CACHE_MS = 60_000;

/**
 * What every provider needs and no vendor should write again: the camera cache with the
 * unknown-vs-offline decision, capability errors that name the capable cameras, the shared
 * event fan-out that starts a poller or stream on the first subscriber and stops it on the
 * last, and connection state for status dots.
 */
export abstract class BaseProvider implements CameraProvider {
  abstract readonly vendor: string;
  abstract readonly vendorLabel: string;

  protected readonly log: Logger;
  private readonly listeners = new Set<EventListener>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private current: ConnectionState = { state: 'idle' };
  private readonly known = new Map<string, CameraInfo>();
  private readonly listFlight = new SingleFlight<CameraInfo[]>();
  private listedAt = 0;
  protected closed = false;
  private readonly stateWatch: StateWatch;

  constructor(log: Logger) {
    this.log = log;
    this.stateWatch = new StateWatch(
      () => this.deviceStatus(),
      log,
      (st) => {
        // The camera list (and the pickers) carry the battery too, where a percentage is known.
        const cam = this.known.get(st.id);
        if (cam && typeof st.battery?.percent === 'number') {
          cam.battery = { percent: st.battery.percent, charging: st.battery.charging === true };
        }
      },
    );
  }

  /** Ask the cloud for the account's cameras. Cameras it omits are taken as offline. */
  protected abstract fetchCameras(): Promise<CameraInfo[]>;
  protected abstract startEvents(): void;
  protected abstract stopEvents(): void;
  protected abstract closeClient(): Promise<void> | void;

  abstract getArmState(cameraId: string, request?: ArmRequest): Promise<ArmState>;
  abstract setArmState(cameraId: string, request: ArmRequest): Promise<ArmState>;
  abstract snapshot(cameraId: string, options?: { quality?: StreamQuality }): Promise<Snapshot>;
  abstract ptz(cameraId: string, command: PtzCommand): Promise<void>;
  abstract streamUrl(cameraId: string, options?: { quality?: StreamQuality }): Promise<StreamInfo>;
  handleWebhook?(request: WebhookRequest): Promise<WebhookReply>;

  async listModes(): Promise<string[]> {
    return [];
  }

  get state(): ConnectionState {
    return this.current;
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The "connected" state; a provider adds what is degraded while connected (Arlo: quiet bases). */
  protected connectedState(): ConnectionState {
    return { state: 'connected' };
  }

  protected setState(next: ConnectionState): void {
    const same = JSON.stringify(next) === JSON.stringify(this.current);
    const was = this.current.state;
    this.current = next;
    if (same) return;
    // A state round that failed before the login completed is retried at once, not in 10 min.
    if (next.state === 'connected') this.stateWatch.connected();
    // Besides the status dots, a login that needs the user is said once in the log.
    if (next.state === 'authFailed' && was !== 'authFailed') {
      this.log.warn(`${this.vendorLabel} refused the login: ${next.message}`);
    } else if (next.state === 'waiting2fa' && was !== 'waiting2fa') {
      this.log.warn(
        `${this.vendorLabel} waits for a two-step verification code: sign in from the account node.`,
      );
    }
    for (const l of [...this.stateListeners]) {
      try {
        l(next);
      } catch (err) {
        this.log.error(`state listener failed: ${String(err)}`);
      }
    }
  }

  /**
   * Wraps every cloud call so the account's state follows what the cloud says: a rejected
   * login turns every node of the account red, a success turns them back.
   */
  protected async track<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      if (this.current.state !== 'connected' && !this.closed) this.setState(this.connectedState());
      return out;
    } catch (err) {
      const e = toCamhubError(err);
      if (e.code === 'AUTH_FAILED')
        this.setState({
          state: 'authFailed',
          message: e.message,
          ...(e.retryAfterMs !== undefined ? { retryAt: Date.now() + e.retryAfterMs } : {}),
        });
      else if (e.code === 'RATE_LIMITED')
        this.setState({ state: 'rateLimited', until: Date.now() + (e.retryAfterMs ?? 60_000) });
      throw e;
    }
  }

  async listCameras(options: { refresh?: boolean } = {}): Promise<CameraInfo[]> {
    if (!options.refresh && this.listedAt && Date.now() - this.listedAt < CAMERA_CACHE_MS) {
      return [...this.known.values()];
    }
    return this.listFlight.run('list', () =>
      this.track(async () => {
        if (this.current.state === 'idle') this.setState({ state: 'connecting' });
        const fresh = await this.fetchCameras();
        const seen = new Set(fresh.map((c) => c.id));
        for (const cam of fresh) this.known.set(cam.id, cam);
        for (const [id, cam] of this.known) {
          if (!seen.has(id)) this.known.set(id, { ...cam, online: false });
        }
        this.listedAt = Date.now();
        // A fresh list is a state reading too: watchers hear of cameras going away or coming back.
        for (const cam of this.known.values()) {
          this.patchStatus(cam.id, { online: cam.online, name: cam.name });
        }
        return [...this.known.values()];
      }),
    );
  }

  /** A cached camera, or undefined; never calls the cloud (for event payloads). */
  protected cachedCamera(id: string): CameraInfo | undefined {
    return this.known.get(id);
  }

  /** Resolves a camera id; UNKNOWN_CAMERA if the account never had it, OFFLINE if it is away. */
  async getCamera(id: string): Promise<CameraInfo> {
    let cams = await this.listCameras();
    let cam = cams.find((c) => c.id === id);
    if (!cam || !cam.online) {
      cams = await this.listCameras({ refresh: true });
      cam = cams.find((c) => c.id === id);
    }
    if (!cam) {
      throw errors.unknownCamera(
        id,
        this.vendorLabel,
        cams.map((c) => `${c.id} (${c.name})`),
      );
    }
    if (!cam.online) throw errors.offline(cam.name);
    return cam;
  }

  /**
   * A camera of the account even while it is offline, for what the cloud keeps without it
   * (recordings in the cloud); UNKNOWN_CAMERA as getCamera says it.
   */
  protected async knownCamera(id: string): Promise<CameraInfo> {
    try {
      return await this.getCamera(id);
    } catch (err) {
      const cam =
        err instanceof CamhubError && err.code === 'OFFLINE' ? this.known.get(id) : undefined;
      if (cam) return cam;
      throw err;
    }
  }

  /** "Name (id)" of every known camera that has a capability, for NOT_SUPPORTED messages. */
  protected capableNames(has: (c: Capabilities) => boolean): string[] {
    return [...this.known.values()]
      .filter((c) => has(c.capabilities))
      .map((c) => `${c.name} (${c.id})`);
  }

  /** Throws NOT_SUPPORTED naming the cameras that do have the capability. */
  protected requireCapability(
    cam: CameraInfo,
    has: (c: Capabilities) => boolean,
    what: string,
  ): void {
    if (has(cam.capabilities)) return;
    throw errors.notSupported(
      `Camera "${cam.name}" (${this.vendorLabel}) cannot ${what}.`,
      this.capableNames(has),
    );
  }

  subscribe(listener: EventListener): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.startEvents();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0 && !this.closed) this.stopEvents();
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  protected emit(event: CameraEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.log.error(`event listener failed: ${String(err)}`);
      }
    }
  }

  // ---- camera state (status node, watch mode) ----------------------------------------------

  /**
   * Reads the state of the given cameras (fresh from the camera list). The default knows only
   * what the list says; vendors override it with what their cloud gives.
   */
  protected async readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    return cams.map((cam) => {
      const st = bareStatus(cam);
      if (cam.battery)
        st.battery = { percent: cam.battery.percent, charging: cam.battery.charging };
      return st;
    });
  }

  async deviceStatus(cameraId?: string): Promise<DeviceStatus[]> {
    return this.track(async () => {
      const cams = await this.listCameras({ refresh: true });
      let wanted = cams;
      if (cameraId !== undefined) {
        wanted = cams.filter((c) => c.id === this.normaliseId(cameraId));
        if (wanted.length === 0) {
          throw errors.unknownCamera(
            cameraId,
            this.vendorLabel,
            cams.map((c) => `${c.id} (${c.name})`),
          );
        }
      }
      const out = await this.readStatus(wanted);
      this.publishStatus(out);
      return out;
    });
  }

  /** How a user-typed camera id maps to the cloud's (Netatmo lower-cases MACs). */
  protected normaliseId(id: string): string {
    return id;
  }

  /** Hands fresh readings to the watchers, each with the reading before it. */
  protected publishStatus(list: DeviceStatus[]): void {
    this.stateWatch.publish(list);
  }

  /** A partial reading merged into the last full one; see StateWatch.patch. */
  protected patchStatus(id: string, patch: Partial<DeviceStatus>): void {
    this.stateWatch.patch(id, patch);
  }

  /** Does any node watch this account's camera state? */
  protected get watched(): boolean {
    return this.stateWatch.watched;
  }

  /** Rounds of the shared state interval (tests count requests by them). */
  get statusRounds(): { started: number; finished: number; ok: number } {
    return this.stateWatch.rounds;
  }

  setStateInterval(ms: number): void {
    this.stateWatch.setInterval(ms);
  }

  watchStatus(listener: StatusListener): () => void {
    if (this.closed) return () => undefined;
    return this.stateWatch.watch(listener);
  }

  /**
   * Sets and reads a camera's switches. Each key is checked against the camera's capabilities
   * first (NOT_SUPPORTED naming the cameras that can), then the vendor applies it.
   */
  async control(cameraId: string, request: ControlRequest): Promise<ControlValues> {
    return this.track(async () => {
      const cam = await this.getCamera(this.normaliseId(cameraId));
      const what: Record<ControlKey, string> = {
        light: 'switch a floodlight',
        name: 'be renamed from here',
        motion: 'change its motion detection settings',
        pir: 'change a PIR configuration',
        siren: 'sound a siren',
        persons: 'tell who is home',
      };
      for (const key of Object.keys(CONTROL_CAPABILITY) as ControlKey[]) {
        if (request[key] === undefined) continue;
        const flag = CONTROL_CAPABILITY[key];
        this.requireCapability(cam, (c) => c[flag] === true, what[key]);
      }
      return this.applyControl(cam, request);
    });
  }

  /** The vendor's part of control(); every key in the request is one the camera has. */
  protected async applyControl(cam: CameraInfo, request: ControlRequest): Promise<ControlValues> {
    if (request.get) return {};
    throw errors.notSupported(`Camera "${cam.name}" (${this.vendorLabel}) has no switches.`, []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stateWatch.close();
    if (this.listeners.size > 0) this.stopEvents();
    this.listeners.clear();
    this.stateListeners.clear();
    await this.closeClient();
  }

  protected notConfigured(message: string): CamhubError {
    return new CamhubError('NOT_CONFIGURED', message);
  }
}
