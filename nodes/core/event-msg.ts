import { CamhubError, toCamhubError } from './errors';
import { eventLabels } from './msg';
import type { CameraEvent, CameraProvider, Snapshot } from './provider';

/** The event node's "Attach picture" property. */
export const PICTURE_MODES = ['none', 'event', 'event-or-live'] as const;
export type PictureMode = (typeof PICTURE_MODES)[number];

export function parsePictureMode(value: unknown): PictureMode {
  return (PICTURE_MODES as readonly unknown[]).includes(value) ? (value as PictureMode) : 'none';
}

/**
 * A picture that takes longer than this is given up, so a slow cloud never holds an event back
 * for long; the providers' own deadlines usually end it sooner.
 */
export const PICTURE_DEADLINE_MS = 30_000;

/** msg.payload of an event msg (the msg contract); every field of old stays. */
export function eventPayload(event: CameraEvent): Record<string, unknown> {
  return {
    vendor: event.vendor,
    camera: { ...event.camera },
    type: event.type,
    labels: eventLabels(event),
    time: event.time,
    eventId: event.eventId,
    phase: event.phase ?? 'start',
    armed: typeof event.armed === 'boolean' ? event.armed : null,
    ...(event.persons ? { persons: event.persons.map((p) => ({ ...p })) } : {}),
    ...(event.image
      ? {
          image: {
            url: event.image.url,
            expiresAt: event.image.expiresAt,
            source: event.image.source,
          },
        }
      : {}),
    ...(event.clip ? { clip: { ...event.clip } } : {}),
    raw: event.raw,
  };
}

export interface AttachedPicture {
  /** The JPEG for msg.image; absent when none could be had. */
  buffer?: Buffer;
  /** What msg.payload.image becomes; undefined leaves it as eventPayload made it. */
  info?: Record<string, unknown>;
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CamhubError('TIMEOUT', `${what} did not arrive in time.`)),
      ms,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * The picture an event msg carries. Never throws: a picture that cannot be had is reported in
 * `info.error` (an error code) and the event leaves without it.
 */
export async function attachPicture(
  provider: CameraProvider,
  event: CameraEvent,
  mode: PictureMode,
  deadlineMs = PICTURE_DEADLINE_MS,
): Promise<AttachedPicture> {
  if (mode === 'none') return {};
  const base: Record<string, unknown> = event.image
    ? { url: event.image.url, expiresAt: event.image.expiresAt, source: 'event' }
    : {};
  const ok = (shot: Snapshot, source: 'event' | 'live'): AttachedPicture => ({
    buffer: shot.image,
    info:
      source === 'event'
        ? { ...base, source, time: shot.time }
        : { url: null, expiresAt: null, source, time: shot.time },
  });
  let failure: CamhubError | undefined;
  if (event.image && provider.eventImage) {
    try {
      return ok(
        await withDeadline(provider.eventImage(event), deadlineMs, 'The event picture'),
        'event',
      );
    } catch (err) {
      failure = toCamhubError(err);
    }
  } else {
    failure = new CamhubError(
      'NOT_SUPPORTED',
      `${provider.vendorLabel} names no picture for this event.`,
    );
  }
  if (mode === 'event-or-live') {
    try {
      return ok(
        await withDeadline(provider.snapshot(event.camera.id), deadlineMs, 'The live picture'),
        'live',
      );
    } catch (err) {
      failure = toCamhubError(err);
    }
  }
  return { info: { ...base, error: failure.code } };
}
