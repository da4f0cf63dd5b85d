import { arloFaults } from './arlo';
import { blinkFaults } from './blink';
import { netatmoFaults } from './netatmo';
import { reolinkFaults } from './reolink';
import type { FaultVendor } from './types';

/** Every cloud in the fault matrix. A new vendor adds one line. */
export const FAULT_VENDORS: FaultVendor[] = [reolinkFaults, blinkFaults, arloFaults, netatmoFaults];
