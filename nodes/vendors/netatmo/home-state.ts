import type { DeviceStatus } from '../../core/device';
import { errors } from '../../core/errors';
import type { CameraInfo, Capabilities } from '../../core/provider';
import type { NetatmoClient } from './client';
import { moduleStatus, personsOf } from './device';
import type { HomeStatusModule, HomeStatusPerson } from './types';

/** vpn_url and monitoring change rarely; a short cache spares the quota. */
const STATUS_TTL_MS = 10_000;
/** The cameras with monitoring (arm); the Doorbell has none. */
export const MONITORED: readonly string[] = ['NACamera', 'NOC', 'NPC'];
const MODELS: Record<string, string> = {
  NACamera: 'Welcome (indoor)',
  NOC: 'Presence (outdoor)',
  NDB: 'Video Doorbell',
  NPC: 'Indoor Camera Advance',
};

export interface Home {
  id: string;
  name: string;
  cameras: { id: string; type: string; name: string }[];
  persons: Map<string, string>;
  /** Every person of the home, unknown faces (no pseudo) too, for who-is-home. */
  everyone: { id: string; name: string | null }[];
}

export interface HomeStatusEntry {
  at: number;
  modules: Map<string, HomeStatusModule>;
  away: Set<string>;
  persons: HomeStatusPerson[];
}

function capabilitiesFor(type: string): Capabilities {
  const doorbell = type === 'NDB';
  return {
    arm: MONITORED.includes(type),
    snapshot: true,
    ptz: false,
    zoom: false,
    focus: false,
    ptzDirections: [],
    // Home Assistant offers no stream for the doorbell either.
    streamProtocols: doorbell ? [] : ['hls'],
    streamQualities: doorbell ? [] : ['main', 'sub', 'extern'],
    battery: false,
    // Event videos sit on the camera's SD card; the Doorbell offers no video playback either.
    recordings: !doorbell,
  };
}

/** What the homes need from the provider. */
export interface NetatmoHomesHost {
  readonly vendor: string;
  readonly vendorLabel: string;
  readonly client: NetatmoClient;
  cachedCamera(id: string): CameraInfo | undefined;
  /** Device state for the watching nodes. */
  publishStatus(list: DeviceStatus[]): void;
}

/**
 * The account's homes (homesdata: cameras and persons) and each home's homestatus (modules,
 * unreachable cameras, who is home), read at most every few seconds and published as device
 * state whenever read.
 */
export class NetatmoHomes {
  private homes = new Map<string, Home>();
  private readonly statuses = new Map<string, HomeStatusEntry>();

  constructor(private readonly host: NetatmoHomesHost) {}

  get size(): number {
    return this.homes.size;
  }

  get(homeId: string): Home | undefined {
    return this.homes.get(homeId);
  }

  /** The homes as last read, or read now when none are known yet. */
  async known(): Promise<Map<string, Home>> {
    return this.homes.size ? this.homes : this.load();
  }

  async load(): Promise<Map<string, Home>> {
    const data = await this.host.client.homesData();
    const homes = new Map<string, Home>();
    for (const h of data.body?.homes ?? []) {
      if (typeof h?.id !== 'string') continue;
      homes.set(h.id, {
        id: h.id,
        name: h.name ?? h.id,
        cameras: (h.modules ?? [])
          .filter((m) => typeof m?.id === 'string' && m.type in MODELS)
          .map((m) => ({ id: m.id, type: m.type, name: m.name || m.id })),
        persons: new Map(
          (h.persons ?? [])
            .filter((p) => typeof p?.id === 'string' && typeof p.pseudo === 'string')
            .map((p) => [p.id, p.pseudo as string]),
        ),
        everyone: (h.persons ?? [])
          .filter((p) => typeof p?.id === 'string')
          .map((p) => ({ id: p.id, name: typeof p.pseudo === 'string' ? p.pseudo : null })),
      });
    }
    this.homes = homes;
    return homes;
  }

  /** The camera list: every camera of every home, online as homestatus says now. */
  async cameras(): Promise<CameraInfo[]> {
    const homes = await this.load();
    const out: CameraInfo[] = [];
    for (const home of homes.values()) {
      if (home.cameras.length === 0) continue;
      const status = await this.status(home.id, true);
      for (const cam of home.cameras) {
        out.push({
          id: cam.id,
          name: cam.name,
          model: MODELS[cam.type] ?? cam.type,
          vendor: this.host.vendor,
          // homestatus leaves an unreachable camera out (errors[] code 6).
          online: status.modules.has(cam.id) && !status.away.has(cam.id),
          capabilities: {
            ...capabilitiesFor(cam.type),
            floodlight: cam.type === 'NOC',
            persons: home.everyone.length > 0,
          },
        });
      }
    }
    return out;
  }

  async status(homeId: string, fresh = false): Promise<HomeStatusEntry> {
    const cached = this.statuses.get(homeId);
    if (!fresh && cached && Date.now() - cached.at < STATUS_TTL_MS) return cached;
    const reply = await this.host.client.homeStatus(homeId);
    const modules = new Map<string, HomeStatusModule>();
    for (const m of reply.body?.home?.modules ?? []) {
      if (typeof m?.id === 'string') modules.set(m.id, m);
    }
    const away = new Set(
      (reply.body?.errors ?? []).map((e) => e?.id).filter((id): id is string => !!id),
    );
    const persons = (reply.body?.home?.persons ?? []).filter((p) => typeof p?.id === 'string');
    const entry = { at: Date.now(), modules, away, persons };
    this.statuses.set(homeId, entry);
    // Every homestatus read (an arm, a snapshot, a status msg) is news for watching nodes.
    const home = this.homes.get(homeId);
    if (home) this.host.publishStatus(this.deviceStatuses(home, entry));
    return entry;
  }

  /** The cached homestatus module of a camera, without asking Netatmo. */
  cachedModule(homeId: string, cameraId: string): HomeStatusModule | undefined {
    return this.statuses.get(homeId)?.modules.get(cameraId);
  }

  /** A home's kept status, to bring up to date with a change a reply confirmed. */
  kept(homeId: string): HomeStatusEntry | undefined {
    return this.statuses.get(homeId);
  }

  /** Drops a home's cached status (a camera reconnected: its vpn_url is new). */
  forget(homeId: string): void {
    this.statuses.delete(homeId);
  }

  /** Drops every cached status (a new login may see other homes). */
  forgetAll(): void {
    this.statuses.clear();
  }

  /** The camera's current homestatus entry; OFFLINE when Netatmo cannot reach it. */
  async module(cam: CameraInfo, home: Home, fresh: boolean): Promise<HomeStatusModule> {
    const st = await this.status(home.id, fresh);
    const mod = st.modules.get(cam.id);
    if (!mod || st.away.has(cam.id)) {
      // A remembered "unreachable" is asked again: the camera may be back, and the OFFLINE
      // error promised that the next msg tries again.
      if (!fresh) return this.module(cam, home, true);
      throw errors.offline(cam.name);
    }
    return mod;
  }

  async read(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    const out: DeviceStatus[] = [];
    for (const cam of cams) {
      const home = this.homeOfCamera(cam.id);
      if (!home) continue;
      // listCameras has just read this home's status; it is reused, not asked again.
      const entry = await this.status(home.id);
      const st = this.deviceStatuses(home, entry).find((s) => s.id === cam.id);
      if (st) out.push(st);
    }
    return out;
  }

  homeOfCamera(cameraId: string): Home | undefined {
    for (const h of this.homes.values()) if (h.cameras.some((c) => c.id === cameraId)) return h;
    return undefined;
  }

  /** The home of a listed camera; UNKNOWN_CAMERA for any other. */
  homeOf(cameraId: string): Home {
    const home = this.homeOfCamera(cameraId);
    if (!home) throw errors.unknownCamera(cameraId, this.host.vendorLabel, []);
    return home;
  }

  private deviceStatuses(home: Home, entry: HomeStatusEntry): DeviceStatus[] {
    const persons = home.everyone.length ? personsOf(home.everyone, entry.persons) : undefined;
    return home.cameras.map((c) => {
      const cached = this.host.cachedCamera(c.id);
      const online = entry.modules.has(c.id) && !entry.away.has(c.id);
      return moduleStatus(
        {
          id: c.id,
          name: cached?.name ?? c.name,
          model: cached?.model ?? MODELS[c.type] ?? c.type,
          vendor: this.host.vendor,
          online,
        },
        entry.modules.get(c.id),
        persons,
      );
    });
  }
}
