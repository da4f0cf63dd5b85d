import { CamhubError, errors } from '../../core/errors';
import { HttpClient, type HttpRequest, type RawReply } from '../../core/http';
import type { Logger } from '../../core/log';
import type { LoginGate } from '../../core/login-gate';
import type {
  RopAlarmConfig,
  RopBattery,
  RopDeviceList,
  RopDirection,
  RopErrorBody,
  RopGeneralConfig,
  RopPirConfig,
  RopPlaySession,
  RopRecordCalendar,
  RopRecordPage,
  RopStreamType,
} from './types';

export interface ReolinkClientOptions {
  baseUrl: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  log?: Logger;
  /** Connections to the server at most (camera names are read in parallel). */
  maxSockets?: number;
  gate?: LoginGate;
}

const VENDOR = 'Reolink';

/**
 * Thin ROP v1.0 client: one method per endpoint, no policy. Retries, queues and capability
 * checks live in the provider and the core HTTP layer.
 */
export class ReolinkClient {
  readonly http: HttpClient;

  constructor(opts: ReolinkClientOptions) {
    const basic =
      opts.username || opts.password
        ? 'Basic ' + Buffer.from(`${opts.username ?? ''}:${opts.password ?? ''}`).toString('base64')
        : undefined;
    this.http = new HttpClient({
      vendor: VENDOR,
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      maxSockets: opts.maxSockets,
      log: opts.log,
      gate: opts.gate,
      // The gateway's Basic credentials cannot change by themselves: no refresh, fail at once.
      auth: { headers: (): Record<string, string> => (basic ? { Authorization: basic } : {}) },
      secrets: () => [opts.password, basic],
      mapError: mapRopError,
    });
  }

  private dev(uid: string, rest: string): string {
    return `/v1.0/devices/${encodeURIComponent(uid)}${rest}`;
  }

  async devices(): Promise<RopDeviceList> {
    return (
      await this.http.request<RopDeviceList>({
        method: 'GET',
        path: '/v1.0/devices',
        label: 'Listing devices',
      })
    ).data;
  }

  async generalConfig(uid: string): Promise<RopGeneralConfig> {
    return (
      await this.http.request<RopGeneralConfig>({
        method: 'GET',
        path: this.dev(uid, '/settings/general-config'),
      })
    ).data;
  }

  async setGeneralConfig(uid: string, deviceName: string, label?: string): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: this.dev(uid, '/settings/general-config'),
      body: { deviceName },
      idempotent: false,
      label,
    });
  }

  /** Battery cameras only; others answer cmd_not_support (vendor-facts 4.4). */
  async pirConfig(uid: string, label?: string): Promise<RopPirConfig> {
    return (
      await this.http.request<RopPirConfig>({
        method: 'GET',
        path: this.dev(uid, '/settings/pir-config'),
        coalesce: false,
        label,
      })
    ).data;
  }

  /** The seed marks all three fields Required, so the full config is always sent. */
  async setPirConfig(uid: string, pir: RopPirConfig, label?: string): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: this.dev(uid, '/settings/pir-config'),
      body: pir,
      idempotent: false,
      label,
    });
  }

  async alarm(uid: string, label?: string): Promise<RopAlarmConfig> {
    return (
      await this.http.request<RopAlarmConfig>({
        method: 'GET',
        path: this.dev(uid, '/settings/alarm'),
        label,
      })
    ).data;
  }

  async setAlarm(uid: string, enabled: boolean, label?: string): Promise<void> {
    // PUT with the full state is naturally idempotent, but a lost reply is re-read, not resent.
    await this.http.request({
      method: 'PUT',
      path: this.dev(uid, '/settings/alarm'),
      body: { enabled },
      idempotent: false,
      label,
    });
  }

  async snapshot(
    uid: string,
    channel: number,
    streamType: RopStreamType,
    label?: string,
  ): Promise<{ image: Buffer; contentType: string }> {
    const res = await this.http.request<Buffer>({
      method: 'GET',
      path: this.dev(uid, '/snap/snapshot.jpg'),
      query: { channel, stream_type: streamType },
      expect: 'buffer',
      label,
    });
    return { image: res.data, contentType: res.headers['content-type'] ?? '' };
  }

  async livePlaySession(
    uid: string,
    channel: number,
    streamType: RopStreamType,
    label?: string,
  ): Promise<RopPlaySession> {
    // The server hands back the same session for the same (uid, channel, streamType), so a
    // resend after a lost reply is harmless.
    return (
      await this.http.request<RopPlaySession>({
        method: 'POST',
        path: this.dev(uid, '/live/play-session'),
        body: { channel, streamType },
        idempotent: true,
        coalesce: true,
        label,
      })
    ).data;
  }

  async rotate(
    uid: string,
    channel: number,
    direction: RopDirection,
    speed: number,
    label?: string,
  ): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: this.dev(uid, '/ptz/rotate'),
      body: { channel, direction, speed },
      label,
    });
  }

  async zoom(uid: string, channel: number, action: 'inc' | 'dec', label?: string): Promise<void> {
    await this.http.request({
      method: 'PATCH',
      path: this.dev(uid, '/ptz/zoom'),
      body: { channel, action },
      label,
    });
  }

  async focus(uid: string, channel: number, action: 'inc' | 'dec', label?: string): Promise<void> {
    await this.http.request({
      method: 'PATCH',
      path: this.dev(uid, '/ptz/focus'),
      body: { channel, action },
      label,
    });
  }

  /** Days of a month with recordings (seed "Get the Dates with Recordings"; vendor-facts 4.6). */
  async recordCalendar(
    uid: string,
    channel: number,
    year: number,
    month: number,
    label?: string,
  ): Promise<RopRecordCalendar> {
    return (
      await this.http.request<RopRecordCalendar>({
        method: 'GET',
        path: this.dev(uid, '/records/calendar'),
        query: { channel, year, month },
        label,
      })
    ).data;
  }

  /** One page of one local day's recordings; `next_token` continues (at most 40 a page). */
  async records(
    uid: string,
    q: {
      channel: number;
      streamType: 'mainStream' | 'subStream';
      date: string;
      startAt: string;
      endAt: string;
      nextToken?: string;
    },
    label?: string,
  ): Promise<RopRecordPage> {
    return (
      await this.http.request<RopRecordPage>({
        method: 'GET',
        path: this.dev(uid, '/records'),
        query: {
          channel: q.channel,
          stream_type: q.streamType,
          record_date: q.date,
          start_at: q.startAt,
          end_at: q.endAt,
          next_token: q.nextToken,
        },
        label,
      })
    ).data;
  }

  async recordPlaySession(
    uid: string,
    channel: number,
    fileName: string,
    label?: string,
  ): Promise<RopPlaySession> {
    return (
      await this.http.request<RopPlaySession>({
        method: 'POST',
        path: this.dev(uid, '/records/play-session'),
        body: { channel, fileName },
        idempotent: true,
        coalesce: true,
        label,
      })
    ).data;
  }

  async battery(uid: string, label?: string): Promise<RopBattery> {
    return (
      await this.http.request<RopBattery>({
        method: 'GET',
        path: this.dev(uid, '/states/battery'),
        label,
      })
    ).data;
  }

  close(): void {
    this.http.close();
  }
}

/** ROP's `{"error":{"symbol","message"}}` to camhub codes, with what to do about each. */
export function mapRopError(reply: RawReply, req: HttpRequest): CamhubError | undefined {
  if (reply.status < 400) return undefined;
  const body = (reply.json ?? {}) as RopErrorBody;
  const symbol = body.error?.symbol;
  const label = req.label ?? 'The request';
  const opts = { status: reply.status, vendorCode: symbol };
  switch (symbol) {
    case 'auth_failed':
      return errors.authFailed(VENDOR, 'auth_failed', opts);
    case 'frequent_request':
      return new CamhubError(
        'RATE_LIMITED',
        `${label}: the Reolink server says there are too many requests. Send fewer and try again in a minute.`,
        { ...opts, notExecuted: true },
      );
    case 'device_offline':
    case 'device_connection_not_found':
    case 'device_signaling_connection_closed':
      return new CamhubError(
        'OFFLINE',
        `${label}: the camera is offline (${symbol}). Check its power and network; the next request retries.`,
        opts,
      );
    case 'device_channel_not_found':
      return new CamhubError(
        'UNKNOWN_CAMERA',
        `${label}: the device has no such channel. Pick the camera again in the node.`,
        opts,
      );
    case 'cmd_not_support':
      return new CamhubError(
        'NOT_SUPPORTED',
        `${label}: the camera does not support this command.`,
        opts,
      );
    case 'stream_type_not_support':
      return new CamhubError(
        'NOT_SUPPORTED',
        `${label}: the camera does not offer this stream quality. Choose "main" or "sub".`,
        opts,
      );
    case 'direction_not_support':
      return new CamhubError(
        'INVALID_INPUT',
        `${label}: the camera cannot move diagonally. Use left, right, up or down.`,
        opts,
      );
    case 'invalid_parameter':
      return new CamhubError(
        'INVALID_INPUT',
        `${label}: the Reolink server rejected a parameter. Check the camera id and the msg.`,
        opts,
      );
    case 'invalid_filename':
      return new CamhubError(
        'INVALID_INPUT',
        `${label}: the recording is not on the camera any more (the SD card overwrites the oldest). List the recordings again and pick a current one.`,
        opts,
      );
    case 'cmd_timeout':
      return new CamhubError(
        'TIMEOUT',
        `${label}: the camera did not answer the server in time. Try again; check its network if it keeps happening.`,
        opts,
      );
    case 'wake_up_timeout':
      return new CamhubError(
        'TIMEOUT',
        `${label}: the battery camera did not wake up in time. Try again in a few seconds.`,
        opts,
      );
    case 'duplicate_snap':
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: another snapshot of this camera is in progress. Try again in a moment.`,
        { ...opts, notExecuted: true },
      );
    case undefined:
      if (reply.status === 404) {
        return new CamhubError(
          'CLOUD_ERROR',
          `${label}: the server does not know this path (HTTP 404). Check that the base URL points at a Reolink Open Platform server.`,
          opts,
        );
      }
      return undefined;
    default:
      return new CamhubError(
        'CLOUD_ERROR',
        `${label}: the Reolink server answered "${symbol}" (HTTP ${reply.status}). Try again; check the camera if it persists.`,
        opts,
      );
  }
}
