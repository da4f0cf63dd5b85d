/** Wire shapes of the Reolink Open Platform v1.0 client API, as the ROP core server sends them. */

export interface RopDevice {
  uid: string;
  family: 'battery' | 'powered' | string;
  model: string;
  firmware: string;
}

export interface RopDeviceList {
  totalRows: number;
  items: RopDevice[];
}

export interface RopGeneralConfig {
  deviceName: string;
}

/** The seed shows "true" as a string, the server sends a boolean: both are accepted. */
export interface RopAlarmConfig {
  enabled: boolean | 'true' | 'false';
}

export interface RopPlaySession {
  playURL: string;
  expiredIn: number;
}

/** Seed "PIR Alarm Notification Configuration": all three fields required; sensitivity 0-100. */
export interface RopPirConfig {
  enabled: boolean;
  sensitivity: number;
  reduceMistakes: boolean;
}

export interface RopBattery {
  percent: number;
  chargeStatus: string;
}

export interface RopErrorBody {
  error?: { symbol?: string; message?: string };
  message?: string;
}

export type RopStreamType = 'mainStream' | 'subStream' | 'externStream';

export type RopDirection =
  'none' | 'left' | 'right' | 'up' | 'down' | 'leftUp' | 'leftDown' | 'rightUp' | 'rightDown';

/** The alarm callback body; the seed spells the AI field AItpe, the server AItype. */
export interface RopAlarm {
  uid?: unknown;
  channelId?: unknown;
  status?: unknown;
  AItype?: unknown;
  AItpe?: unknown;
}

export interface RopRecordCalendar {
  totalRows?: number;
  items?: { channel?: number; date?: number }[];
}

export interface RopRecordFile {
  channel?: number;
  streamType?: string;
  /** Local time, "YYYY-MM-DD HH:MM:SS". */
  startTime?: string;
  endTime?: string;
  fileName?: string;
}

export interface RopRecordPage {
  nextToken?: string;
  totalRows?: number;
  items?: RopRecordFile[];
}
