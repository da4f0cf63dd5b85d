import { RecentIds } from '../../core/async';
import type { CameraEvent, CameraInfo } from '../../core/provider';
import type { NetatmoClient } from './client';
import { fromPush, namePersons, type RawEvent } from './events';
import type { NetatmoHomes } from './home-state';
import type { NetatmoPush } from './types';

/** What the event feed needs from the provider. */
export interface NetatmoEventFeedHost {
  readonly vendor: string;
  readonly client: NetatmoClient;
  readonly homes: NetatmoHomes;
  closed(): boolean;
  /** Whether a node watches device state (pushes about it are then read). */
  watched(): boolean;
  cachedCamera(id: string): CameraInfo | undefined;
  refreshCameras(): Promise<unknown>;
  emit(event: CameraEvent): void;
}

/**
 * Events from the webhook and the poll as camhub msgs: each id once, across restarts too,
 * named with the account's cameras and persons; and the pushes that are news for device state.
 */
export class NetatmoEventFeed {
  private readonly recent = new RecentIds();
  /** Event ids emitted before a restart, so a replayed push is not news again. */
  readonly ready: Promise<void>;

  constructor(private readonly host: NetatmoEventFeedHost) {
    this.ready = host.client.savedEventIds().then(
      (ids) => {
        for (const id of ids) this.recent.add(id);
      },
      () => undefined,
    );
  }

  /** Emits an event the first time its id is seen (across restarts too); true when emitted. */
  deliver(e: RawEvent): boolean {
    const { homes } = this.host;
    if (!this.recent.add(e.eventId)) return false;
    this.host.client.rememberEventId(e.eventId);
    const home = (e.homeId && homes.get(e.homeId)) || homes.homeOfCamera(e.cameraId);
    const cached = this.host.cachedCamera(e.cameraId);
    const name = cached?.name ?? home?.cameras.find((c) => c.id === e.cameraId)?.name ?? e.cameraId;
    this.host.emit({
      vendor: this.host.vendor,
      camera: { id: e.cameraId, name },
      type: e.type,
      // A push has no time of its own; its arrival is the best there is.
      time: new Date(e.time !== undefined ? e.time * 1000 : Date.now()).toISOString(),
      eventId: e.eventId,
      raw: e.raw,
      ...(e.personIds.length
        ? { persons: namePersons(e.personIds, home?.persons ?? new Map()) }
        : {}),
      armed: this.monitoring(home?.id, e.cameraId),
      ...(e.picture
        ? {
            // snapshot_url is a public link; an id and key are fetched with the token.
            image: { url: e.picture.url ?? null, expiresAt: null, source: 'event' as const },
            imageRef: e.picture,
          }
        : {}),
      ...(e.clip ? { clip: { ...e.clip } } : {}),
    });
    return true;
  }

  /** A verified webhook push (not the activation). */
  async onPush(push: NetatmoPush): Promise<void> {
    const { homes } = this.host;
    if (this.host.closed()) return;
    const kind = push.event_type ?? push.push_type?.split('-').slice(1).join('-');
    if (kind === 'connection' || kind === 'disconnection') {
      // A reconnected camera has a new vpn_url.
      if (push.home_id) homes.forget(push.home_id);
      void this.host.refreshCameras().catch(() => undefined);
      return;
    }
    if (kind === 'sd' || kind === 'alim' || kind === 'light_mode') {
      // The push names the change, not the new value: read it, for the watching nodes.
      if (push.home_id && homes.get(push.home_id) && this.host.watched()) {
        void homes.status(push.home_id, true).catch(() => undefined);
      }
      return;
    }
    const event = fromPush(push);
    if (!event) return;
    if (homes.size === 0 || !homes.homeOfCamera(event.cameraId)) {
      await this.host.refreshCameras().catch(() => undefined);
    }
    // Pushes for homes this account does not have are not ours to report.
    if (!homes.homeOfCamera(event.cameraId)) return;
    await this.ready;
    this.deliver(event);
  }

  /**
   * Whether the camera was monitoring when it saw the event. A camera sees nothing while its
   * monitoring is off (3.4 [I]; the simulator models it), so an event it reports was seen
   * while armed; a cached homestatus may be older than a switch just made, so it is not asked.
   * The Doorbell has no monitoring: null.
   */
  private monitoring(homeId: string | undefined, cameraId: string): boolean | null {
    const cam = this.host.cachedCamera(cameraId);
    if (cam) return cam.capabilities.arm ? true : null;
    const mod = homeId ? this.host.homes.cachedModule(homeId, cameraId) : undefined;
    return mod?.monitoring === 'on' || mod?.monitoring === 'off' ? true : null;
  }
}
