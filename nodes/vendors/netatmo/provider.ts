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
  SecretStore,
  Snapshot,
  StreamInfo,
  StreamQuality,
  WebhookReply,
  WebhookRequest,
} from '../../core/provider';
import {
  type EventClipRef,
  type Recording,
  type RecordingRange,
  splitRecordingId,
} from '../../core/recordings';
import { NETATMO_SCOPES, NetatmoClient } from './client';
import { applyControl } from './control';
import { NetatmoEventFeed } from './event-feed';
import { type Home, NetatmoHomes } from './home-state';
import { readMonitoring, scopeOf, setMonitoring } from './monitoring';
import {
  beginAuthorization,
  checkRedirectUri,
  forgetAuthorizations,
  type Authorizable,
} from './oauth';
import { NetatmoPictures } from './pictures';
import { NetatmoPolling } from './polling';
import * as rec from './recordings';
import { NetatmoWebhook } from './webhook-registration';

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

/** Camera ids are the module's MAC address, as Netatmo prints it. */
const CAMERA_ID = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * A Netatmo account: OAuth and the connect dialog (here and oauth.ts), homes and their status
 * (home-state.ts), monitoring (monitoring.ts), floodlight and persons (control.ts), the
 * camera's pictures and video (pictures.ts, recordings.ts), and events by webhook
 * (webhook-registration.ts) and poll (polling.ts) through one feed (event-feed.ts).
 */
export class NetatmoProvider extends BaseProvider implements Authorizable {
  readonly vendor = 'netatmo';
  readonly vendorLabel = 'Netatmo';
  private readonly client: NetatmoClient;
  private readonly opts: NetatmoProviderOptions;
  private readonly homes: NetatmoHomes;
  private readonly pictures: NetatmoPictures;
  private readonly webhook: NetatmoWebhook;
  private readonly polling: NetatmoPolling;

  constructor(opts: NetatmoProviderOptions) {
    super(opts.log);
    this.opts = opts;
    const client = new NetatmoClient({
      baseUrl: opts.baseUrl,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      store: opts.store,
      timeoutMs: opts.timeoutMs,
      rateLimitCooldownMs: opts.rateLimitCooldownMs,
      log: opts.log,
      gate: opts.gate,
    });
    this.client = client;
    const { log } = this;
    const closed = () => this.closed;
    const secrets = () => this.secrets();
    const homes = new NetatmoHomes({
      vendor: this.vendor,
      vendorLabel: this.vendorLabel,
      client,
      cachedCamera: (id) => this.cachedCamera(id),
      publishStatus: (list) => this.publishStatus(list),
    });
    this.homes = homes;
    this.pictures = new NetatmoPictures({
      client,
      homes,
      closed,
      track: (fn) => this.track(fn),
    });
    const feed = new NetatmoEventFeed({
      vendor: this.vendor,
      client,
      homes,
      closed,
      watched: () => this.watched,
      cachedCamera: (id) => this.cachedCamera(id),
      refreshCameras: () => this.listCameras({ refresh: true }),
      emit: (event) => this.emit(event),
    });
    const webhook = new NetatmoWebhook(
      { log, client, closed, secrets, onPush: (push) => void feed.onPush(push) },
      {
        clientSecret: opts.clientSecret,
        webhookUrl: opts.webhookUrl,
        pollIntervalMs: opts.pollIntervalMs,
        safetyPollMs: opts.safetyPollMs,
      },
    );
    this.webhook = webhook;
    this.polling = new NetatmoPolling(
      { log, client, homes, webhook, feed, closed, secrets },
      { eventsPageSize: opts.eventsPageSize },
    );
  }

  /** Writes "connect first" to the log once when the account starts without a login. */
  checkConnected(): void {
    void this.client.checkConnected().catch(() => undefined);
  }

  /** How events arrive now: by the activated webhook, or by polling getevents. */
  get eventDelivery(): 'webhook' | 'polling' {
    return this.webhook.pushActive ? 'webhook' : 'polling';
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
    this.homes.forgetAll();
    void this.listCameras({ refresh: true }).catch(() => undefined);
    if (this.subscriberCount > 0) this.webhook.register();
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

  // ---- cameras and their state ----

  protected fetchCameras(): Promise<CameraInfo[]> {
    return this.homes.cameras();
  }

  protected override normaliseId(id: string): string {
    return id.toLowerCase();
  }

  protected override readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    return this.homes.read(cams);
  }

  protected override applyControl(
    cam: CameraInfo,
    request: ControlRequest,
  ): Promise<ControlValues> {
    return applyControl(
      {
        client: this.client,
        homes: this.homes,
        capableNames: (has) => this.capableNames(has),
      },
      cam,
      request,
    );
  }

  private async camera(id: string): Promise<{ cam: CameraInfo; home: Home }> {
    if (!CAMERA_ID.test(id)) {
      const known = (await this.listCameras()).map((c) => `${c.id} (${c.name})`);
      throw errors.unknownCamera(id, this.vendorLabel, known);
    }
    const cam = await this.getCamera(id.toLowerCase());
    return { cam, home: this.homes.homeOf(cam.id) };
  }

  // ---- arm ----

  async getArmState(cameraId: string, request?: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const scope = scopeOf(request);
      const { cam, home } = await this.camera(cameraId);
      if (scope === 'camera') {
        this.requireCapability(cam, (c) => c.arm, 'turn monitoring on or off');
      }
      return readMonitoring(this.homes, cam, home, scope);
    });
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const scope = scopeOf(request);
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
      return setMonitoring(this.client, this.homes, cam, home, scope, request.armed);
    });
  }

  // ---- pictures and streams ----

  async snapshot(cameraId: string): Promise<Snapshot> {
    return this.track(async () => {
      const { cam, home } = await this.camera(cameraId);
      return this.pictures.snapshot(cam, home);
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
      // No expiry is given: the URL works until the camera reconnects and gets a new vpn_url.
      const url = await this.pictures.liveUrl(cam, home, options.quality);
      return { url, protocol: 'hls', expiresAt: null };
    });
  }

  async eventImage(event: CameraEvent): Promise<Snapshot> {
    return this.pictures.eventImage(event);
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
    const mod = await this.homes.module(cam, home, true);
    const problem = rec.sdProblem(mod.sd_status);
    if (problem) {
      throw errors.notSupported(
        `Camera "${cam.name}" (Netatmo) has ${problem} (sd_status ${String(mod.sd_status)}), so it keeps no videos.`,
        this.capableNames((c) => c.recordings === true).filter((n) => !n.endsWith(`(${cam.id})`)),
      );
    }
    return { cam, home };
  }

  async listRecordings(cameraId: string, range: RecordingRange): Promise<Recording[]> {
    return this.track(async () => {
      const { cam, home } = await this.recordingCamera(cameraId);
      return rec.listRecordings(this.client, cam, home.id, range);
    });
  }

  async playRecording(id: string): Promise<StreamInfo> {
    return this.track(async () => {
      const { cameraId, key } = splitRecordingId(id);
      const videoId = rec.checkVideoId(key);
      const { cam, home } = await this.recordingCamera(cameraId);
      return rec.play(this.client, cam, await this.pictures.base(cam, home), videoId);
    });
  }

  async eventRecording(cameraId: string, ref: EventClipRef): Promise<Recording> {
    return this.track(async () => {
      const { cam, home } = await this.recordingCamera(cameraId);
      return rec.forEvent(this.client, cam, home.id, ref, this.commandTimeoutMs, () => this.closed);
    });
  }

  // ---- events ----

  protected startEvents(): void {
    this.polling.start();
    this.webhook.register();
  }

  protected stopEvents(): void {
    this.polling.stop();
  }

  override async handleWebhook(req: WebhookRequest): Promise<WebhookReply> {
    return this.webhook.handle(req);
  }

  protected closeClient(): Promise<void> {
    forgetAuthorizations(this);
    // A redeploy right after a code 26 must find the pause on disk.
    return this.client.close();
  }
}
