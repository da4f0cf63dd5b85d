/** Shapes of the Arlo cloud, as far as camhub reads them. Everything is optional: trust nothing. */

/** ocapi (auth host) envelope. */
export interface OcapiReply<T> {
  meta?: { code?: number; error?: number | string; message?: string };
  data?: T;
}

export interface OcapiToken {
  token?: string;
  userId?: string;
  expiresIn?: number;
  authCompleted?: boolean;
  issued?: number;
  browserAuthCode?: string;
}

export interface OcapiFactor {
  factorId?: string;
  factorType?: string;
  factorRole?: string;
  factorNickname?: string;
}

/** hmsweb (API host) envelope; errors come as HTTP 200 with success:false. */
export interface HmsReply<T> {
  success?: boolean;
  data?: T;
}

export interface HmsErrorData {
  error?: string | number;
  message?: string;
  reason?: string;
}

export interface ArloDevice {
  deviceId?: string;
  deviceName?: string;
  deviceType?: string;
  modelId?: string;
  parentId?: string;
  uniqueId?: string;
  xCloudId?: string;
  connectivity?: { connected?: boolean };
  allowedMqttTopics?: string[];
  properties?: { modelId?: string };
}

export interface ArloSessionInfo {
  userId?: string;
  mqttUrl?: string;
  supportsMultiLocation?: boolean;
}

export interface ArloLocation {
  locationId?: string;
  locationName?: string;
  gatewayDeviceIds?: string[];
}

export interface V2ActiveMode {
  gatewayId?: string;
  uniqueId?: string;
  activeModes?: string[];
}

export interface V2ModeDefinition {
  id?: string;
  name?: string;
  type?: string;
}

export interface V3ActiveMode {
  properties?: { mode?: string };
  revision?: number;
}

/** One packet of the event stream (SSE data line or MQTT message). */
export type ArloPacket = Record<string, unknown> & {
  action?: string;
  resource?: string;
  from?: string;
  transId?: string;
  properties?: Record<string, unknown>;
  status?: string;
};

/** What camhub keeps in the account's secret store. */
export interface ArloStored {
  /** Our "browser": the X-User-Device-Id that Arlo trusts after pairing. */
  browserId?: string;
  token?: string;
  userId?: string;
  expiresAt?: number;
}

/**
 * A recording in the library (vendor-facts 2.9): from POST /hmsweb/users/library, and on MQTT
 * `library/add` with these fields at the top level of the packet.
 */
export interface ArloLibraryItem {
  deviceId?: string;
  name?: string;
  /** ms since the epoch. */
  utcCreatedDate?: number;
  localCreatedDate?: number;
  reason?: string;
  /** What started the recording: person, vehicle, animal or other (any case). */
  objCategory?: string;
  objRegion?: unknown;
  presignedContentUrl?: string;
  presignedThumbnailUrl?: string;
  mediaDurationSecond?: number;
  contentType?: string;
}
