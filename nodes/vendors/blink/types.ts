/** Shapes of today's Blink cloud replies, as far as camhub reads them (vendor-facts section 1). */

export interface BlinkTokenReply {
  access_token?: string;
  refresh_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
}

export interface BlinkTierInfo {
  tier?: string;
  account_id?: number;
}

export interface BlinkTsvReply {
  tsv_state?: string;
  tsv_methods?: string[];
  next_time_in_secs?: number;
}

export interface BlinkHomescreenNetwork {
  id: number;
  name?: string;
  armed?: boolean;
}

export interface BlinkHomescreenDevice {
  id: number;
  name?: string;
  network_id: number;
  serial?: string;
  type?: string;
  enabled?: boolean;
  /** A path without extension, a path ending in `&ext=`, or a bare epoch timestamp. */
  thumbnail?: string | number | null;
  status?: string;
  battery?: string;
  /** Bars 0-5 (lfr, wifi, battery) and the temperature in degrees F (vendor-facts 1.3). */
  signals?: { lfr?: number; wifi?: number; temp?: number; battery?: number };
  fw_version?: string;
  onboarded?: boolean;
}

/** GET /network/{n}/camera/{c}/config (vendor-facts 1.3). */
export interface BlinkCameraConfig {
  camera?: { enabled?: boolean; motion_sensitivity?: number }[];
  signals?: Record<string, number>;
}

export interface BlinkHomescreen {
  networks?: BlinkHomescreenNetwork[];
  sync_modules?: { id: number; network_id: number; status?: string }[];
  cameras?: BlinkHomescreenDevice[];
  owls?: BlinkHomescreenDevice[];
  doorbells?: BlinkHomescreenDevice[];
}

/** The reply to a command request (arm, thumbnail, enable, ...). */
export interface BlinkCommandReply {
  id?: number;
  network_id?: number;
  command?: string;
  message?: string;
  code?: number;
}

export interface BlinkCommandStatus {
  complete?: boolean;
  status?: number;
  status_msg?: string;
  status_code?: number;
}

export interface BlinkLiveviewReply {
  command_id?: number;
  server?: string;
  duration?: number;
}

export interface BlinkMedia {
  id: number;
  created_at?: string;
  updated_at?: string;
  deleted?: boolean;
  device?: string;
  device_id?: number;
  device_name?: string;
  network_id?: number;
  network_name?: string;
  source?: string;
  type?: string;
  thumbnail?: string;
  /** The clip's path, `/api/v2/accounts/{acct}/media/clip/{id}.mp4` (vendor-facts 1.8). */
  media?: string;
  /** Still uploading. */
  partial?: boolean;
}

export interface BlinkMediaPage {
  limit?: number;
  media?: BlinkMedia[];
}

export interface BlinkErrorBody {
  message?: string;
  code?: number;
  error?: string;
  error_description?: string;
}

/** Blink's three device families, as its API addresses them. */
export type BlinkKind = 'camera' | 'owl' | 'doorbell';

/** What camhub keeps between restarts in the account's encrypted store. Never logged. */
export interface BlinkStoredSession {
  /** Which login the tokens belong to (a hash of email and cloud URL, not the email). */
  owner: string;
  hardwareId: string;
  accessToken?: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
  tier?: string;
  accountId?: number;
}
