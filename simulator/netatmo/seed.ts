/** The simulated Netatmo user: one app, one user, two homes with every security camera type. */

export type ModuleType = 'NACamera' | 'NOC' | 'NDB' | 'NPC';

export interface ModuleSeed {
  id: string;
  type: ModuleType;
  name: string;
  homeId: string;
  roomId: string;
  monitoring?: 'on' | 'off';
  /** NOC only. */
  floodlight?: 'on' | 'off' | 'auto';
  /** Is the camera on the same LAN as the caller (homestatus is_local)? */
  isLocal: boolean;
}

export interface PersonSeed {
  id: string;
  /** Known persons have a name (pseudo); unknown faces have none. */
  pseudo?: string;
  homeId: string;
}

export interface HomeSeed {
  id: string;
  name: string;
  rooms: { id: string; name: string }[];
}

/** Every camera scope pyatmo asks for. The access_* ones are granted per app after review. */
export const CAMERA_SCOPES = [
  'read_camera',
  'write_camera',
  'access_camera',
  'read_presence',
  'write_presence',
  'access_presence',
  'read_doorbell',
  'access_doorbell',
] as const;
export type Scope = (typeof CAMERA_SCOPES)[number];

export const NETATMO_USER = { id: '5a1b2c3d4e5f60718293a4b5', email: 'demo@camhub.invalid' };

export const NETATMO_HOMES: readonly HomeSeed[] = [
  {
    id: '5e1f6a2b3c4d5e6f70818283',
    name: 'Maison',
    rooms: [
      { id: '1001', name: 'Living room' },
      { id: '1002', name: 'Garden' },
      { id: '1003', name: 'Entrance' },
      { id: '1004', name: 'Kitchen' },
    ],
  },
  {
    id: '5e1f6a2b3c4d5e6f70818299',
    name: 'Cabin',
    rooms: [{ id: '2001', name: 'Driveway' }],
  },
];

const [MAISON, CABIN] = NETATMO_HOMES;

export const NETATMO_MODULES: readonly ModuleSeed[] = [
  {
    id: '70:ee:50:00:00:01',
    type: 'NACamera',
    name: 'Living Room',
    homeId: MAISON.id,
    roomId: '1001',
    monitoring: 'on',
    isLocal: true,
  },
  {
    id: '70:ee:50:00:00:02',
    type: 'NOC',
    name: 'Garden',
    homeId: MAISON.id,
    roomId: '1002',
    monitoring: 'on',
    floodlight: 'auto',
    isLocal: true,
  },
  {
    id: '70:ee:50:00:00:03',
    type: 'NDB',
    name: 'Front Door',
    homeId: MAISON.id,
    roomId: '1003',
    isLocal: false,
  },
  {
    id: '70:ee:50:00:00:04',
    type: 'NPC',
    name: 'Kitchen',
    homeId: MAISON.id,
    roomId: '1004',
    monitoring: 'off',
    isLocal: false,
  },
  {
    id: '70:ee:50:00:00:05',
    type: 'NOC',
    name: 'Cabin Driveway',
    homeId: CABIN.id,
    roomId: '2001',
    monitoring: 'on',
    floodlight: 'off',
    isLocal: false,
  },
];

/** Handy names for tests. */
export const NETATMO_IDS = {
  home: MAISON.id,
  cabin: CABIN.id,
  welcome: '70:ee:50:00:00:01',
  presence: '70:ee:50:00:00:02',
  doorbell: '70:ee:50:00:00:03',
  indoor: '70:ee:50:00:00:04',
  cabinPresence: '70:ee:50:00:00:05',
  alice: '91827364-5a4b-4c3d-8e2f-000000000001',
  bob: '91827364-5a4b-4c3d-8e2f-000000000002',
  stranger: '91827364-5a4b-4c3d-8e2f-0000000000ff',
} as const;

export const NETATMO_PERSONS: readonly PersonSeed[] = [
  { id: NETATMO_IDS.alice, pseudo: 'Alice', homeId: MAISON.id },
  { id: NETATMO_IDS.bob, pseudo: 'Bob', homeId: MAISON.id },
  { id: NETATMO_IDS.stranger, homeId: MAISON.id },
];

export const PRODUCT_NAMES: Record<ModuleType, string> = {
  NACamera: 'Welcome Netatmo',
  NOC: 'Presence Netatmo',
  NDB: 'Doorbell Netatmo',
  NPC: 'Indoor Camera Advance',
};

/** Which write scope setstate needs per module type, and which read scope a module type needs. */
export const WRITE_SCOPE: Record<ModuleType, Scope | undefined> = {
  NACamera: 'write_camera',
  NPC: 'write_camera',
  NOC: 'write_presence',
  NDB: undefined,
};
