import { CamhubError, errors } from './errors';
import type { CameraInfo, CameraProvider } from './provider';
import { type Recording, type RecordingRequest, newestFirst, splitRecordingId } from './recordings';

/** What the recordings node sends on. */
export interface RecordingsResult {
  payload: unknown;
  camera?: { id: string; name: string; vendor: string };
  contentType?: string;
  filename?: string;
  /** Short words for the status, e.g. "12 recordings". */
  status: { key: 'list' | 'days' | 'play' | 'download'; params?: Record<string, string | number> };
}

function unsupported(provider: CameraProvider, what: string, instead: string) {
  return errors.notSupported(`The ${provider.vendorLabel} cloud cannot ${what}: ${instead}`, []);
}

/** The cameras a request covers: the one asked for, else every camera with recordings. */
async function camerasFor(provider: CameraProvider, cameraId: string): Promise<CameraInfo[]> {
  if (cameraId) {
    // An offline camera may still have recordings in the cloud: the provider decides.
    const cam = await provider.getCamera(cameraId).catch(async (err: unknown) => {
      const known = (await provider.listCameras()).find((c) => c.id === cameraId);
      if (known && err instanceof CamhubError && err.code === 'OFFLINE') return known;
      throw err;
    });
    if (!cam.capabilities.recordings) {
      const all = await provider.listCameras();
      throw errors.notSupported(
        `Camera "${cam.name}" (${provider.vendorLabel}) keeps no recordings camhub can reach.`,
        all.filter((c) => c.capabilities.recordings).map((c) => `${c.name} (${c.id})`),
      );
    }
    return [cam];
  }
  const all = await provider.listCameras();
  // Offline cameras too: a cloud keeps their recordings; one that cannot answer is left out.
  return all.filter((c) => c.capabilities.recordings);
}

/**
 * Runs a read on each camera. Asked for one camera, its error is the answer; asked for all, a
 * camera without storage or offline is left out, so one card-less camera does not hide the
 * others' recordings; only when every camera failed does the first error come back.
 */
async function eachCamera<T>(
  cameraId: string,
  cams: CameraInfo[],
  fn: (c: CameraInfo) => Promise<T>,
): Promise<Awaited<T>[]> {
  if (cameraId) return Promise.all(cams.map(fn));
  const settled = await Promise.allSettled(cams.map(fn));
  const ok = settled.filter(
    (r): r is PromiseFulfilledResult<Awaited<T>> => r.status === 'fulfilled',
  );
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const skippable = (e: unknown) =>
    e instanceof CamhubError && (e.code === 'NOT_SUPPORTED' || e.code === 'OFFLINE');
  const hard = failed.find((r) => !skippable(r.reason));
  if (hard) throw hard.reason;
  if (ok.length === 0 && failed.length > 0) throw failed[0].reason;
  return ok.map((r) => r.value);
}

async function cameraOf(
  provider: CameraProvider,
  id: string,
): Promise<{ id: string; name: string; vendor: string }> {
  const cams = await provider.listCameras();
  const cam = cams.find((c) => c.id === id);
  return { id, name: cam?.name ?? id, vendor: provider.vendor };
}

/**
 * Runs one recordings request against a provider: list over one camera or all, the calendar,
 * and play or download by id or by the event wired in.
 */
export async function runRecordings(
  provider: CameraProvider,
  cameraId: string,
  req: RecordingRequest,
  opts: { limit: number; maxBytes: number; eventCamera?: string },
): Promise<RecordingsResult> {
  switch (req.action) {
    case 'list': {
      if (!provider.listRecordings) {
        throw unsupported(provider, 'list recordings', 'it keeps none camhub can reach.');
      }
      const list = provider.listRecordings.bind(provider);
      const cams = await camerasFor(provider, cameraId);
      const lists = await eachCamera(cameraId, cams, (c) =>
        list(c.id, { from: req.from, to: req.to, limit: opts.limit }),
      );
      const items = newestFirst(lists.flat(), opts.limit);
      const out: RecordingsResult = {
        payload: items,
        status: { key: 'list', params: { count: items.length } },
      };
      if (cameraId && cams[0]) out.camera = await cameraOf(provider, cams[0].id);
      return out;
    }
    case 'days': {
      if (!provider.recordingDays) {
        throw unsupported(
          provider,
          'list the days with recordings (only Reolink has a recordings calendar)',
          'send {"action":"list","from":...,"to":...} instead.',
        );
      }
      const days = provider.recordingDays.bind(provider);
      const cams = await camerasFor(provider, cameraId);
      const all = await eachCamera(cameraId, cams, (c) => days(c.id, req.year, req.month));
      const merged = [...new Set(all.flat())].sort();
      const out: RecordingsResult = {
        payload: merged,
        status: { key: 'days', params: { count: merged.length } },
      };
      if (cameraId && cams[0]) out.camera = await cameraOf(provider, cams[0].id);
      return out;
    }
    case 'play':
    case 'download': {
      // An event's clip on a cloud that only has files (Blink) is the file.
      const action =
        'event' in req && req.action === 'play' && !provider.playRecording
          ? 'download'
          : req.action;
      if (action === 'download' && !provider.downloadRecording) {
        throw unsupported(
          provider,
          'download recordings, it only streams them',
          'use the "play" action for a URL to play.',
        );
      }
      let recording: Recording | undefined;
      let id: string;
      if ('event' in req) {
        const camId = cameraId || opts.eventCamera;
        if (!camId) {
          throw errors.invalidInput(
            'The event msg names no camera: wire the camera event node in, or set msg.camera.',
          );
        }
        if (!provider.eventRecording) {
          throw unsupported(provider, "find an event's recording", 'use "list" and pick one.');
        }
        recording = await provider.eventRecording(camId, req.event);
        id = recording.id;
      } else {
        id = req.id;
      }
      const { cameraId: recCamera } = splitRecordingId(id);
      const camera = await cameraOf(provider, recCamera);
      if (action === 'play') {
        if (!provider.playRecording) {
          throw unsupported(provider, 'play recordings', 'use "download" for the file.');
        }
        const s = await provider.playRecording(id);
        return {
          payload: { url: s.url, protocol: s.protocol, expiresAt: s.expiresAt },
          camera,
          status: { key: 'play', params: { protocol: s.protocol } },
        };
      }
      const file = await provider.downloadRecording!(id, { maxBytes: opts.maxBytes });
      return {
        payload: file.data,
        camera,
        contentType: file.contentType,
        filename: file.filename,
        status: {
          key: 'download',
          params: { size: `${Math.max(1, Math.round(file.data.length / 1024))} kB` },
        },
      };
    }
  }
}
