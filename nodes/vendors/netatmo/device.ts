import {
  bareStatus,
  type DeviceStatus,
  type LightMode,
  type PersonStatus,
} from '../../core/device';
import type { HomeStatusModule, HomeStatusPerson } from './types';

/**
 * homestatus as camera state (vendor-facts 3.3). sd_status: 1 missing, 2 inserted, 3 formatted,
 * 4 working, 5 defective, 6 incompatible speed, 7 insufficient space.
 */
export function sdCardState(code: unknown): 'ok' | 'missing' | 'full' | 'error' | null {
  switch (code) {
    case 1:
      return 'missing';
    case 2:
    case 3:
    case 4:
      return 'ok';
    case 7:
      return 'full';
    case 5:
    case 6:
      return 'error';
    default:
      return null;
  }
}

/** Persons of a home: names from homesdata, whereabouts from homestatus (out_of_sight). */
export function personsOf(
  everyone: { id: string; name: string | null }[],
  seen: HomeStatusPerson[],
): PersonStatus[] {
  const where = new Map(seen.filter((p) => typeof p?.id === 'string').map((p) => [p.id, p]));
  return everyone.map((p) => ({
    id: p.id,
    name: p.name,
    home: where.has(p.id) ? where.get(p.id)?.out_of_sight !== true : false,
  }));
}

/**
 * One camera's status from its homestatus entry. Netatmo cameras run on mains (alim_status is
 * their power supply); a field homestatus leaves out stays null. No battery, no temperature.
 */
export function moduleStatus(
  cam: { id: string; name: string; model: string; vendor: string; online: boolean },
  mod: HomeStatusModule | undefined,
  persons: PersonStatus[] | undefined,
): DeviceStatus {
  const st = bareStatus(cam);
  if (mod && cam.online) {
    if (mod.monitoring === 'on' || mod.monitoring === 'off') st.armed = mod.monitoring === 'on';
    if (typeof mod.alim_status === 'number') st.power = 'mains';
    const sd = sdCardState(mod.sd_status);
    if (sd) st.storage = { sdCard: sd };
    if (typeof mod.wifi_strength === 'number')
      st.signal = { wifi: mod.wifi_strength, unit: 'rssi' };
    if (mod.firmware_revision !== undefined && mod.firmware_revision !== null) {
      st.firmware = String(mod.firmware_revision);
    }
    if (mod.floodlight === 'on' || mod.floodlight === 'off' || mod.floodlight === 'auto') {
      st.lights = { floodlight: mod.floodlight as LightMode };
    }
  }
  if (persons) st.persons = persons.map((p) => ({ ...p }));
  return st;
}
