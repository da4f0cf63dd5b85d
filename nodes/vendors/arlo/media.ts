import { CamhubError, errors } from '../../core/errors';
import { isJpeg } from '../../core/jpeg';
import type {
  CameraEvent,
  CameraInfo,
  Snapshot,
  StreamInfo,
  StreamQuality,
} from '../../core/provider';
import type { ArloClient } from './client';
import { type ArloCommands, transId } from './commands';
import type { ArloDevice } from './types';

/** Arlo serves one stream per camera. */
export function checkQuality(cam: CameraInfo, quality: StreamQuality | undefined): void {
  if (quality && !cam.capabilities.streamQualities.includes(quality)) {
    throw errors.invalidInput(
      `Camera "${cam.name}" (Arlo) has only the "main" stream; "${quality}" is not available.`,
    );
  }
}

/** A presigned S3 picture: fetched with no Authorization header, as such URLs take none. */
async function presignedJpeg(
  client: ArloClient,
  url: string,
  label: string,
  notJpeg: string,
): Promise<Buffer> {
  const res = await client.api.request<Buffer>({
    method: 'GET',
    path: url,
    auth: false,
    expect: 'buffer',
    label,
  });
  if (!isJpeg(res.data)) throw new CamhubError('CLOUD_ERROR', notJpeg);
  return res.data;
}

/** A full-frame capture: asked over HTTP, announced on the event stream with its URL. */
export async function takeSnapshot(
  client: ArloClient,
  commands: ArloCommands,
  gw: ArloDevice,
  cam: CameraInfo,
): Promise<Snapshot> {
  const id = transId();
  const resource = `cameras/${cam.id}`;
  const packet = await commands.command(
    gw,
    () =>
      client.hms({
        method: 'POST',
        path: '/hmsweb/users/devices/fullFrameSnapshot',
        headers: { xcloudId: gw.xCloudId ?? '' },
        body: {
          to: gw.deviceId,
          from: `${client.userId}_web`,
          resource,
          action: 'set',
          publishResponse: true,
          transId: id,
          properties: { activityState: 'fullFrameSnapshot' },
        },
        idempotent: false,
        label: `Snapshot of "${cam.name}"`,
      }),
    (p) =>
      p.resource === resource &&
      (p.action === 'fullFrameSnapshotAvailable' || p.action === 'lastImageSnapshotAvailable'),
    `Camera "${cam.name}"`,
    'send its snapshot',
  );
  const props = packet.properties ?? {};
  const url = props.presignedFullFrameSnapshotUrl ?? props.presignedLastImageUrl;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Snapshot of "${cam.name}": Arlo announced a picture without a URL. Try again.`,
    );
  }
  const image = await presignedJpeg(
    client,
    url,
    `Downloading the snapshot of "${cam.name}"`,
    `Snapshot of "${cam.name}": the download is not a JPEG picture. Try again.`,
  );
  return { image, contentType: 'image/jpeg', time: new Date().toISOString() };
}

export async function streamUrl(
  client: ArloClient,
  gw: ArloDevice,
  cam: CameraInfo,
): Promise<StreamInfo> {
  const res = await client.hms<{ url?: string }>({
    method: 'POST',
    path: '/hmsweb/users/devices/startStream',
    headers: { xcloudId: gw.xCloudId ?? '' },
    body: {
      to: gw.deviceId,
      from: `${client.userId}_web`,
      resource: `cameras/${cam.id}`,
      action: 'set',
      responseUrl: '',
      publishResponse: true,
      transId: transId(),
      properties: { activityState: 'startUserStream', cameraId: cam.id },
    },
    idempotent: false,
    label: `Stream of "${cam.name}"`,
  });
  if (typeof res?.url !== 'string' || !res.url) {
    throw new CamhubError(
      'CLOUD_ERROR',
      `Stream of "${cam.name}": Arlo sent no stream URL. Try again.`,
    );
  }
  // Arlo hands out rtsp:// but serves the stream over TLS only.
  const url = res.url.replace(/^rtsp:\/\//i, 'rtsps://');
  const protocol = url.startsWith('rtsps:') ? 'rtsps' : /\.m3u8(\?|$)/.test(url) ? 'hls' : 'dash';
  return { url, protocol, expiresAt: new Date(Date.now() + 30_000).toISOString() };
}

/** The event's own picture: a presigned S3 URL, fetched with no Authorization (2.6). */
export async function eventImage(client: ArloClient, event: CameraEvent): Promise<Snapshot> {
  const url = event.image?.url;
  const what = `The picture of the event on "${event.camera.name}"`;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new CamhubError('NOT_SUPPORTED', `${what} is not named by Arlo.`);
  }
  const image = await presignedJpeg(client, url, what, `${what} is not a JPEG picture.`);
  return { image, contentType: 'image/jpeg', time: event.time };
}
