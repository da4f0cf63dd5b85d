import { SingleFlight } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import type { ControlRequest, ControlValues, DeviceStatus } from '../../core/device';
import { CamhubError, errors } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type {
  ArmRequest,
  ArmState,
  AuthInput,
  AuthStep,
  CameraEvent,
  CameraInfo,
  ConnectionState,
  PtzCommand,
  SecretStore,
  Snapshot,
  StreamInfo,
  StreamQuality,
} from '../../core/provider';
import type { EventClipRef, Recording, RecordingFile, RecordingRange } from '../../core/recordings';
import { splitRecordingId } from '../../core/recordings';
import { ArloDevices } from './camera-list';
import { ArloClient } from './client';
import { ArloCommands } from './commands';
import { ArloDeviceState } from './device-state';
import { ArloEvents } from './events';
import * as media from './media';
import { ArloModes } from './modes';
import * as rec from './recordings';
import { ArloSubscriptions } from './subscriptions';
import type { ArloPacket } from './types';

export interface ArloProviderOptions {
  baseUrl: string;
  authUrl: string;
  email: string;
  password: string;
  timeoutMs?: number;
  /** How long a command waits for its answer on the event stream. */
  commandTimeoutMs?: number;
  /** On SSE accounts: how long after a motion the library is read for its smart label. */
  libraryDelayMs?: number;
  /** Renewal period of the base stations' event subscription. */
  heartbeatMs?: number;
  /** How long the stream stays open after the last user, so bursts of commands share it. */
  lingerMs?: number;
  reconnectBaseMs?: number;
  store: SecretStore;
  log: Logger;
  gate?: LoginGate;
}

/**
 * An Arlo account: the camera list (camera-list.ts), the event stream and its subscriptions
 * (subscriptions.ts), commands answered on the stream (commands.ts), modes (modes.ts), device
 * state and the siren (device-state.ts), pictures and streams (media.ts), events (events.ts)
 * and recordings (recordings.ts), put together behind CameraProvider.
 */
export class ArloProvider extends BaseProvider {
  readonly vendor = 'arlo';
  readonly vendorLabel = 'Arlo';
  readonly client: ArloClient;
  private readonly opts: ArloProviderOptions;
  private readonly devices = new ArloDevices(this.vendorLabel);
  private readonly subs: ArloSubscriptions;
  private readonly commands: ArloCommands;
  private readonly modes: ArloModes;
  private readonly deviceState: ArloDeviceState;
  private readonly events: ArloEvents;
  private readonly snapFlight = new SingleFlight<Snapshot>();

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
      gate: opts.gate,
    });
    const { client, devices, log } = this;
    const commandTimeoutMs = opts.commandTimeoutMs ?? 30_000;
    this.subs = new ArloSubscriptions(
      {
        log,
        client,
        devices,
        closed: () => this.closed,
        session: () => this.track(() => client.ensureSession()),
        listDevices: () => this.listCameras(),
        onPacket: (p) => this.onPacket(p),
        onConnected: () => this.setState(this.connectedState()),
        onDisconnected: () => {
          if (this.state.state === 'connected') this.setState({ state: 'connecting' });
        },
        onQuietChanged: () => {
          if (this.state.state === 'connected') this.setState(this.connectedState());
        },
      },
      {
        timeoutMs: opts.timeoutMs,
        commandTimeoutMs,
        heartbeatMs: opts.heartbeatMs,
        lingerMs: opts.lingerMs,
        reconnectBaseMs: opts.reconnectBaseMs,
      },
    );
    this.commands = new ArloCommands({
      client,
      commandTimeoutMs: () => commandTimeoutMs,
      acquire: () => this.subs.acquire(),
      release: () => this.subs.release(),
      whenConnected: () => this.subs.whenConnected(),
      ensureGateway: (gw) => this.subs.ensureGateway(gw),
    });
    const armState = (cameraId: string) => this.getArmState(cameraId);
    this.modes = new ArloModes({
      log,
      client,
      commands: this.commands,
      gateway: (id) => devices.gateway(id),
      armState,
    });
    this.deviceState = new ArloDeviceState({
      log,
      client,
      devices,
      commands: this.commands,
      patchStatus: (id, patch) => this.patchStatus(id, patch),
      armState,
    });
    this.events = new ArloEvents(
      {
        vendor: this.vendor,
        log,
        cameraName: (id) => this.cachedCamera(id)?.name ?? devices.name(id),
        armed: (id) => this.modes.armedNow(id),
        emit: (event) => this.emit(event),
        library: (from, to) => client.library(from, to),
        transport: () => this.subs.transport,
      },
      { libraryDelayMs: opts.libraryDelayMs },
    );
    client.onMfa = (waiting) => {
      if (waiting && !this.closed) this.setState({ state: 'waiting2fa' });
    };
    client.onSession = () => this.modes.onSession();
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

  protected fetchCameras(): Promise<CameraInfo[]> {
    return this.devices.fetch(this.client, this.vendor);
  }

  // ---- the event stream -------------------------------------------------------------------

  protected startEvents(): void {
    this.subs.acquire();
  }

  protected stopEvents(): void {
    this.events.stop();
    this.subs.release();
  }

  /** "connected", naming the base stations that have gone quiet, if any. */
  protected override connectedState(): ConnectionState {
    const quiet = this.subs.quietNames();
    return quiet.length ? { state: 'connected', quiet } : { state: 'connected' };
  }

  private onPacket(p: ArloPacket): void {
    this.subs.heard(p);
    this.commands.onPacket(p);
    if (p.action === 'logout') {
      // Ended elsewhere: reconnect, which logs in again (a trusted browser skips 2FA). Not from
      // inside this handler: the packet must be acknowledged first, or the broker hands it to us
      // again after the reconnect.
      this.log.warn('Arlo ended the session (signed out elsewhere); signing in again.');
      this.client.dropSession();
      setImmediate(() => {
        if (!this.closed) this.subs.restart();
      });
      return;
    }
    this.modes.onPacket(p);
    this.events.onPacket(p);
    this.deviceState.onPacket(p);
  }

  // ---- device state and the siren -----------------------------------------------------------

  protected override readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    return this.deviceState.read(cams);
  }

  protected override applyControl(
    cam: CameraInfo,
    request: ControlRequest,
  ): Promise<ControlValues> {
    return this.deviceState.control(cam, request);
  }

  async eventImage(event: CameraEvent): Promise<Snapshot> {
    return media.eventImage(this.client, event);
  }

  // ---- recordings (the cloud library) ------------------------------------------------------

  async listRecordings(cameraId: string, range: RecordingRange): Promise<Recording[]> {
    return this.track(async () =>
      rec.listRecordings(this.client, await this.knownCamera(cameraId), range),
    );
  }

  async playRecording(recordingId: string): Promise<StreamInfo> {
    return this.track(async () => {
      const cam = await this.knownCamera(splitRecordingId(recordingId).cameraId);
      return rec.play(this.client, cam, recordingId);
    });
  }

  async downloadRecording(
    recordingId: string,
    options: { maxBytes: number },
  ): Promise<RecordingFile> {
    return this.track(async () => {
      const cam = await this.knownCamera(splitRecordingId(recordingId).cameraId);
      return rec.download(
        this.client,
        this.client.api,
        cam,
        recordingId,
        options.maxBytes,
        this.commandTimeoutMs,
      );
    });
  }

  async eventRecording(cameraId: string, ref: EventClipRef): Promise<Recording> {
    return this.track(async () =>
      rec.forEvent(
        this.client,
        await this.getCamera(cameraId),
        ref,
        this.commandTimeoutMs,
        () => this.closed,
      ),
    );
  }

  // ---- modes --------------------------------------------------------------------------------

  override async listModes(cameraId?: string): Promise<string[]> {
    return this.track(async () => {
      const cams = await this.listCameras();
      const cam = cameraId ? await this.getCamera(cameraId) : cams.find((c) => c.online);
      if (!cam) return [];
      return this.modes.names(this.devices.gateway(cam.id));
    });
  }

  async getArmState(cameraId: string): Promise<ArmState> {
    return this.track(async () => this.modes.read(await this.getCamera(cameraId)));
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      // The base station takes a mode change whether or not the camera is there: the list
      // is read afresh, so a camera that went offline since is OFFLINE and nothing is sent.
      await this.listCameras({ refresh: true });
      return this.modes.set(await this.getCamera(cameraId), request);
    });
  }

  // ---- snapshot, stream, PTZ ----------------------------------------------------------------

  async snapshot(cameraId: string, options: { quality?: StreamQuality } = {}): Promise<Snapshot> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      media.checkQuality(cam, options.quality);
      // One capture per camera at a time: a second flow asking meanwhile gets the same picture.
      return this.snapFlight.run(cam.id, () =>
        media.takeSnapshot(this.client, this.commands, this.devices.gateway(cam.id), cam),
      );
    });
  }

  async streamUrl(
    cameraId: string,
    options: { quality?: StreamQuality } = {},
  ): Promise<StreamInfo> {
    return this.track(async () => {
      const cam = await this.getCamera(cameraId);
      media.checkQuality(cam, options.quality);
      return media.streamUrl(this.client, this.devices.gateway(cam.id), cam);
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
    this.setState(this.connectedState());
    // A stream that gave up waiting for the sign-in starts again at once.
    this.subs.restart();
    return {
      state: 'connected',
      message: 'Signed in to Arlo. This Node-RED is now a trusted browser.',
    };
  }

  protected closeClient(): void {
    this.events.close();
    this.subs.close();
    this.commands.close(
      new CamhubError(
        'NOT_CONFIGURED',
        'The Arlo account was closed (the flow was redeployed). Send the msg again.',
      ),
    );
    this.client.close();
  }
}
