import { errors } from '../../core/errors';
import type { CameraInfo } from '../../core/provider';
import type { ArloClient } from './client';
import { hasSiren } from './device';
import type { ArloDevice } from './types';

export const CAMERA_TYPES = new Set(['camera', 'doorbell', 'arloq', 'arloqs']);
/** Models that run on a battery (camera list facts only; Arlo reports the level on the stream). */
const BATTERY_MODELS =
  /^(VMC4030|VMC4040|VMC4041|VMC4050|VMC5040|VMC2030|VMC2040|VMC3040|VMC4060|FB1001|AVD2001)/;

/**
 * The account's devices as the last camera list read them: cameras, base stations and what
 * sits behind them. Commands go to a camera's gateway, so the whole list is kept.
 */
export class ArloDevices {
  private readonly byId = new Map<string, ArloDevice>();

  constructor(private readonly vendorLabel: string) {}

  get(id: string): ArloDevice | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  all(): ArloDevice[] {
    return [...this.byId.values()];
  }

  name(id: string): string {
    return this.byId.get(id)?.deviceName ?? id;
  }

  /** The device that relays a camera's commands: its base station, or itself without a hub. */
  gateway(cameraId: string): ArloDevice {
    const cam = this.byId.get(cameraId);
    const gw = this.byId.get(cam?.parentId ?? '') ?? cam;
    if (!gw?.deviceId) throw errors.unknownCamera(cameraId, this.vendorLabel, []);
    return gw;
  }

  /** Base stations, and cameras that are their own hub. */
  gateways(): ArloDevice[] {
    return this.all().filter(
      (d) =>
        d.deviceType === 'basestation' ||
        (CAMERA_TYPES.has(d.deviceType ?? '') && d.parentId === d.deviceId),
    );
  }

  /** Reads the device list afresh and returns its cameras. */
  async fetch(client: ArloClient, vendor: string): Promise<CameraInfo[]> {
    const list = await client.hms<ArloDevice[]>({
      method: 'GET',
      path: '/hmsweb/v2/users/devices',
      query: { t: Date.now() },
      label: 'Listing Arlo devices',
    });
    const items = Array.isArray(list) ? list.filter((d) => typeof d?.deviceId === 'string') : [];
    this.byId.clear();
    for (const d of items) this.byId.set(d.deviceId as string, d);
    return items
      .filter((d) => CAMERA_TYPES.has(d.deviceType ?? ''))
      .map((d) => {
        const parent = this.byId.get(d.parentId ?? '');
        const model = d.modelId ?? d.properties?.modelId ?? '';
        return {
          id: d.deviceId as string,
          name: d.deviceName || (d.deviceId as string),
          model,
          vendor,
          online: d.connectivity?.connected !== false && parent?.connectivity?.connected !== false,
          capabilities: {
            arm: true,
            snapshot: true,
            ptz: false,
            zoom: false,
            focus: false,
            ptzDirections: [],
            streamProtocols: ['rtsps'],
            streamQualities: ['main'],
            battery: BATTERY_MODELS.test(model),
            // The cloud library keeps every camera's clips (vendor-facts 2.9).
            recordings: true,
            siren: hasSiren(parent, items),
          },
        };
      });
  }
}
