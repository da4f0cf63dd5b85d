import type { VendorModule } from '../core/provider';
import { arlo } from './arlo';
import { blink } from './blink';
import { netatmo } from './netatmo';
import { reolink } from './reolink';

/** Every cloud camhub talks to. A new vendor adds its module here and nowhere else. */
export const VENDORS: readonly VendorModule[] = [reolink, blink, netatmo, arlo];

export function findVendor(id: string): VendorModule | undefined {
  return VENDORS.find((v) => v.id === id);
}
