/** Wire shapes of the Netatmo Security API, as pyatmo's fixtures and the live cloud show them. */

export type NetatmoModuleType = 'NACamera' | 'NOC' | 'NDB' | 'NPC' | string;

export interface NetatmoErrorBody {
  /** The API's envelope; the token endpoint sends a bare string instead. */
  error?: { code?: number; message?: string } | string;
}

export interface TokenReply {
  access_token: string;
  refresh_token: string;
  expires_in?: number;
  /** The older spelling; both are sent. */
  expire_in?: number;
  scope?: string[] | string;
}

export interface HomesDataModule {
  id: string;
  type: NetatmoModuleType;
  name?: string;
  room_id?: string;
}

export interface HomesDataPerson {
  id: string;
  pseudo?: string;
}

export interface HomesDataHome {
  id: string;
  name?: string;
  modules?: HomesDataModule[];
  persons?: HomesDataPerson[];
}

export interface HomesData {
  body?: { homes?: HomesDataHome[]; user?: { id?: string; email?: string } };
}

export interface HomeStatusModule {
  id: string;
  type?: NetatmoModuleType;
  monitoring?: 'on' | 'off' | string;
  vpn_url?: string;
  is_local?: boolean;
  sd_status?: number;
  alim_status?: number;
  floodlight?: string;
  firmware_revision?: number | string;
  /** The doorbell's Wi-Fi level (RSSI magnitude: lower is stronger). */
  wifi_strength?: number;
}

export interface HomeStatusPerson {
  id: string;
  last_seen?: number;
  out_of_sight?: boolean;
}

export interface HomeStatus {
  body?: {
    home?: { id?: string; modules?: HomeStatusModule[]; persons?: HomeStatusPerson[] };
    errors?: { code?: number; id?: string }[];
  };
}

export interface SetStateReply {
  status?: string;
  body?: { errors?: { code?: number; message?: string; id?: string }[] };
}

/** An event picture in getevents: a public url, or an id and key for getcamerapicture. */
export interface NetatmoPicture {
  url?: string;
  id?: string;
  key?: string;
}

export interface NetatmoSubEvent {
  id: string;
  type: string;
  time?: number;
  snapshot?: NetatmoPicture;
}

export interface NetatmoEvent {
  id: string;
  type: string;
  time?: number;
  module_id?: string;
  message?: string;
  person_id?: string;
  subevents?: NetatmoSubEvent[];
  snapshot?: NetatmoPicture;
  video_id?: string;
  video_status?: string;
}

export interface GetEvents {
  body?: { home?: { id?: string; events?: NetatmoEvent[] } };
}

export interface PingReply {
  local_url?: string;
  product_name?: string;
}

/** A push to the webhook; it carries no time of its own. */
export interface NetatmoPush {
  push_type?: string;
  event_type?: string;
  event_id?: string;
  home_id?: string;
  camera_id?: string;
  device_id?: string;
  module_id?: string;
  message?: string;
  persons?: { id?: string; is_known?: boolean }[];
  snapshot_url?: string;
  snapshot_id?: string;
  snapshot_key?: string;
}
