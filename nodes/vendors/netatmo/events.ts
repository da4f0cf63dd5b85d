import type { EventClip, EventPerson, EventType } from '../../core/provider';
import type { NetatmoEvent, NetatmoPicture, NetatmoPush } from './types';

/**
 * Netatmo event types onto the unified ones. Types not listed (connection, on/off, boot, sd,
 * alim, daily_summary, light_mode, module_*, person_away, accepted_call, missed_call, ...)
 * are state changes, not something a camera saw, and are not emitted.
 */
const TYPES: Record<string, EventType> = {
  person: 'person',
  person_home: 'person',
  movement: 'motion',
  human: 'person',
  animal: 'animal',
  vehicle: 'vehicle',
  // An outdoor event without a classified sub-event is plain motion.
  outdoor: 'motion',
  incoming_call: 'doorbell',
  alarm_started: 'sound',
  tag_big_move: 'other',
  tag_small_move: 'other',
  tag_open: 'other',
  smoke: 'other',
  co_detected: 'other',
  tampered: 'other',
};

export function unifiedType(netatmoType: string | undefined): EventType | undefined {
  return netatmoType ? TYPES[netatmoType] : undefined;
}

/** A camera event before the provider adds vendor, camera name and persons' names. */
export interface RawEvent {
  eventId: string;
  cameraId: string;
  homeId?: string;
  type: EventType;
  /** Unix seconds; undefined means "now" (pushes carry no time). */
  time?: number;
  personIds: { id: string; known?: boolean }[];
  /** The event's own picture (vendor-facts 3.8). */
  picture?: NetatmoPicture;
  /** The recording, where getevents names it (video_id, video_status). */
  clip?: EventClip;
  raw: unknown;
}

function picture(p: NetatmoPicture | undefined): NetatmoPicture | undefined {
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.url === 'string' && /^https?:\/\//.test(p.url)) return { url: p.url };
  if (typeof p.id === 'string' && typeof p.key === 'string') return { id: p.id, key: p.key };
  return undefined;
}

function clip(e: NetatmoEvent): EventClip | undefined {
  if (typeof e.video_id !== 'string' || !e.video_id) return undefined;
  if (e.video_status === 'deleted') return undefined;
  return { id: e.video_id, ready: e.video_status === 'available' };
}

/** One getevents entry; a Presence "outdoor" event gives one event per sub-event. */
export function fromPolledEvent(e: NetatmoEvent, homeId: string): RawEvent[] {
  if (!e || typeof e.id !== 'string' || typeof e.module_id !== 'string') return [];
  const cameraId = e.module_id;
  if (e.type === 'outdoor' && Array.isArray(e.subevents) && e.subevents.length > 0) {
    return e.subevents.flatMap((sub) => {
      const type = unifiedType(sub?.type);
      if (!type || typeof sub.id !== 'string') return [];
      // The sub-event's id is what the push for it carries, so both paths agree.
      return [
        {
          eventId: sub.id,
          cameraId,
          homeId,
          type,
          time: sub.time ?? e.time,
          personIds: [],
          picture: picture(sub.snapshot),
          clip: clip(e),
          raw: e,
        },
      ];
    });
  }
  const type = unifiedType(e.type);
  if (!type) return [];
  return [
    {
      eventId: e.id,
      cameraId,
      homeId,
      type,
      time: e.time,
      personIds: typeof e.person_id === 'string' ? [{ id: e.person_id }] : [],
      picture: picture(e.snapshot),
      clip: clip(e),
      raw: e,
    },
  ];
}

/** One webhook push. The type comes from event_type, else from push_type "<Module>-<event>". */
export function fromPush(p: NetatmoPush): RawEvent | undefined {
  const name =
    p.event_type ??
    (typeof p.push_type === 'string' ? p.push_type.split('-').slice(1).join('-') : '');
  const type = unifiedType(name);
  const cameraId = p.camera_id ?? p.device_id ?? p.module_id;
  if (!type || typeof p.event_id !== 'string' || typeof cameraId !== 'string') return undefined;
  const personIds = Array.isArray(p.persons)
    ? p.persons
        .filter((x): x is { id: string; is_known?: boolean } => typeof x?.id === 'string')
        .map((x) => ({ id: x.id, known: x.is_known }))
    : [];
  const pic = picture({ url: p.snapshot_url, id: p.snapshot_id, key: p.snapshot_key });
  return {
    eventId: p.event_id,
    cameraId,
    homeId: p.home_id,
    type,
    personIds,
    ...(pic ? { picture: pic } : {}),
    raw: p,
  };
}

/** Known persons get their name from homesdata; an unknown face has none. */
export function namePersons(
  ids: { id: string; known?: boolean }[],
  names: ReadonlyMap<string, string>,
): EventPerson[] {
  return ids.map(({ id, known }) => {
    const name = names.get(id) ?? null;
    return { id, name, known: known ?? name !== null };
  });
}
