import type { ControlRequest, ControlValues, DeviceStatus } from './device';
import type { Logger } from './log';
import type { EventClipRef, Recording, RecordingFile, RecordingRange } from './recordings';
import type { LoginGate } from './login-gate';

/** The unified event types of the msg contract. */
export const EVENT_TYPES = [
  'motion',
  'person',
  'vehicle',
  'animal',
  'face',
  'doorbell',
  'sound',
  'other',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const STREAM_QUALITIES = ['main', 'sub', 'extern'] as const;
export type StreamQuality = (typeof STREAM_QUALITIES)[number];

/** `https`: a plain file URL (Arlo's presigned MP4 recordings). */
export type StreamProtocol = 'rtsp' | 'rtsps' | 'hls' | 'immis' | 'dash' | 'https';

export interface Capabilities {
  arm: boolean;
  snapshot: boolean;
  /** Pan and tilt. */
  ptz: boolean;
  zoom: boolean;
  focus: boolean;
  /** The directions a move accepts, where the camera has pan/tilt. */
  ptzDirections: PtzDirection[];
  streamProtocols: StreamProtocol[];
  streamQualities: StreamQuality[];
  battery: boolean;
  /** The camera keeps recordings the recordings node can list (ROP: a micro SD card). */
  recordings?: boolean;
  /** Switches of the camera control node; absent means false. */
  /** A floodlight with on/off/auto (Netatmo Presence). */
  floodlight?: boolean;
  /** The display name can be set (Reolink). */
  rename?: boolean;
  /** Motion detection on/off and sensitivity (Reolink PIR, Blink camera settings). */
  motionSettings?: boolean;
  /** The seed's own PIR config with reduceMistakes (Reolink battery cameras). */
  pir?: boolean;
  /** A siren the camera's base station or the camera itself sounds (Arlo). */
  siren?: boolean;
  /** Who is home, for the camera's home (Netatmo). */
  persons?: boolean;
}

export interface CameraInfo {
  id: string;
  name: string;
  model: string;
  vendor: string;
  online: boolean;
  capabilities: Capabilities;
  battery?: { percent: number; charging: boolean };
}

export interface ArmState {
  armed: boolean;
  mode: string | null;
}

export interface ArmRequest {
  armed?: boolean;
  /** A mode name or id, for clouds that have modes. */
  mode?: string;
  /** Vendor-specific scope (Blink system/camera, Netatmo camera/home). */
  scope?: string;
}

export const PTZ_DIRECTIONS = [
  'left',
  'right',
  'up',
  'down',
  'leftUp',
  'leftDown',
  'rightUp',
  'rightDown',
] as const;
export type PtzDirection = (typeof PTZ_DIRECTIONS)[number];

export type PtzCommand =
  | { action: 'move'; direction: PtzDirection; speed: number }
  | { action: 'stop' }
  | { action: 'zoom'; direction: 'in' | 'out' }
  | { action: 'focus'; direction: 'near' | 'far' };

export interface Snapshot {
  image: Buffer;
  contentType: 'image/jpeg';
  /** ISO 8601 time the picture was taken, as near as the cloud tells. */
  time: string;
}

export interface StreamInfo {
  url: string;
  protocol: StreamProtocol;
  /** ISO 8601; null when the URL lives until the camera reconnects. */
  expiresAt: string | null;
}

/** Someone the camera recognised (or saw and did not know), where the cloud does faces. */
export interface EventPerson {
  id: string;
  /** The name the user gave this person; null for an unknown face. */
  name: string | null;
  known: boolean;
}

/** Whether a msg reports the start of an activity or, where the cloud says so, its end. */
export type EventPhase = 'start' | 'end';

/**
 * The event's own picture, as the cloud names it. `url` is null where fetching it needs the
 * account's credentials (Blink): such a URL is never handed out, the provider fetches it.
 */
export interface EventImage {
  url: string | null;
  /** ISO 8601 time the URL stops working (presigned URLs); null when unknown or never. */
  expiresAt: string | null;
  source: 'event';
}

/** The recording of this event, where the cloud names it; `ready` once it can be fetched. */
export interface EventClip {
  id: string;
  ready: boolean;
}

export interface CameraEvent {
  vendor: string;
  camera: { id: string; name: string };
  /** The most specific of `labels` (see LABEL_ORDER in msg.ts). */
  type: EventType;
  time: string;
  eventId: string;
  raw: unknown;
  /** Every label of the detection, as the cloud reported them; absent means [type]. */
  labels?: EventType[];
  /** Persons in the picture, for clouds that recognise faces; absent elsewhere. */
  persons?: EventPerson[];
  /**
   * Whether the system was armed when the event happened, as the cloud says (Blink network,
   * Arlo active mode, Netatmo monitoring, Reolink alarm notification); null or absent where it
   * cannot be known. Event nodes drop `false` (except doorbell presses) unless they ask for all.
   */
  armed?: boolean | null;
  image?: EventImage;
  clip?: EventClip;
  /** Absent means "start". */
  phase?: EventPhase;
  /**
   * What the provider needs to fetch the picture (a path, ids); never put in a msg, so an
   * authenticated URL does not leak.
   */
  imageRef?: unknown;
}

export type EventListener = (event: CameraEvent) => void;

export type StatusListener = (status: DeviceStatus, previous: DeviceStatus | undefined) => void;

/** What the account's connection is doing; config nodes mirror it in their users' status. */
export type ConnectionState =
  | { state: 'idle' }
  | { state: 'connecting' }
  /** `quiet`: parts of the account (Arlo base stations) that stopped sending, by name. */
  | { state: 'connected'; quiet?: string[] }
  | { state: 'waiting2fa' }
  | { state: 'rateLimited'; until: number }
  /** retryAt: no new login before this time (the account's login back-off). */
  | { state: 'authFailed'; message: string; retryAt?: number }
  | { state: 'error'; message: string };

/** An HTTP request that reached the account's webhook, stripped to what a provider needs. */
export interface WebhookRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  body: Buffer;
}

export interface WebhookReply {
  status: number;
  body?: string;
}

/**
 * Every cloud implements this. Nodes only ever talk to a provider; a provider only ever talks
 * to its vendor client. Camera ids are the vendor's own ids, as strings.
 */
export interface CameraProvider {
  readonly vendor: string;
  readonly vendorLabel: string;

  listCameras(options?: { refresh?: boolean }): Promise<CameraInfo[]>;
  /** Throws UNKNOWN_CAMERA (never seen) or OFFLINE (known, not reachable now). */
  getCamera(id: string): Promise<CameraInfo>;

  getArmState(cameraId: string, request?: ArmRequest): Promise<ArmState>;
  setArmState(cameraId: string, request: ArmRequest): Promise<ArmState>;
  /** The names a mode request may use; empty where the cloud has only armed/disarmed. */
  listModes(cameraId?: string): Promise<string[]>;

  snapshot(cameraId: string, options?: { quality?: StreamQuality }): Promise<Snapshot>;
  ptz(cameraId: string, command: PtzCommand): Promise<void>;
  streamUrl(cameraId: string, options?: { quality?: StreamQuality }): Promise<StreamInfo>;

  /** Events for every camera of the account; the provider starts its poller or stream on the first. */
  subscribe(listener: EventListener): () => void;
  /**
   * The event's own picture (CameraEvent.image), fetched with the account's credentials where
   * the cloud needs them; absent where the cloud has no event pictures (ROP). Throws a
   * CamhubError when the picture cannot be had (expired, deleted, not a JPEG).
   */
  eventImage?(event: CameraEvent): Promise<Snapshot>;
  /** For push clouds: handle a call to the account's webhook. */
  handleWebhook?(request: WebhookRequest): Promise<WebhookReply>;

  onStateChange(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  /** For clouds that push or poll: how events arrive now (shown in the account's dialog). */
  readonly eventDelivery?: 'webhook' | 'polling';

  /**
   * Recordings, where the cloud keeps them; `capabilities.recordings` says which cameras.
   * Lists are newest first, at most `range.limit`. Recording ids are "<camera id>|<key>".
   */
  listRecordings?(cameraId: string, range: RecordingRange): Promise<Recording[]>;
  /** "YYYY-MM-DD" days of a month with recordings; only where the cloud has a calendar. */
  recordingDays?(cameraId: string, year: number, month: number): Promise<string[]>;
  playRecording?(recordingId: string): Promise<StreamInfo>;
  /** The file, at most maxBytes; only where recordings are files (not streams). */
  downloadRecording?(recordingId: string, options: { maxBytes: number }): Promise<RecordingFile>;
  /** The recording an event made, once the cloud has it ready (waits up to the command timeout). */
  eventRecording?(cameraId: string, ref: EventClipRef): Promise<Recording>;
  /**
   * The state of one camera, or of every camera of the account (no id). Offline cameras are
   * listed with online false rather than failing; UNKNOWN_CAMERA for an id the account lacks.
   */
  deviceStatus?(cameraId?: string): Promise<DeviceStatus[]>;
  /** Sets and/or reads the camera's switches; NOT_SUPPORTED names the cameras that can. */
  control?(cameraId: string, request: ControlRequest): Promise<ControlValues>;
  /**
   * Every new reading of a camera's state with the one before it, whichever way it came
   * (the shared state interval, an event the account receives, a read made for another node).
   */
  watchStatus?(listener: StatusListener): () => void;
  /** The account's one shared state interval for watchers, in ms. */
  setStateInterval?(ms: number): void;

  /** Interactive login from the editor (2FA code, factor choice); absent where not needed. */
  authStep?(input: AuthInput): Promise<AuthStep>;

  /** Stops pollers, streams and timers and frees every socket. */
  close(): Promise<void>;
}

/**
 * Where a provider keeps what must survive a restart but is not a Node-RED credential: rotated
 * refresh tokens, trusted-device ids. Encrypted at rest; one slot per account.
 */
export interface SecretStore {
  load(): Promise<Record<string, unknown> | undefined>;
  save(value: Record<string, unknown>): Promise<void>;
  clear(): Promise<void>;
}

/** What a vendor module gets from the account node. */
export interface ProviderContext {
  /** The account (config node) id; stable across restarts. */
  accountId: string;
  log: Logger;
  store: SecretStore;
  /** The account's login back-off; absent for one-off logins (Discover). */
  gate?: LoginGate;
}

/** Input from the editor during an interactive login: a 2FA code, a chosen factor, ... */
export type AuthInput = Record<string, string>;

/** What the editor shows next during an interactive login. Never carries a secret. */
export interface AuthStep {
  state: ConnectionState['state'];
  /** e.g. "code", "factor", "approve", "authorize" */
  next?: string;
  /** Factors or choices to offer (labels only). */
  choices?: { id: string; label: string }[];
  /** For OAuth: the URL the browser opens. */
  url?: string;
  message?: string;
}

/** A vendor's own admin route under /camhub/<vendor>/..., guarded by the common layer. */
export interface AdminRoute {
  method: 'get' | 'post';
  /** Below /camhub/<vendor>, e.g. "/:id/authorize". */
  path: string;
  /**
   * "read" or "write" permission. "none" is only for a browser coming back from a vendor's
   * login page (an OAuth redirect), which carries no editor token: such a handler must prove
   * the caller itself, e.g. with a single-use OAuth state.
   */
  permission: 'read' | 'write' | 'none';
  handler(req: {
    params: Record<string, string>;
    query: Record<string, string | undefined>;
    body: unknown;
    /** The live provider of the account named by params.id, if deployed. */
    provider?: CameraProvider;
  }): Promise<{ status?: number; json?: unknown; redirect?: string; html?: string }>;
}

export interface VendorConfigField {
  type: 'text' | 'password';
}

/** One cloud, as the registry knows it. Adding a vendor adds one of these. */
export interface VendorModule<Config = Record<string, unknown>> {
  id: string;
  label: string;
  /** The config node type, e.g. camhub-reolink. */
  configType: string;
  defaultBaseUrl: string;
  credentials: Record<string, VendorConfigField>;
  /** Does this cloud deliver events by calling our webhook? */
  webhook: boolean;
  /**
   * The credential that is the webhook URL's own secret (Reolink's authcode): the dialog may
   * show it again on request, since the user pastes the whole URL into the vendor's console.
   */
  webhookSecret?: string;
  /** Vendor-specific admin routes (OAuth callback, ...), mounted under /camhub/<id>/. */
  adminRoutes?: AdminRoute[];
  createProvider(
    config: Config & { baseUrl: string },
    credentials: Record<string, string>,
    ctx: ProviderContext,
  ): CameraProvider;
}
