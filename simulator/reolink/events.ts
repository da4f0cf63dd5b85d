import { postWebhook } from '../common';
import type { AlarmDelivery, ReolinkState } from './state';
import { alarmRecordings } from './recordings';

export const ALARM_STATUSES = ['none', 'MD', 'videoLoss', 'blind', 'IOAlarm'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

// 'package' is not in the ROP documentation, but the same cameras report it over their LAN API,
// so a client should expect values beyond the documented list.
export const AI_TYPES = [
  'none',
  'people',
  'vehicle',
  'face',
  'other',
  'dog_cat',
  'package',
] as const;

export const CALLBACK_AUTH_MODES = ['query', 'bearer', 'both', 'none'] as const;
export type CallbackAuthMode = (typeof CALLBACK_AUTH_MODES)[number];

export interface AlarmOptions {
  /** Default 'MD'. */
  status?: AlarmStatus;
  /** One of AI_TYPES, or several joined by commas. Default 'people'. */
  aiType?: string;
  /** Default 0. */
  channel?: number;
  /** 'AItype' is what the real server sends; 'AItpe' is the seed's spelling. */
  field?: 'AItype' | 'AItpe';
  /**
   * How the secret in the callback URL (`authcode` or `key` query parameter) is presented:
   * - 'query' (default, real server): the URL as configured, no auth header;
   * - 'both' (the seed's example): the URL as configured plus `Authentication: Bearer <code>`;
   * - 'bearer': the header only, the code removed from the URL;
   * - 'none': the code removed from the URL and no header, i.e. an unauthenticated sender.
   */
  auth?: CallbackAuthMode;
  /** Content-Type of the POST. The real server does not set JSON explicitly. */
  contentType?: string;
}

export const DEFAULT_ALARM_CONTENT_TYPE = 'text/plain;charset=UTF-8';

/** Returns a message for the first invalid option, so callers can report it precisely. */
export function checkAlarmOptions(o: AlarmOptions): string | undefined {
  if (o.status !== undefined && !ALARM_STATUSES.includes(o.status)) {
    return `status must be one of ${ALARM_STATUSES.join(', ')}`;
  }
  if (o.aiType !== undefined) {
    const known: readonly string[] = AI_TYPES;
    if (typeof o.aiType !== 'string' || !o.aiType.split(',').every((t) => known.includes(t))) {
      return `aiType must be one or more of ${AI_TYPES.join(', ')} joined by commas`;
    }
  }
  if (o.channel !== undefined && !(Number.isInteger(o.channel) && o.channel >= 0)) {
    return 'channel must be a non-negative integer';
  }
  if (o.field !== undefined && o.field !== 'AItype' && o.field !== 'AItpe') {
    return 'field must be AItype or AItpe';
  }
  if (o.auth !== undefined && !CALLBACK_AUTH_MODES.includes(o.auth)) {
    return `auth must be one of ${CALLBACK_AUTH_MODES.join(', ')}`;
  }
  if (o.contentType !== undefined && typeof o.contentType !== 'string') {
    return 'contentType must be a string';
  }
  return undefined;
}

// Vendor-neutral event names from the shared control API, mapped onto ROP's status and AI type.
const GENERIC_TYPES: Record<string, { status: AlarmStatus; aiType: string }> = {
  motion: { status: 'MD', aiType: 'none' },
  person: { status: 'MD', aiType: 'people' },
  people: { status: 'MD', aiType: 'people' },
  vehicle: { status: 'MD', aiType: 'vehicle' },
  animal: { status: 'MD', aiType: 'dog_cat' },
  pet: { status: 'MD', aiType: 'dog_cat' },
  dog_cat: { status: 'MD', aiType: 'dog_cat' },
  face: { status: 'MD', aiType: 'face' },
  package: { status: 'MD', aiType: 'package' },
};

/** Turns a `POST /_sim/events` body into alarm options; returns a message when it is invalid. */
export function alarmFromControlEvent(event: Record<string, unknown>): AlarmOptions | string {
  const options: AlarmOptions = {};
  const { type } = event;
  if (type !== undefined) {
    if (typeof type !== 'string') return 'type must be a string';
    if ((ALARM_STATUSES as readonly string[]).includes(type)) {
      options.status = type as AlarmStatus;
      if (type === 'none') options.aiType = 'none';
    } else if (GENERIC_TYPES[type]) {
      Object.assign(options, GENERIC_TYPES[type]);
    } else {
      return `unknown event type ${type}`;
    }
  }
  for (const key of ['status', 'aiType', 'channel', 'field', 'auth', 'contentType'] as const) {
    if (event[key] !== undefined) Object.assign(options, { [key]: event[key] });
  }
  return checkAlarmOptions(options) ?? options;
}

function applyAuth(callbackUrl: string, mode: CallbackAuthMode): { url: string; bearer?: string } {
  const url = new URL(callbackUrl);
  const code = url.searchParams.get('authcode') ?? url.searchParams.get('key') ?? undefined;
  const stripped = (): string => {
    url.searchParams.delete('authcode');
    url.searchParams.delete('key');
    return url.toString();
  };
  switch (mode) {
    case 'query':
      return { url: callbackUrl };
    case 'both':
      return { url: callbackUrl, bearer: code };
    case 'bearer':
      return { url: stripped(), bearer: code };
    case 'none':
      return { url: stripped() };
  }
}

/**
 * Sends one alarm the way the ROP server does: a single POST, no retry, the outcome only
 * recorded. A disabled alarm ("disarmed") or an offline device sends nothing.
 */
export async function deliverAlarm(
  state: ReolinkState,
  callbackUrl: string | null,
  uid: string,
  options: AlarmOptions,
): Promise<AlarmDelivery> {
  const channel = options.channel ?? 0;
  const base = { uid, channel, url: null, headers: {}, body: null, status: null };
  const device = state.devices.get(uid);
  if (!device) throw new Error(`unknown device ${uid}`);
  if (channel >= device.seed.channels) throw new Error(`device ${uid} has no channel ${channel}`);
  if (!device.online) return state.recordDelivery({ ...base, skipped: 'device_offline' });
  if (!device.alarmEnabled) return state.recordDelivery({ ...base, skipped: 'alarm_disabled' });
  // A PIR trigger is what wakes a battery camera.
  device.asleep = false;
  if (state.alarmClipSec > 0 && device.sdCard) {
    device.recordings.push(...alarmRecordings(uid, channel, new Date(), state.alarmClipSec));
  }
  if (!callbackUrl) return state.recordDelivery({ ...base, skipped: 'no_callback' });

  const payload: Record<string, string> = {
    uid,
    channelId: String(channel),
    status: options.status ?? 'MD',
    [options.field ?? 'AItype']: options.aiType ?? 'people',
  };
  const body = JSON.stringify(payload);
  const { url, bearer } = applyAuth(callbackUrl, options.auth ?? 'query');
  const headers: Record<string, string> = {
    'Content-Type': options.contentType ?? DEFAULT_ALARM_CONTENT_TYPE,
  };
  // "Authentication" (sic) is the header name the seed documents.
  if (bearer) headers.Authentication = `Bearer ${bearer}`;
  const result = await postWebhook({ url, body, headers, delayMs: state.webhookDelayMs() });
  return state.recordDelivery({
    uid,
    channel,
    url,
    headers,
    body,
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
  });
}
