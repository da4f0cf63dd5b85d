import { CamhubError, errors } from '../../core/errors';
import type { ArmRequest, ArmState, CameraInfo } from '../../core/provider';
import type { NetatmoClient } from './client';
import { type Home, type HomeStatusEntry, MONITORED, type NetatmoHomes } from './home-state';

/** Netatmo arms by turning monitoring on, for one camera or every camera of its home. */
export type ArmScope = 'camera' | 'home';

export function scopeOf(request?: ArmRequest): ArmScope {
  const scope = request?.scope ?? '';
  if (scope === '' || scope === 'camera') return 'camera';
  if (scope === 'home') return 'home';
  throw errors.invalidInput(
    `armScope "${scope.slice(0, 20)}" does not apply to Netatmo: use "camera" or "home".`,
  );
}

function monitored(home: Home): string[] {
  return home.cameras.filter((c) => MONITORED.includes(c.type)).map((c) => c.id);
}

/** Armed when every reachable camera in scope has monitoring on. */
function armedIn(st: HomeStatusEntry, ids: string[]): boolean {
  const reachable = ids.map((id) => st.modules.get(id)).filter((m) => m !== undefined);
  return reachable.length > 0 && reachable.every((m) => m.monitoring === 'on');
}

export async function readMonitoring(
  homes: NetatmoHomes,
  cam: CameraInfo,
  home: Home,
  scope: ArmScope,
): Promise<ArmState> {
  const st = await homes.status(home.id, true);
  return { armed: armedIn(st, scope === 'home' ? monitored(home) : [cam.id]), mode: null };
}

export async function setMonitoring(
  client: NetatmoClient,
  homes: NetatmoHomes,
  cam: CameraInfo,
  home: Home,
  scope: ArmScope,
  armed: boolean | undefined,
): Promise<ArmState> {
  const ids = scope === 'home' ? monitored(home) : [cam.id];
  if (ids.length === 0) {
    throw errors.notSupported(`The home "${home.name}" has no camera with monitoring.`, []);
  }
  const monitoring = armed ? 'on' : 'off';
  const reply = await client.setState(
    home.id,
    ids.map((id) => ({ id, monitoring })),
    `Turning monitoring ${monitoring} for ${scope === 'home' ? `home "${home.name}"` : `"${cam.name}"`}`,
  );
  // "Already on" (23) leaves the camera as asked; anything else did not happen.
  const failed = (reply.body?.errors ?? []).filter((e) => e && e.code !== 23);
  // setstate names every module it could not change in its reply (vendor-facts 3.4), so
  // the others are as asked: the kept status is brought up to date instead of read again,
  // which would cost a round trip and a request of the quota.
  const bad = new Set(failed.map((e) => e.id));
  const kept = homes.kept(home.id);
  for (const id of ids) {
    const m = kept?.modules.get(id);
    if (m && !bad.has(id)) kept?.modules.set(id, { ...m, monitoring });
  }
  if (failed.length > 0) throw partialFailure(home, ids, failed, monitoring);
  return { armed: armed === true, mode: null };
}

/** A setstate some cameras took and some did not, naming both. */
export function partialFailure(
  home: Home,
  ids: string[],
  failed: { code?: number; message?: string; id?: string }[],
  monitoring: string,
): CamhubError {
  const name = (id?: string) => home.cameras.find((c) => c.id === id)?.name ?? id ?? '?';
  const bad = new Set(failed.map((f) => f.id));
  const done = ids.filter((id) => !bad.has(id)).map(name);
  const what = failed.map((f) => `${name(f.id)} (${f.message ?? 'error'}, code ${f.code})`);
  const unreachable = failed.every((f) => f.code === 6 || f.code === 41);
  return new CamhubError(
    unreachable ? 'OFFLINE' : 'CLOUD_ERROR',
    `${done.length ? `Monitoring is now ${monitoring} for ${done.join(', ')}, but ` : ''}Netatmo could not turn it ${monitoring} for ${what.join(', ')}. ` +
      (unreachable
        ? 'Check the power and network of that camera, then send the command again.'
        : 'Send the command again; if it keeps failing, check the camera in the Netatmo app.'),
    { vendorCode: String(failed[0].code ?? '') },
  );
}
