import type { NodeAPI, Node } from 'node-red';
import { runRecordings } from './core/recording-actions';
import { parseAction, parseLimit, parseMaxBytes, parseRecordingInput } from './core/recordings';
import { type CameraNodeDef, handleCameraInput } from './common/functional';
import { t } from './common/red';

interface RecordingsDef extends CameraNodeDef {
  action?: string;
  limit?: number | string;
  maxBytes?: number | string;
}

const STATUS = {
  list: 'status.recordings.list',
  days: 'status.recordings.days',
  play: 'status.recordings.play',
  download: 'status.recordings.download',
} as const;

export = function (RED: NodeAPI): void {
  function RecordingsNode(this: Node, config: RecordingsDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(
      RED,
      this,
      config,
      async ({ msg, provider, cameraId, send }) => {
        const payload = (msg as { payload?: unknown }).payload;
        const body =
          payload && typeof payload === 'object' && !Array.isArray(payload)
            ? (payload as Record<string, unknown>)
            : {};
        const request = parseRecordingInput(payload, parseAction(config.action));
        const limit = parseLimit(body.limit ?? config.limit);
        const maxBytes = parseMaxBytes(config.maxBytes);
        const eventCamera = (body.camera as { id?: unknown } | undefined)?.id;
        const result = await runRecordings(provider, cameraId, request, {
          limit,
          maxBytes,
          eventCamera: typeof eventCamera === 'string' ? eventCamera : undefined,
        });
        const out = msg as typeof msg & Record<string, unknown>;
        out.payload = result.payload;
        if (result.camera) out.camera = result.camera;
        if (result.contentType) out.contentType = result.contentType;
        if (result.filename) out.filename = result.filename;
        send(out);
        return t(RED, STATUS[result.status.key], result.status.params);
      },
      { allCameras: true },
    );
  }
  RED.nodes.registerType('camhub-recordings', RecordingsNode);
};
