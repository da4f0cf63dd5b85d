import { CamhubError, errors, toCamhubError } from '../../core/errors';
import { isJpeg } from '../../core/jpeg';
import type { CameraEvent, CameraInfo, Snapshot, StreamQuality } from '../../core/provider';
import type { NetatmoClient } from './client';
import type { Home, NetatmoHomes } from './home-state';
import type { HomeStatusModule, NetatmoPicture } from './types';

/** A LAN address is only worth it when it answers at once. */
const LOCAL_PING_MS = 2_000;
const HLS_QUALITY: Record<StreamQuality, 'high' | 'medium' | 'low'> = {
  main: 'high',
  extern: 'medium',
  sub: 'low',
};

/** What the camera's own server needs from the provider. */
export interface NetatmoPicturesHost {
  readonly client: NetatmoClient;
  readonly homes: NetatmoHomes;
  closed(): boolean;
  /** A call counted in the account status (a refused token shows there). */
  track<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Snapshots, live and recorded video from the camera itself (over its vpn_url, or its LAN
 * address when that answers), and event pictures from the cloud.
 */
export class NetatmoPictures {
  /** Per vpn_url: the LAN address that answered, or null when only the vpn works. */
  private readonly localFor = new Map<string, string | null>();

  constructor(private readonly host: NetatmoPicturesHost) {}

  async snapshot(cam: CameraInfo, home: Home): Promise<Snapshot> {
    const label = `Snapshot of "${cam.name}"`;
    const res = await this.fromCamera(cam, home, (base) =>
      this.host.client.camera.request<Buffer>({
        method: 'GET',
        path: `${base}/live/snapshot_720.jpg`,
        expect: 'buffer',
        auth: false,
        coalesce: false,
        label,
      }),
    );
    const type = (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const image = res.data;
    if (type !== 'image/jpeg' || !isJpeg(image)) {
      throw new CamhubError(
        'CLOUD_ERROR',
        `${label}: the camera sent ${type || 'data'} instead of a JPEG picture. Try again; if it persists, restart the camera.`,
      );
    }
    return { image, contentType: 'image/jpeg', time: new Date().toISOString() };
  }

  /** The camera's address now, read fresh from homestatus; OFFLINE without a vpn_url. */
  async base(cam: CameraInfo, home: Home): Promise<string> {
    const mod = await this.host.homes.module(cam, home, true);
    if (typeof mod.vpn_url !== 'string' || !mod.vpn_url) throw errors.offline(cam.name);
    return this.cameraBase(mod);
  }

  /** The live HLS playlist; no expiry: it works until the camera gets a new vpn_url. */
  async liveUrl(cam: CameraInfo, home: Home, quality: StreamQuality = 'main'): Promise<string> {
    return `${await this.base(cam, home)}/live/files/${HLS_QUALITY[quality]}/index.m3u8`;
  }

  /** The event's own picture: the public snapshot_url, or getcamerapicture with id and key. */
  async eventImage(event: CameraEvent): Promise<Snapshot> {
    const { client } = this.host;
    const ref = (event.imageRef ?? {}) as NetatmoPicture;
    const label = `The picture of the event on "${event.camera.name}"`;
    let image: Buffer;
    if (typeof ref.url === 'string') {
      const res = await client.camera.request<Buffer>({
        method: 'GET',
        path: ref.url,
        expect: 'buffer',
        auth: false,
        label,
      });
      image = res.data;
    } else if (typeof ref.id === 'string' && typeof ref.key === 'string') {
      const { id, key } = ref;
      image = await this.host.track(() => client.cameraPicture(id, key, label));
    } else {
      throw new CamhubError('NOT_SUPPORTED', `${label} is not named by Netatmo.`);
    }
    if (!isJpeg(image)) {
      throw new CamhubError('CLOUD_ERROR', `${label} is not a JPEG picture.`);
    }
    return { image, contentType: 'image/jpeg', time: event.time };
  }

  /**
   * The camera's address: its local_url when the camera says it is on this LAN and its ping
   * answers from here, else the vpn_url. Cached until vpn_url changes.
   */
  private async cameraBase(mod: HomeStatusModule): Promise<string> {
    const vpn = mod.vpn_url as string;
    if (!mod.is_local) return vpn;
    if (!this.localFor.has(vpn)) {
      let local: string | null = null;
      try {
        const ping = await this.host.client.ping(vpn);
        if (typeof ping.local_url === 'string' && /^https?:\/\//.test(ping.local_url)) {
          const lan = await this.host.client.ping(ping.local_url, LOCAL_PING_MS);
          if (lan && typeof lan === 'object') local = ping.local_url;
        }
      } catch {
        local = null;
      }
      this.localFor.set(vpn, local);
    }
    return this.localFor.get(vpn) ?? vpn;
  }

  /** A request to the camera itself, retried once with a fresh vpn_url when the old one died. */
  private async fromCamera<T>(
    cam: CameraInfo,
    home: Home,
    fn: (base: string) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const mod = await this.host.homes.module(cam, home, attempt > 0);
      if (typeof mod.vpn_url !== 'string' || !mod.vpn_url) throw errors.offline(cam.name);
      const base = await this.cameraBase(mod);
      try {
        return await fn(base);
      } catch (err) {
        const e = toCamhubError(err);
        // A 404 or a dead socket means the camera reconnected and has a new vpn_url.
        const stale = e.status === 404 || (e.code === 'CLOUD_ERROR' && e.status === undefined);
        this.localFor.delete(mod.vpn_url);
        if (stale && attempt === 0 && !this.host.closed()) {
          this.host.homes.forget(home.id);
          continue;
        }
        if (stale || e.code === 'TIMEOUT') {
          throw new CamhubError(
            e.code === 'TIMEOUT' ? 'TIMEOUT' : 'OFFLINE',
            `Camera "${cam.name}" did not answer through Netatmo. Check its power and network; the next msg tries again.`,
            { status: e.status },
          );
        }
        throw e;
      }
    }
  }
}
