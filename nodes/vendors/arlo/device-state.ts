import {
  bareStatus,
  type ControlRequest,
  type ControlValues,
  type DeviceStatus,
} from '../../core/device';
import { CamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { ArmState, CameraInfo } from '../../core/provider';
import type { ArloDevices } from './camera-list';
import type { ArloClient } from './client';
import { type ArloCommands, notify, transId } from './commands';
import { arloStatusFields, SIREN_ON } from './device';
import type { ArloDevice, ArloPacket } from './types';

/** What device state and the siren need from the provider. */
export interface ArloDeviceStateHost {
  readonly log: Logger;
  readonly client: ArloClient;
  readonly devices: ArloDevices;
  readonly commands: ArloCommands;
  patchStatus(id: string, patch: Partial<DeviceStatus>): void;
  armState(cameraId: string): Promise<ArmState>;
}

/** Battery, signal and connection of the cameras (pyaarlo base.py), and the base's siren. */
export class ArloDeviceState {
  constructor(private readonly host: ArloDeviceStateHost) {}

  /** Device packets (battery, signal, connection) update the state watching nodes see. */
  onPacket(p: ArloPacket): void {
    if (p.action !== 'is') return;
    const m = /^(cameras|doorbells)\/(.+)$/.exec(p.resource ?? '');
    if (m && p.properties && typeof p.properties === 'object') {
      const fields = arloStatusFields(p.properties);
      if (Object.keys(fields).length) this.host.patchStatus(m[2], fields);
      return;
    }
    if (p.resource === 'devices' && p.devices && typeof p.devices === 'object') {
      for (const [id, d] of Object.entries(p.devices as Record<string, { properties?: unknown }>)) {
        const props = d?.properties;
        if (props && typeof props === 'object') {
          this.host.patchStatus(id, arloStatusFields(props as Record<string, unknown>));
        }
      }
    }
  }

  /**
   * One `devices` read per gateway (pyaarlo base.py update_states) and one mode read per
   * gateway for armed. A gateway that does not answer leaves its cameras' fields null.
   */
  async read(cams: CameraInfo[]): Promise<DeviceStatus[]> {
    const { devices, log } = this.host;
    const byGateway = new Map<string, CameraInfo[]>();
    for (const cam of cams) {
      if (!cam.online) continue;
      const gw = devices.gateway(cam.id).deviceId as string;
      byGateway.set(gw, [...(byGateway.get(gw) ?? []), cam]);
    }
    const props = new Map<string, Record<string, unknown>>();
    const armed = new Map<string, boolean>();
    await Promise.all(
      [...byGateway].map(async ([id, list]) => {
        const gw = devices.get(id) as ArloDevice;
        const [state, arm] = await Promise.all([
          this.gatewayState(gw).catch((err: unknown) => {
            log.debug(`Arlo state of "${gw.deviceName}" not read: ${String(err)}`);
            return {} as Record<string, Record<string, unknown>>;
          }),
          this.host.armState(list[0].id).catch(() => undefined),
        ]);
        for (const [dev, p] of Object.entries(state)) props.set(dev, p);
        if (arm) for (const cam of list) armed.set(cam.id, arm.armed);
      }),
    );
    return cams.map((cam) => {
      const st = bareStatus(cam);
      const p = props.get(cam.id);
      if (!cam.online) return st;
      if (p) Object.assign(st, arloStatusFields(p));
      st.armed = st.online ? (armed.get(cam.id) ?? null) : null;
      return st;
    });
  }

  async control(cam: CameraInfo, request: ControlRequest): Promise<ControlValues> {
    if (!cam.capabilities.siren) return {};
    const { client, commands } = this.host;
    const base = this.host.devices.gateway(cam.id);
    const who = `The siren of "${base.deviceName ?? base.deviceId}"`;
    if (request.siren !== undefined) {
      const id = transId();
      const properties = request.siren === 'on' ? { ...SIREN_ON } : { sirenState: 'off' };
      // pyaarlo base.py siren_on/siren_off: a notify to the base, confirmed on the stream.
      const answer = await commands.command(
        base,
        () => notify(client, base, { action: 'set', resource: 'siren', properties, transId: id }),
        (p) => p.transId === id && p.resource === 'siren',
        who,
      );
      const state = (answer.properties ?? {}).sirenState;
      if (state === 'on' || state === 'off') return { siren: state };
    }
    const state = await this.gatewayState(base);
    const own = state[base.deviceId as string]?.sirenState;
    // A base reports its own state only where it has a siren; no answer is not a guess.
    if (own === 'on' || own === 'off') return { siren: own };
    throw new CamhubError('CLOUD_ERROR', `${who}: Arlo did not report its state. Try again.`);
  }

  /** The state of every device behind a gateway, as its `devices` packet reports it. */
  private async gatewayState(gw: ArloDevice): Promise<Record<string, Record<string, unknown>>> {
    const id = transId();
    const packet = await this.host.commands.command(
      gw,
      () =>
        notify(this.host.client, gw, {
          action: 'get',
          resource: 'devices',
          publishResponse: false,
          transId: id,
        }),
      (x) => x.resource === 'devices' && (x.transId === id || x.from === gw.deviceId),
      `Base station "${gw.deviceName ?? gw.deviceId}"`,
    );
    const out: Record<string, Record<string, unknown>> = {};
    const devices = (packet.devices ?? {}) as Record<string, { properties?: unknown }>;
    for (const [dev, d] of Object.entries(devices)) {
      if (d?.properties && typeof d.properties === 'object') {
        out[dev] = d.properties as Record<string, unknown>;
      }
    }
    return out;
  }
}
