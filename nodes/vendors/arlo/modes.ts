import { SingleFlight } from '../../core/async';
import { CamhubError, errors } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { ArmRequest, ArmState, CameraInfo } from '../../core/provider';
import type { ArloClient } from './client';
import { type ArloCommands, notify, transId } from './commands';
import type {
  ArloDevice,
  ArloLocation,
  ArloPacket,
  V2ActiveMode,
  V2ModeDefinition,
  V3ActiveMode,
} from './types';

/** How long an active mode read for an event is trusted when no mode packet says otherwise. */
const ARMED_TTL_MS = 5 * 60_000;
/** v1 (notify) modes: Arlo Baby and Go by model (vendor facts 2.5), Arlo Q by device type. */
const V1_MODELS = /^(ABC1000|VML4030)/;

type ModeApi = 'v1' | 'v2' | 'v3';
/** How long mode definitions are trusted (see modeCache). */
const MODE_CACHE_MS = 10 * 60_000;

interface Mode {
  id: string;
  name: string;
  armed: boolean;
}

/** The location modes every v3 account has (pyaarlo location.py DEFAULT_MODES). */
const V3_FIXED: readonly Mode[] = [
  { id: 'standby', name: 'standby', armed: false },
  { id: 'armHome', name: 'armHome', armed: true },
  { id: 'armAway', name: 'armAway', armed: true },
];

/**
 * The v3 mode list as `{properties: {<modeId>: {name}}}` (pyaarlo location.py _parse_modes),
 * or undefined for a shape not known. Modes keep their ids as names, as the fixed ones do.
 */
function v3Modes(res: unknown): Mode[] | undefined {
  const props = (res as { properties?: unknown } | null)?.properties;
  if (!props || typeof props !== 'object' || Array.isArray(props)) return undefined;
  const out = Object.entries(props as Record<string, unknown>)
    .filter(([, v]) => v !== null && typeof v === 'object')
    .map(([id]) => ({ id, name: id, armed: id !== 'standby' }));
  return out.length ? out : undefined;
}

/** What the modes need from the provider. */
export interface ArloModesHost {
  readonly log: Logger;
  readonly client: ArloClient;
  readonly commands: ArloCommands;
  /** The gateway of a camera (its base station, or itself). */
  gateway(cameraId: string): ArloDevice;
  /** The camera's arm state as the provider reads it (tracked, camera looked up). */
  armState(cameraId: string): Promise<ArmState>;
}

/**
 * Arlo's three mode APIs (vendor facts 2.5): v1 over notify (Baby, Go, Q), v2 per base station
 * confirmed on the event stream, v3 per location with a revision; and the armed state events
 * are stamped with.
 */
export class ArloModes {
  /** Base station (or location) id -> whether its active mode is armed, and when read. */
  private readonly armedCache = new Map<string, { armed: boolean; at: number }>();
  private readonly armedFlight = new SingleFlight<boolean | null>();
  private v3Revision: number | undefined;
  private v3ShapeLogged = false;
  private locationId: string | undefined;
  /**
   * Mode definitions per gateway: they change only when the user edits modes in the app, so
   * an arm or a status read does not read them again. A mode name not among them, or an active
   * mode id not among them, reads them afresh.
   */
  private readonly modeCache = new Map<string, { at: number; modes: Mode[] }>();

  constructor(private readonly host: ArloModesHost) {}

  /** A new session may be another account's: the location and revision are read again. */
  onSession(): void {
    this.v3Revision = undefined;
    this.locationId = undefined;
  }

  onPacket(p: ArloPacket): void {
    // A mode changed: the armed state of the next event is read afresh.
    if (p.resource === 'activeAutomations' || p.resource === 'automation/activeMode') {
      this.armedCache.clear();
    }
  }

  /** The names of the modes of a gateway. */
  async names(gw: ArloDevice): Promise<string[]> {
    return (await this.modes(await this.modeApi(gw), gw, true)).map((m) => m.name);
  }

  async read(cam: CameraInfo): Promise<ArmState> {
    const gw = this.host.gateway(cam.id);
    const api = await this.modeApi(gw);
    let active: string | undefined;
    if (api === 'v3') {
      const res = await this.readV3(gw);
      active = res.properties?.mode;
    } else if (api === 'v2') {
      const list = await this.host.client.hms<V2ActiveMode[]>({
        method: 'GET',
        path: '/hmsweb/users/devices/automation/active',
        label: `Reading the mode of "${cam.name}"`,
      });
      const entry = (Array.isArray(list) ? list : []).find(
        (e) => e.gatewayId === gw.deviceId || e.uniqueId === gw.uniqueId,
      );
      active = entry?.activeModes?.[0];
    } else {
      active = String((await this.v1Get(gw)).properties?.active ?? '');
    }
    let modes = await this.modes(api, gw);
    if (active !== undefined && !modes.some((m) => m.id === active)) {
      modes = await this.modes(api, gw, true);
    }
    const mode = modes.find((m) => m.id === active);
    return {
      armed: mode ? mode.armed : active !== 'mode0' && active !== 'standby',
      mode: mode?.name ?? active ?? null,
    };
  }

  async set(cam: CameraInfo, request: ArmRequest): Promise<ArmState> {
    const { client, commands } = this.host;
    const gw = this.host.gateway(cam.id);
    const api = await this.modeApi(gw);
    let target: Mode;
    try {
      target = this.pick(await this.modes(api, gw), request, api);
    } catch {
      // A mode added or renamed in the app since the definitions were kept.
      target = this.pick(await this.modes(api, gw, true), request, api);
    }
    const who = `Base station "${gw.deviceName ?? gw.deviceId}"`;
    if (api === 'v2') {
      await commands.command(
        gw,
        () =>
          client.hms({
            method: 'POST',
            path: '/hmsweb/users/devices/automation/active',
            body: {
              activeAutomations: [
                {
                  deviceId: gw.deviceId,
                  timestamp: Date.now(),
                  activeModes: [target.id],
                  activeSchedules: [],
                },
              ],
            },
            idempotent: false,
            label: `Setting the mode of "${cam.name}"`,
          }),
        (p) => {
          if (p.resource !== 'activeAutomations') return false;
          const entry = p[gw.deviceId as string] as { activeModes?: unknown } | undefined;
          return Array.isArray(entry?.activeModes) && entry.activeModes.includes(target.id);
        },
        who,
        'confirm the mode change',
      );
    } else if (api === 'v1') {
      const id = transId();
      await commands.command(
        gw,
        () =>
          notify(client, gw, {
            action: 'set',
            resource: 'modes',
            transId: id,
            properties: { active: target.id },
          }),
        (p) => p.transId === id,
        `Camera "${cam.name}"`,
        'confirm the mode change',
      );
    } else {
      await this.setV3(gw, target.id);
    }
    return { armed: target.armed, mode: target.name };
  }

  /**
   * Whether the active mode of the camera's base station (or location, v3) is an armed one,
   * as the cloud says now (vendor-facts 2.5); null when it cannot be read.
   */
  async armedNow(cameraId: string): Promise<boolean | null> {
    let key: string;
    try {
      key = this.host.gateway(cameraId).deviceId as string;
    } catch {
      return null;
    }
    const hit = this.armedCache.get(key);
    if (hit && Date.now() - hit.at < ARMED_TTL_MS) return hit.armed;
    return this.armedFlight.run(key, async () => {
      try {
        const { armed } = await this.host.armState(cameraId);
        this.armedCache.set(key, { armed, at: Date.now() });
        return armed;
      } catch (err) {
        this.host.log.debug(`Reading the Arlo mode for an event failed: ${String(err)}`);
        return null;
      }
    });
  }

  /**
   * The mode API of a gateway (vendor facts 2.5, pyaarlo base.py _modes_version): v3 for
   * multi-location accounts; v1 only for Arlo Baby, Go and Q; v2 for everything else, hub-less
   * cameras such as the Essential (VMC2030) included.
   */
  private async modeApi(gw: ArloDevice): Promise<ModeApi> {
    const session = await this.host.client.ensureSession();
    if (session.multiLocation) return 'v3';
    const model = gw.modelId ?? gw.properties?.modelId ?? '';
    const type = gw.deviceType ?? '';
    return V1_MODELS.test(model) || type === 'arloq' || type === 'arloqs' ? 'v1' : 'v2';
  }

  private async location(gw: ArloDevice): Promise<string> {
    if (this.locationId) return this.locationId;
    const { client } = this.host;
    const list = await client.hms<ArloLocation[]>({
      method: 'GET',
      path: `/hmsdevicemanagement/users/${encodeURIComponent(client.userId)}/locations`,
      label: 'Listing Arlo locations',
    });
    const locs = Array.isArray(list) ? list : [];
    const loc = locs.find((l) => l.gatewayDeviceIds?.includes(gw.deviceId as string)) ?? locs[0];
    if (!loc?.locationId) {
      throw new CamhubError(
        'CLOUD_ERROR',
        'This Arlo account says it uses locations but lists none. Check the account in the Arlo app.',
      );
    }
    this.locationId = loc.locationId;
    return loc.locationId;
  }

  private async modes(api: ModeApi, gw: ArloDevice, fresh = false): Promise<Mode[]> {
    const key = `${api} ${gw.deviceId ?? ''}`;
    const kept = this.modeCache.get(key);
    if (!fresh && kept && Date.now() - kept.at < MODE_CACHE_MS) return kept.modes;
    const modes = await this.readModes(api, gw);
    this.modeCache.set(key, { at: Date.now(), modes });
    return modes;
  }

  private async readModes(api: ModeApi, gw: ArloDevice): Promise<Mode[]> {
    if (api === 'v3') {
      const locationId = await this.location(gw);
      const res = await this.host.client.hms<unknown>({
        method: 'GET',
        path: '/hmsweb/automation/v3',
        query: { locationId, revisions: 'false' },
        label: 'Reading Arlo modes',
      });
      const modes = v3Modes(res);
      if (modes) return modes;
      // The list's shape is not the one known; the three fixed location modes always exist.
      if (!this.v3ShapeLogged) {
        this.v3ShapeLogged = true;
        this.host.log.warn(
          'Arlo sent a location mode list camhub does not understand; offering the fixed modes standby, armHome and armAway.',
        );
      }
      return V3_FIXED.map((m) => ({ ...m }));
    }
    let defs: V2ModeDefinition[];
    if (api === 'v2') {
      const res = await this.host.client.hms<Record<string, { modes?: V2ModeDefinition[] }>>({
        method: 'GET',
        path: '/hmsweb/users/automation/definitions',
        query: { uniqueIds: 'all' },
        label: 'Reading Arlo modes',
      });
      defs = res?.[gw.uniqueId ?? '']?.modes ?? [];
    } else {
      const answer = await this.v1Get(gw);
      defs = Array.isArray(answer.properties?.modes)
        ? (answer.properties.modes as V2ModeDefinition[])
        : [];
    }
    return defs
      .filter((d) => typeof d.id === 'string')
      .map((d) => ({
        id: d.id as string,
        name: d.name || d.type || (d.id as string),
        armed: d.type ? d.type !== 'disarmed' : d.id !== 'mode0',
      }));
  }

  private v1Get(gw: ArloDevice): Promise<ArloPacket> {
    const id = transId();
    return this.host.commands.command(
      gw,
      () => notify(this.host.client, gw, { action: 'get', resource: 'modes', transId: id }),
      (p) => p.transId === id,
      `Camera "${gw.deviceName ?? gw.deviceId}"`,
    );
  }

  private pick(modes: Mode[], request: ArmRequest, api: ModeApi): Mode {
    if (request.mode === undefined) {
      const wanted = request.armed === true;
      const preferred = wanted
        ? api === 'v3'
          ? 'armAway'
          : 'mode1'
        : api === 'v3'
          ? 'standby'
          : 'mode0';
      const m = modes.find((x) => x.id === preferred) ?? modes.find((x) => x.armed === wanted);
      if (m) return m;
    } else {
      const want = request.mode.toLowerCase();
      const m = modes.find((x) => x.id.toLowerCase() === want || x.name.toLowerCase() === want);
      if (m) return m;
    }
    throw errors.invalidInput(
      `Arlo has no mode "${request.mode ?? (request.armed ? 'armed' : 'disarmed')}" here: use "arm", "disarm" or one of ${modes.map((m) => `"${m.name}"`).join(', ')}.`,
    );
  }

  private async readV3(gw: ArloDevice): Promise<V3ActiveMode> {
    const locationId = await this.location(gw);
    const res = await this.host.client.hms<V3ActiveMode>({
      method: 'GET',
      path: '/hmsweb/automation/v3/activeMode',
      query: { locationId },
      label: 'Reading the Arlo location mode',
    });
    if (typeof res.revision === 'number') this.v3Revision = res.revision;
    return res;
  }

  /**
   * v3: PUT with the revision read; the reply carrying revision N+1 is the confirmation
   * (vendor facts 2.5), so nothing waits for the event stream.
   */
  private async setV3(gw: ArloDevice, mode: string): Promise<void> {
    const locationId = await this.location(gw);
    const put = async () => {
      if (this.v3Revision === undefined) await this.readV3(gw);
      const sent = this.v3Revision;
      const res = await this.host.client.hms<V3ActiveMode>({
        method: 'PUT',
        path: '/hmsweb/automation/v3/activeMode',
        query: { locationId, revision: sent },
        headers: {
          'x-forwarded-user': this.host.client.userId,
          'x-user-device-id': this.host.client.userId,
        },
        body: { mode },
        idempotent: false,
        label: 'Setting the Arlo location mode',
      });
      if (typeof res?.revision !== 'number' || (sent !== undefined && res.revision <= sent)) {
        this.v3Revision = undefined;
        throw new CamhubError(
          'CLOUD_ERROR',
          'Setting the Arlo location mode: Arlo did not confirm the change with a new revision. Check the mode in the Arlo app, then send the msg again.',
        );
      }
      this.v3Revision = res.revision;
    };
    try {
      await put();
    } catch (err) {
      // Someone changed the mode since we read it; the cloud refused ours, so one resend with
      // the current revision is safe.
      if (!(err instanceof CamhubError && err.vendorCode === '2409')) throw err;
      this.v3Revision = undefined;
      await put();
    }
  }
}
