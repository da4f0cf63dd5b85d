import { randomUUID } from 'node:crypto';
import { KeyedQueue, SingleFlight, mapLimit, sleep } from '../../core/async';
import { BaseProvider } from '../../core/base-provider';
import {
  bareStatus,
  checkRange,
  type ControlRequest,
  type ControlValues,
  type DeviceStatus,
} from '../../core/device';
import { CamhubError, errors } from '../../core/errors';
import { isJpeg } from '../../core/jpeg';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type {
  ArmRequest,
  ArmState,
  CameraEvent,
  CameraInfo,
  Capabilities,
  EventType,
  PtzCommand,
  SecretStore,
  Snapshot,
  StreamInfo,
  StreamQuality,
  WebhookReply,
  WebhookRequest,
} from '../../core/provider';
import { mostSpecific } from '../../core/msg';
import { bearerToken, secretEquals } from '../../core/secret';
import {
  type EventClipRef,
  type Recording,
  type RecordingRange,
  splitRecordingId,
  waitForClip,
} from '../../core/recordings';
import { ReolinkClient } from './client';
import { capabilitiesFor } from './models';
import * as rec from './recordings';
import type { RopAlarm, RopDevice, RopPirConfig, RopStreamType } from './types';

export interface ReolinkProviderOptions {
  baseUrl: string;
  username?: string;
  password?: string;
  /** The webhook secret; calls without it are refused. */
  authcode: string;
  timeoutMs?: number;
  log: Logger;
  /** Where camera names outlive a redeploy or restart (the account's store). */
  store?: SecretStore;
  gate?: LoginGate;
}

/** How often an event's recording is looked for while the camera still writes it. */
const CLIP_POLL_MS = 1_000;

const STREAM_TYPES: Record<StreamQuality, RopStreamType> = {
  main: 'mainStream',
  sub: 'subStream',
  extern: 'externStream',
};

const AI_TYPES: Record<string, EventType> = {
  people: 'person',
  person: 'person',
  vehicle: 'vehicle',
  dog_cat: 'animal',
  face: 'face',
  package: 'other',
  other: 'other',
};

const STATUS_TYPES: Record<string, EventType> = {
  MD: 'motion',
  videoLoss: 'other',
  blind: 'other',
  IOAlarm: 'other',
};

/** Webhook bodies are a few hundred bytes; anything far larger is not from ROP. */
const MAX_WEBHOOK_BODY = 64 * 1024;
/**
 * ROP lists devices without names; each name is one general-config call, which the server
 * relays to the camera. Read this many at once: 500 cameras take 8 round trips, not 500, and
 * the server never sees a burst of hundreds.
 */
export const NAME_CONCURRENCY = 64;
/** A kept name is trusted this long, then read again (a camera renamed in Reolink's app). */
const NAME_TTL_MS = 24 * 3600_000;
/** duplicate_snap means another client holds the device's one snapshot slot; wait for it. */
const SNAP_BUSY_RETRIES = 3;
/** NVRs have at most 32 channels (0-31), as camera ids allow. */
const MAX_CHANNEL = 31;
/** How long a read alarm state stands for the armed field of later alarms. */
const ALARM_STATE_TTL_MS = 60_000;

/** Seed "Set the PIR alarm notification configuration": sensitivity 0-100 (vendor-facts 4.4). */
export const ROP_SENSITIVITY = { min: 0, max: 100 } as const;

/**
 * Seed "Set the display name of the device": 1-31 bytes of half-width letters, digits, spaces
 * and hyphens, not beginning or ending with a space. Checked before any request.
 */
export function checkDisplayName(name: string): string {
  if (Buffer.byteLength(name) < 1 || Buffer.byteLength(name) > 31) {
    throw errors.invalidInput(
      `The display name must be 1 to 31 characters, not ${Buffer.byteLength(name)}.`,
    );
  }
  if (!/^[A-Za-z0-9 -]+$/.test(name)) {
    throw errors.invalidInput(
      'A Reolink display name may contain only letters A-Z, digits, spaces and hyphens.',
    );
  }
  if (name.startsWith(' ') || name.endsWith(' ')) {
    throw errors.invalidInput('A Reolink display name cannot begin or end with a space.');
  }
  return name;
}

/** A camera id is the device uid, with ":<channel>" for a channel other than 0 on an NVR. */
export function parseCameraId(id: string): { uid: string; channel: number } {
  const m = /^([A-Z0-9]{16})(?::(\d{1,2}))?$/.exec(id);
  if (!m) {
    throw errors.invalidInput(
      `"${id.slice(0, 40)}" is not a Reolink camera id: a device uid is 16 capital letters and digits, optionally followed by ":<channel>".`,
    );
  }
  const channel = m[2] === undefined ? 0 : Number(m[2]);
  if (channel > 31) throw errors.invalidInput(`Channel ${channel} is out of range: use 0 to 31.`);
  return { uid: m[1], channel };
}

export class ReolinkProvider extends BaseProvider {
  readonly vendor = 'reolink';
  readonly vendorLabel = 'Reolink';
  private readonly client: ReolinkClient;
  /** One snapshot per device at a time; a stuck one frees the queue after a few deadlines. */
  private readonly snapQueue: KeyedQueue;
  /** uid -> the alarm notification state last read or set, for the armed field of events. */
  private readonly alarmState = new Map<string, { armed: boolean; at: number }>();
  private readonly alarmFlight = new SingleFlight<boolean | null>();
  private readonly authcode: string;
  /** uid -> name and when it was read; kept in the store across redeploys. */
  private readonly names = new Map<string, { name: string; at: number }>();
  private namesLoaded: Promise<void> | undefined;
  private readonly store?: SecretStore;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  /** The device list's family and firmware of each online uid, as last listed. */
  private readonly listed = new Map<string, RopDevice>();

  constructor(opts: ReolinkProviderOptions) {
    super(opts.log);
    this.authcode = opts.authcode;
    this.store = opts.store;
    this.baseUrl = opts.baseUrl;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.snapQueue = new KeyedQueue(4 * (opts.timeoutMs ?? 15_000));
    this.client = new ReolinkClient({
      maxSockets: NAME_CONCURRENCY,
      baseUrl: opts.baseUrl,
      username: opts.username,
      password: opts.password,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      gate: opts.gate,
    });
  }

  get http() {
    return this.client.http;
  }

  protected async fetchCameras(): Promise<CameraInfo[]> {
    const [list] = await Promise.all([this.client.devices(), this.loadNames()]);
    const items = Array.isArray(list?.items) ? list.items : [];
    this.listed.clear();
    for (const d of items) if (d && typeof d.uid === 'string') this.listed.set(d.uid, d);
    let learned = false;
    const cameras = await mapLimit(items, NAME_CONCURRENCY, async (d): Promise<CameraInfo> => {
      const kept = this.names.get(d.uid);
      let name = kept && Date.now() - kept.at < NAME_TTL_MS ? kept.name : undefined;
      if (name === undefined) {
        // A sleeping battery camera may not answer; its uid is a fine name until it does.
        name = await this.client
          .generalConfig(d.uid)
          .then((c) => (typeof c.deviceName === 'string' && c.deviceName ? c.deviceName : d.uid))
          .catch(() => kept?.name ?? d.uid);
        if (name !== d.uid && name !== kept?.name) learned = true;
        if (name !== d.uid) this.names.set(d.uid, { name, at: Date.now() });
      }
      return {
        id: d.uid,
        name,
        model: d.model,
        vendor: this.vendor,
        online: true,
        capabilities: {
          ...capabilitiesFor(d.model, d.family),
          rename: true,
          // pir-config answers battery cameras only (vendor-facts 4.4).
          motionSettings: d.family === 'battery',
          pir: d.family === 'battery',
        },
      };
    });
    if (learned) await this.saveNames();
    return cameras;
  }

  /** Names kept from before a redeploy, for this server only; never fails a listing. */
  private loadNames(): Promise<void> {
    this.namesLoaded ??= (async () => {
      const kept = await this.store?.load().catch(() => undefined);
      if (!kept || kept.baseUrl !== this.baseUrl || typeof kept.names !== 'object') return;
      for (const [uid, v] of Object.entries(kept.names as Record<string, unknown>)) {
        const e = v as { name?: unknown; at?: unknown } | null;
        if (typeof e?.name === 'string' && typeof e.at === 'number' && !this.names.has(uid)) {
          this.names.set(uid, { name: e.name, at: e.at });
        }
      }
    })();
    return this.namesLoaded;
  }

  private async saveNames(): Promise<void> {
    if (!this.store || this.closed) return;
    await this.store
      .save({ baseUrl: this.baseUrl, names: Object.fromEntries(this.names) })
      .catch((err: unknown) => this.log.warn(`could not keep the camera names: ${String(err)}`));
  }

  private async camera(id: string): Promise<{ cam: CameraInfo; uid: string; channel: number }> {
    const { uid, channel } = parseCameraId(id);
    const cam = await this.getCamera(uid);
    return { cam, uid, channel };
  }

  /** Battery cameras sleep; the first request wakes them and may fail with wake_up_timeout. */
  private async awake<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CamhubError && err.vendorCode === 'wake_up_timeout' && !this.closed) {
        return fn();
      }
      throw err;
    }
  }

  async getArmState(cameraId: string): Promise<ArmState> {
    return this.track(async () => {
      const { cam, uid } = await this.camera(cameraId);
      const res = await this.awake(() =>
        this.client.alarm(uid, `Reading the alarm of "${cam.name}"`),
      );
      const armed = res.enabled === true || res.enabled === 'true';
      this.alarmState.set(uid, { armed, at: Date.now() });
      this.patchStatus(uid, { armed });
      return { armed, mode: null };
    });
  }

  async setArmState(cameraId: string, request: ArmRequest): Promise<ArmState> {
    return this.track(async () => {
      const { cam, uid } = await this.camera(cameraId);
      if (request.mode !== undefined) {
        throw errors.notSupported(
          `Reolink cameras have no modes ("${request.mode}"): send "arm" or "disarm".`,
          [],
        );
      }
      const armed = request.armed === true;
      // ROP's settings calls are synchronous (vendor-facts 4.4): the server answers once the
      // device has applied the setting, or fails (cmd_timeout), so a read-back would only
      // repeat what the reply already confirmed, for one more round trip.
      await this.awake(() =>
        this.client.setAlarm(uid, armed, `Setting the alarm of "${cam.name}"`),
      );
      this.alarmState.set(uid, { armed, at: Date.now() });
      this.patchStatus(uid, { armed });
      return { armed, mode: null };
    });
  }

  async snapshot(cameraId: string, options: { quality?: StreamQuality } = {}): Promise<Snapshot> {
    return this.track(async () => {
      const { cam, uid, channel } = await this.camera(cameraId);
      const quality = options.quality ?? 'main';
      if (!cam.capabilities.streamQualities.includes(quality)) {
        throw errors.invalidInput(
          `Camera "${cam.name}" has no "${quality}" stream: use ${cam.capabilities.streamQualities.join(' or ')}.`,
        );
      }
      const label = `Snapshot of "${cam.name}"`;
      // ROP allows one snapshot per device at a time: queue ours, and wait out anyone else's.
      const shot = await this.snapQueue.run(uid, async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await this.awake(() =>
              this.client.snapshot(uid, channel, STREAM_TYPES[quality], label),
            );
          } catch (err) {
            const busy = err instanceof CamhubError && err.vendorCode === 'duplicate_snap';
            if (!busy || attempt >= SNAP_BUSY_RETRIES || this.closed) throw err;
            await sleep(200 * (attempt + 1));
          }
        }
      });
      if (!isJpeg(shot.image)) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${label}: the server sent ${shot.contentType || 'data'} that is not a JPEG picture. Try again.`,
        );
      }
      return { image: shot.image, contentType: 'image/jpeg', time: new Date().toISOString() };
    });
  }

  async ptz(cameraId: string, command: PtzCommand): Promise<void> {
    return this.track(async () => {
      const { cam, uid, channel } = await this.camera(cameraId);
      const label = `PTZ on "${cam.name}"`;
      const need: [(c: Capabilities) => boolean, string] =
        command.action === 'zoom'
          ? [(c) => c.zoom, 'zoom']
          : command.action === 'focus'
            ? [(c) => c.focus, 'focus']
            : [(c) => c.ptz, 'pan or tilt'];
      this.requireCapability(cam, ...need);
      try {
        switch (command.action) {
          case 'move':
            if (!cam.capabilities.ptzDirections.includes(command.direction)) {
              throw errors.invalidInput(
                `Camera "${cam.name}" cannot move ${command.direction}: use ${cam.capabilities.ptzDirections.join(', ')}.`,
              );
            }
            return await this.client.rotate(uid, channel, command.direction, command.speed, label);
          case 'stop':
            return await this.client.rotate(uid, channel, 'none', 1, label);
          case 'zoom':
            return await this.client.zoom(
              uid,
              channel,
              command.direction === 'in' ? 'inc' : 'dec',
              label,
            );
          case 'focus':
            return await this.client.focus(
              uid,
              channel,
              command.direction === 'far' ? 'inc' : 'dec',
              label,
            );
        }
      } catch (err) {
        // The model table may be wrong about a camera; the server has the last word.
        if (err instanceof CamhubError && err.vendorCode === 'cmd_not_support') {
          throw errors.notSupported(
            `Camera "${cam.name}" (Reolink) cannot ${need[1]}.`,
            this.capableNames(need[0]).filter((n) => !n.endsWith(`(${uid})`)),
          );
        }
        throw err;
      }
    });
  }

  async streamUrl(
    cameraId: string,
    options: { quality?: StreamQuality } = {},
  ): Promise<StreamInfo> {
    return this.track(async () => {
      const { cam, uid, channel } = await this.camera(cameraId);
      const quality = options.quality ?? 'main';
      if (!cam.capabilities.streamQualities.includes(quality)) {
        throw errors.invalidInput(
          `Camera "${cam.name}" has no "${quality}" stream: use ${cam.capabilities.streamQualities.join(' or ')}.`,
        );
      }
      const session = await this.awake(() =>
        this.client.livePlaySession(uid, channel, STREAM_TYPES[quality], `Stream of "${cam.name}"`),
      );
      if (typeof session.playURL !== 'string' || !session.playURL) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `Stream of "${cam.name}": the server sent no playURL. Try again.`,
        );
      }
      const ttl = Number(session.expiredIn);
      return {
        url: session.playURL,
        protocol: session.playURL.startsWith('rtsps:') ? 'rtsps' : 'rtsp',
        expiresAt:
          Number.isFinite(ttl) && ttl > 0 ? new Date(Date.now() + ttl * 1000).toISOString() : null,
      };
    });
  }

  // ---- state and switches ----

  /**
   * What ROP tells of a camera (vendor-facts 4.3, 4.4): the device list's family and firmware,
   * the alarm switch and, for battery cameras, states/battery. Signal, temperature and SD card
   * are not in ROP v1.0, so they stay null. A read that fails (a camera that would not wake)
   * leaves its field null rather than failing the other cameras.
   */
  protected override async readStatus(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    return Promise.all(
      cams.map(async (cam) => {
        const st = bareStatus(cam);
        const dev = this.listed.get(cam.id);
        if (!cam.online || !dev) return st;
        st.power = dev.family === 'battery' ? 'battery' : 'mains';
        st.firmware = typeof dev.firmware === 'string' && dev.firmware ? dev.firmware : null;
        const [alarm, battery] = await Promise.all([
          this.awake(() => this.client.alarm(cam.id, `Reading the alarm of "${cam.name}"`)).catch(
            (err: unknown) => this.skipped(cam, 'alarm', err),
          ),
          dev.family === 'battery'
            ? this.awake(() =>
                this.client.battery(cam.id, `Reading the battery of "${cam.name}"`),
              ).catch((err: unknown) => this.skipped(cam, 'battery', err))
            : undefined,
        ]);
        if (alarm) st.armed = alarm.enabled === true || alarm.enabled === 'true';
        if (battery && typeof battery.percent === 'number') {
          const charge = String(battery.chargeStatus ?? '').toLowerCase();
          st.battery = { percent: battery.percent, charging: charge === 'charging' };
        }
        return st;
      }),
    );
  }

  private skipped(cam: CameraInfo, what: string, err: unknown): undefined {
    this.log.debug(`${what} of "${cam.name}" not read: ${String((err as Error)?.message ?? err)}`);
    return undefined;
  }

  protected override async applyControl(
    cam: CameraInfo,
    request: ControlRequest,
  ): Promise<ControlValues> {
    const uid = cam.id;
    // Every value is checked before the first request, so a bad msg changes nothing.
    const name = request.name !== undefined ? checkDisplayName(request.name) : undefined;
    const wanted = request.pir ?? request.motion;
    if (wanted?.sensitivity !== undefined) {
      checkRange(wanted.sensitivity, ROP_SENSITIVITY.min, ROP_SENSITIVITY.max, 'Sensitivity');
    }
    if (name !== undefined) {
      await this.awake(() => this.client.setGeneralConfig(uid, name, `Renaming "${cam.name}"`));
      this.names.set(uid, { name, at: Date.now() });
    }
    if (wanted) {
      const label = `PIR settings of "${cam.name}"`;
      const now = await this.awake(() => this.client.pirConfig(uid, label));
      const next: RopPirConfig = {
        enabled: wanted.enabled ?? now.enabled === true,
        sensitivity: wanted.sensitivity ?? Number(now.sensitivity),
        reduceMistakes:
          (request.pir?.reduceMistakes as boolean | undefined) ?? now.reduceMistakes === true,
      };
      await this.awake(() => this.client.setPirConfig(uid, next, label));
    }
    // The output is the camera's values as read back, not what was asked.
    const out: ControlValues = {};
    const general = await this.awake(() => this.client.generalConfig(uid));
    if (typeof general.deviceName === 'string') {
      out.name = general.deviceName;
      this.names.set(uid, { name: general.deviceName, at: Date.now() });
      await this.saveNames();
    }
    if (cam.capabilities.pir) {
      const pir = await this.awake(() =>
        this.client.pirConfig(uid, `PIR settings of "${cam.name}"`),
      );
      out.pir = {
        enabled: pir.enabled === true,
        sensitivity: Number(pir.sensitivity),
        reduceMistakes: pir.reduceMistakes === true,
      };
      out.motion = { enabled: out.pir.enabled, sensitivity: out.pir.sensitivity };
    }
    // The new name reaches msg.camera and the pickers at once.
    if (name !== undefined) await this.listCameras({ refresh: true });
    return out;
  }

  private recordingCapable(): string[] {
    return this.capableNames((c) => c.recordings === true);
  }

  async listRecordings(cameraId: string, range: RecordingRange): Promise<Recording[]> {
    return this.track(async () => {
      const { cam, uid, channel } = await this.camera(cameraId);
      return rec.orNoCard(
        cam,
        () => this.recordingCapable(),
        () => this.awake(() => rec.listRecordings(this.client, cam, uid, channel, range)),
      );
    });
  }

  async recordingDays(cameraId: string, year: number, month: number): Promise<string[]> {
    return this.track(async () => {
      const { cam, uid, channel } = await this.camera(cameraId);
      return rec.orNoCard(
        cam,
        () => this.recordingCapable(),
        () => this.awake(() => rec.recordingDays(this.client, cam, uid, channel, year, month)),
      );
    });
  }

  async playRecording(recordingId: string): Promise<StreamInfo> {
    return this.track(async () => {
      const { cameraId, key } = splitRecordingId(recordingId);
      const { cam, uid, channel } = await this.camera(cameraId);
      const what = `Playback of "${cam.name}"`;
      const session = await rec.orNoCard(
        cam,
        () => this.recordingCapable(),
        () => this.awake(() => this.client.recordPlaySession(uid, channel, key, what)),
      );
      return rec.playInfo(session, what);
    });
  }

  /**
   * ROP alarms name no file: the recording is the one running at the alarm's time. The camera
   * lists a file once it is written, so a fresh alarm's file is waited for.
   */
  async eventRecording(cameraId: string, ref: EventClipRef): Promise<Recording> {
    if (ref.clipId) return this.recordingById(cameraId, ref.clipId);
    const at = ref.time ? Date.parse(ref.time) : Number.NaN;
    if (!Number.isFinite(at)) {
      throw errors.invalidInput(
        'A Reolink event names no recording: its msg needs payload.time (wire the camera event node in directly).',
      );
    }
    const { cam } = await this.camera(cameraId);
    return waitForClip(
      async () => {
        const items = await this.listRecordings(cameraId, {
          from: at - 10 * 60_000,
          to: Math.max(at + 60_000, Date.now()),
          limit: 1000,
        });
        return rec.pickForEvent(items, ref);
      },
      {
        timeoutMs: this.timeoutMs,
        intervalMs: CLIP_POLL_MS,
        what: `The recording of the event on "${cam.name}"`,
        stopped: () => this.closed,
      },
    );
  }

  /** A clip id handed in with the event: the file itself, no lookup needed to play it. */
  private async recordingById(cameraId: string, clipId: string): Promise<Recording> {
    const { cam } = await this.camera(cameraId);
    const id = clipId.includes('|') ? clipId : `${cam.id}|${clipId}`;
    splitRecordingId(id);
    const now = new Date().toISOString();
    return {
      id,
      camera: { id: cam.id, name: cam.name },
      start: now,
      end: now,
      duration: 0,
      labels: [],
    };
  }

  // ROP pushes alarms to the webhook; there is nothing to start or stop on our side.
  protected startEvents(): void {
    // Warm the camera cache so event payloads carry names without a cloud call per event.
    void this.listCameras().catch(() => undefined);
  }

  protected stopEvents(): void {}

  protected closeClient(): void {
    this.client.close();
  }

  override async handleWebhook(req: WebhookRequest): Promise<WebhookReply> {
    if (req.method !== 'POST') return { status: 405, body: 'POST only' };
    const presented = req.query.authcode ?? bearerToken(req.headers);
    if (!secretEquals(presented, this.authcode)) return { status: 401, body: 'unauthorized' };
    if (req.body.length > MAX_WEBHOOK_BODY) return { status: 413, body: 'too large' };
    let alarm: RopAlarm;
    try {
      // ROP sets no JSON content-type, so the body is parsed whatever the header says.
      alarm = JSON.parse(req.body.toString('utf8')) as RopAlarm;
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    if (
      !alarm ||
      typeof alarm !== 'object' ||
      typeof alarm.uid !== 'string' ||
      !/^[A-Z0-9]{16}$/.test(alarm.uid)
    ) {
      return { status: 400, body: 'missing uid' };
    }
    // Names come from the cached camera list; the first alarm may have to fill it.
    if (!this.cachedCamera(alarm.uid)) await this.listCameras().catch(() => undefined);
    const events = this.alarmToEvents(alarm, alarm.uid);
    if (events.length > 0) {
      const armed = await this.alarmArmed(alarm.uid);
      for (const event of events) this.emit({ ...event, armed });
    }
    return { status: 200, body: 'ok' };
  }

  /**
   * Whether the device's alarm notification is on (4.4): "on" as last read or set within a
   * minute, else read now (one read per device at a time); null when it cannot be read. A
   * remembered "off" is always read again: ROP sends alarms only while it is on (4.8), so an
   * alarm says someone may have switched it on elsewhere since.
   */
  private async alarmArmed(uid: string): Promise<boolean | null> {
    const hit = this.alarmState.get(uid);
    if (hit?.armed && Date.now() - hit.at < ALARM_STATE_TTL_MS) return true;
    return this.alarmFlight.run(uid, async () => {
      try {
        const res = await this.client.alarm(uid, 'Reading the alarm state for an alarm');
        const armed = res.enabled === true || res.enabled === 'true';
        this.alarmState.set(uid, { armed, at: Date.now() });
        return armed;
      } catch (err) {
        this.log.debug(`Reading the alarm state of ${uid} failed: ${String(err)}`);
        return null;
      }
    });
  }

  /**
   * One alarm is one detection, one msg: its status and every AI type become its labels
   * (vendor-facts 4.8: the status plus comma-joined AItype). Field values are looked up as the
   * tables' own keys, so a body saying "toString" is "other", never a function.
   */
  private alarmToEvents(alarm: RopAlarm, uid: string): CameraEvent[] {
    const rawChannel = alarm.channelId ?? '0';
    const channel = Number(typeof rawChannel === 'string' ? rawChannel.trim() || '0' : rawChannel);
    if (!Number.isInteger(channel) || channel < 0 || channel > MAX_CHANNEL) {
      this.log.warn(
        `A Reolink alarm for ${uid} names channel ${JSON.stringify(rawChannel).slice(0, 20)}, not 0 to ${MAX_CHANNEL}; it is ignored.`,
      );
      return [];
    }
    const id = channel === 0 ? uid : `${uid}:${channel}`;
    const name = this.cachedCamera(uid)?.name ?? uid;
    const labels: EventType[] = [];
    const add = (l: EventType) => {
      if (!labels.includes(l)) labels.push(l);
    };
    const status = typeof alarm.status === 'string' ? alarm.status : '';
    if (status && status !== 'none') add(ownValue(STATUS_TYPES, status) ?? 'other');
    const ai =
      typeof alarm.AItype === 'string'
        ? alarm.AItype
        : typeof alarm.AItpe === 'string'
          ? alarm.AItpe
          : '';
    for (const part of ai.split(',').map((s) => s.trim())) {
      if (part && part !== 'none') add(ownValue(AI_TYPES, part) ?? 'other');
    }
    if (labels.length === 0) return [];
    return [
      {
        vendor: this.vendor,
        camera: { id, name },
        type: mostSpecific(labels),
        labels,
        time: new Date().toISOString(),
        eventId: randomUUID(),
        raw: {
          uid,
          channelId: alarm.channelId,
          status: alarm.status,
          AItype: alarm.AItype ?? alarm.AItpe,
        },
      },
    ];
  }
}

function ownValue<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
