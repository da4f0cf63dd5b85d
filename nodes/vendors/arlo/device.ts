import type { DeviceStatus } from '../../core/device';
import type { ArloDevice } from './types';

/**
 * Arlo device state as pyaarlo reads it (twrecked/pyaarlo @ 0091595, device.py and
 * constant.py): `batteryLevel` (percent), `chargingState` ("On"/"Off", compared lower-case),
 * `signalStrength` (Wi-Fi, 0-5 bars), `connectionState` ("unavailable" when the device is
 * away), `batteryTech` and `chargerTech` ("None" when absent: no battery and no charger means
 * mains), `swVersion`. pyaarlo defaults a missing batteryLevel to 100 and a missing signal to
 * 3; camhub leaves them null instead, as it never guesses.
 */
export function arloStatusFields(props: Record<string, unknown>): Partial<DeviceStatus> {
  const out: Partial<DeviceStatus> = {};
  const level = props.batteryLevel;
  const charging = props.chargingState;
  if (typeof level === 'number' && Number.isFinite(level)) {
    out.battery = {
      percent: level,
      charging: typeof charging === 'string' ? charging.toLowerCase() === 'on' : null,
    };
  }
  const tech = props.batteryTech;
  const charger = props.chargerTech;
  if (typeof tech === 'string') {
    if (tech !== 'None') out.power = 'battery';
    else if (charger === 'None') out.power = 'mains';
  }
  const signal = props.signalStrength;
  if (typeof signal === 'number' && Number.isFinite(signal))
    out.signal = { wifi: signal, unit: 'bars' };
  if (typeof props.swVersion === 'string' && props.swVersion) out.firmware = props.swVersion;
  if (typeof props.connectionState === 'string') {
    out.online = props.connectionState !== 'unavailable';
  }
  return out;
}

/**
 * Bases that sound a siren: a base with a siren device behind it, or the models pyaarlo
 * names in base.py has_capability (VMB400x, VMB450x).
 */
export function hasSiren(base: ArloDevice | undefined, all: ArloDevice[]): boolean {
  if (!base || base.deviceType !== 'basestation') return false;
  const model = base.modelId ?? base.properties?.modelId ?? '';
  if (/^(VMB400|VMB450)/.test(model)) return true;
  return all.some((d) => d.deviceType === 'siren' && d.parentId === base.deviceId);
}

/** pyaarlo base.py siren_on: 300 s at volume 8, pattern "alarm". */
export const SIREN_ON = { sirenState: 'on', duration: 300, volume: 8, pattern: 'alarm' } as const;
