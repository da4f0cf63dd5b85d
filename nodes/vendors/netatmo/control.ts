import { type ControlRequest, type ControlValues, resolvePersons } from '../../core/device';
import { CamhubError, errors } from '../../core/errors';
import type { CameraInfo, Capabilities } from '../../core/provider';
import type { NetatmoClient } from './client';
import { personsOf } from './device';
import type { NetatmoHomes } from './home-state';
import { partialFailure } from './monitoring';

/** What the floodlight and persons control needs from the provider. */
export interface NetatmoControlHost {
  readonly client: NetatmoClient;
  readonly homes: NetatmoHomes;
  capableNames(has: (c: Capabilities) => boolean): string[];
}

/** The Presence floodlight and who is home (vendor-facts 3.4); the values read back after. */
export async function applyControl(
  host: NetatmoControlHost,
  cam: CameraInfo,
  request: ControlRequest,
): Promise<ControlValues> {
  const { client, homes } = host;
  const home = homes.homeOf(cam.id);
  // Names are resolved before the first request, so an unknown name changes nothing.
  const homeIds = request.persons?.home ? resolvePersons(request.persons.home, home.everyone) : [];
  const away = request.persons?.away;
  const awayIds = Array.isArray(away) ? resolvePersons(away, home.everyone) : [];
  if (request.light !== undefined) {
    const reply = await client
      .setState(home.id, [{ id: cam.id, floodlight: request.light }], `Floodlight of "${cam.name}"`)
      .catch((err: unknown) => {
        // Code 21 "cannot set property floodlight" (vendor-facts 3.4): this module has none.
        if (err instanceof CamhubError && err.vendorCode === '21') {
          throw errors.notSupported(
            `Camera "${cam.name}" (Netatmo) refused the floodlight (code 21).`,
            host
              .capableNames((c) => c.floodlight === true)
              .filter((n) => !n.endsWith(`(${cam.id})`)),
          );
        }
        throw err;
      });
    const failed = (reply.body?.errors ?? []).filter((e) => e && e.code !== 23);
    if (failed.length > 0)
      throw partialFailure(home, [cam.id], failed, `floodlight ${request.light}`);
  }
  if (away === 'all') {
    await client.setPersonsAway(home.id, undefined, `Everyone away in "${home.name}"`);
  }
  for (const id of awayIds) {
    await client.setPersonsAway(home.id, id, `Person away in "${home.name}"`);
  }
  if (homeIds.length > 0) {
    await client.setPersonsHome(home.id, homeIds, `Persons home in "${home.name}"`);
  }
  // The output is what Netatmo reports now, read back.
  const entry = await homes.status(home.id, true);
  const out: ControlValues = {};
  // An unreachable Presence is left out of homestatus: its light is unknown, not absent.
  if (cam.capabilities.floodlight && (!entry.modules.has(cam.id) || entry.away.has(cam.id))) {
    throw errors.offline(cam.name);
  }
  const floodlight = entry.modules.get(cam.id)?.floodlight;
  if (
    cam.capabilities.floodlight &&
    (floodlight === 'on' || floodlight === 'off' || floodlight === 'auto')
  ) {
    out.light = floodlight;
  }
  if (cam.capabilities.persons) out.persons = personsOf(home.everyone, entry.persons);
  return out;
}
