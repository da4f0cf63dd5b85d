/**
 * The seeded Arlo account: the seed's device kinds (a base station with a siren, cameras and a
 * doorbell behind it) plus one Wi-Fi camera without a hub, whose parentId is its own deviceId.
 */
export type ArloDeviceType = 'basestation' | 'camera' | 'doorbell' | 'siren';

export interface ArloDeviceSeed {
  deviceId: string;
  deviceName: string;
  deviceType: ArloDeviceType;
  modelId: string;
  /** The base station that relays its commands; its own id for a hub-less camera. */
  parentId: string;
  xCloudId: string;
  hwVersion: string;
  battery?: number;
}

export const ARLO_USER = {
  email: 'user@arlo.test',
  password: 'arlo-secret-1',
  userId: 'A1B2C3-336-51234567',
  firstName: 'Han',
  lastName: 'Solo',
} as const;

export const ARLO_IDS = {
  base: '4R05187AB0C1D',
  siren: '4R05187SI0001',
  frontDoor: '59D1887FA0C11',
  backYard: '59D1887FA0C22',
  doorbell: '4AV1087DB0001',
  garage: '5GA1937HL0001',
} as const;

const BASE_XCLOUD = 'XC-7G2M-5B0C1D';
const GARAGE_XCLOUD = 'XC-9K4P-L0001';

export const ARLO_SEED: readonly ArloDeviceSeed[] = [
  {
    deviceId: ARLO_IDS.base,
    deviceName: 'Home base',
    deviceType: 'basestation',
    modelId: 'VMB4540',
    parentId: ARLO_IDS.base,
    xCloudId: BASE_XCLOUD,
    hwVersion: 'VMB4540r2',
  },
  {
    deviceId: ARLO_IDS.siren,
    deviceName: 'Cockpit siren',
    deviceType: 'siren',
    modelId: 'VMB4540-siren',
    parentId: ARLO_IDS.base,
    xCloudId: BASE_XCLOUD,
    hwVersion: 'VMB4540r2',
  },
  {
    deviceId: ARLO_IDS.frontDoor,
    deviceName: 'Front door',
    deviceType: 'camera',
    modelId: 'VMC4041P',
    parentId: ARLO_IDS.base,
    xCloudId: BASE_XCLOUD,
    hwVersion: 'H8',
    battery: 87,
  },
  {
    deviceId: ARLO_IDS.backYard,
    deviceName: 'Back yard',
    deviceType: 'camera',
    modelId: 'VMC4030P',
    parentId: ARLO_IDS.base,
    xCloudId: BASE_XCLOUD,
    hwVersion: 'H7',
    battery: 54,
  },
  {
    deviceId: ARLO_IDS.doorbell,
    deviceName: 'Porch doorbell',
    deviceType: 'doorbell',
    modelId: 'AVD1001',
    parentId: ARLO_IDS.base,
    xCloudId: BASE_XCLOUD,
    hwVersion: 'AVD1001r1',
  },
  {
    deviceId: ARLO_IDS.garage,
    deviceName: 'Garage',
    deviceType: 'camera',
    modelId: 'VMC2030',
    parentId: ARLO_IDS.garage,
    xCloudId: GARAGE_XCLOUD,
    hwVersion: 'VMC2030r1',
    battery: 100,
  },
];

export const ARLO_LOCATION = { locationId: 'LOC-6B1F-0001', locationName: 'Home' } as const;

/** v2 mode definitions for a base station; mode0/mode1 are the built-in disarmed/armed. */
export const V2_MODES = [
  { id: 'mode0', name: '', type: 'disarmed' },
  { id: 'mode1', name: '', type: 'armed' },
  { id: 'mode2', name: 'Night', type: 'custom' },
] as const;

/** v1 modes of a hub-less camera, read and set by notify. */
export const V1_MODES = [
  { id: 'mode0', name: '', type: 'disarmed' },
  { id: 'mode1', name: '', type: 'armed' },
] as const;

/** v3 location modes. */
export const V3_MODES = [
  { mode: 'standby', name: 'Stand By' },
  { mode: 'armHome', name: 'Armed Home' },
  { mode: 'armAway', name: 'Armed Away' },
] as const;
