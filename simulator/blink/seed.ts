/**
 * The seeded Blink account: two networks with sync modules, a sync-module camera on each, a
 * Mini (owl) on a network of its own with no sync module, and a doorbell (lotus).
 */

/** How a device's homescreen `thumbnail` field is written (vendor-facts 1.5). */
export type ThumbnailForm = 'path' | 'ext' | 'timestamp';

/** Blink's three device families, as blinkpy addresses them. */
export type DeviceKind = 'camera' | 'owl' | 'doorbell';

export interface BlinkNetworkSeed {
  id: number;
  name: string;
  armed: boolean;
  /** Sync module id; a network without one holds a Mini on its own. */
  syncModuleId?: number;
}

export interface BlinkDeviceSeed {
  id: number;
  name: string;
  kind: DeviceKind;
  /** Blink's product type: catalina (Outdoor), white (original), owl (Mini), lotus (Doorbell). */
  type: string;
  networkId: number;
  serial: string;
  enabled: boolean;
  thumbnailForm: ThumbnailForm;
  /** Older cameras answer liveview with an rtsps:// server, newer ones with immis://. */
  liveview: 'immis' | 'rtsps';
}

export interface BlinkAccountSeed {
  email: string;
  password: string;
  accountId: number;
  userId: number;
  clientId: number;
  tier: string;
  networks: BlinkNetworkSeed[];
  devices: BlinkDeviceSeed[];
}

export const BLINK_IDS = {
  account: 22001,
  home: 9001,
  cabin: 9002,
  kitchen: 9003,
  porch: '5001',
  shed: '5002',
  mini: '6001',
  doorbell: '8001',
} as const;

export const DEFAULT_BLINK_EMAIL = 'owner@blink.camhub.test';
export const DEFAULT_BLINK_PASSWORD = 'blink-sim-password';

export function blinkSeed(email: string, password: string): BlinkAccountSeed {
  return {
    email,
    password,
    accountId: BLINK_IDS.account,
    userId: 33001,
    clientId: 44001,
    tier: 'u014',
    networks: [
      { id: BLINK_IDS.home, name: 'Home', armed: true, syncModuleId: 7001 },
      { id: BLINK_IDS.cabin, name: 'Cabin', armed: false, syncModuleId: 7002 },
      { id: BLINK_IDS.kitchen, name: 'Kitchen', armed: true },
    ],
    devices: [
      {
        id: 5001,
        name: 'Porch',
        kind: 'camera',
        type: 'catalina',
        networkId: BLINK_IDS.home,
        serial: 'G8T1PORCH0000001',
        enabled: true,
        thumbnailForm: 'path',
        liveview: 'immis',
      },
      {
        id: 5002,
        name: 'Shed',
        kind: 'camera',
        type: 'white',
        networkId: BLINK_IDS.cabin,
        serial: 'B1SHED0000000002',
        enabled: true,
        thumbnailForm: 'ext',
        liveview: 'rtsps',
      },
      {
        id: 6001,
        name: 'Kitchen Mini',
        kind: 'owl',
        type: 'owl',
        networkId: BLINK_IDS.kitchen,
        serial: 'G8T1MINI00000003',
        enabled: true,
        thumbnailForm: 'ext',
        liveview: 'immis',
      },
      {
        id: 8001,
        name: 'Front Door',
        kind: 'doorbell',
        type: 'lotus',
        networkId: BLINK_IDS.home,
        serial: 'G8T1BELL00000004',
        enabled: true,
        thumbnailForm: 'timestamp',
        liveview: 'immis',
      },
    ],
  };
}
