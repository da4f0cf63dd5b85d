import type { NodeAPI, Node } from 'node-red';
import { parseQuality } from './core/msg';
import { type CameraNodeDef, handleCameraInput } from './common/functional';
import { t } from './common/red';

interface SnapshotDef extends CameraNodeDef {
  quality?: string;
}

export = function (RED: NodeAPI): void {
  function SnapshotNode(this: Node, config: SnapshotDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(RED, this, config, async ({ msg, provider, cameraId, send }) => {
      const quality = parseQuality(config.quality, (msg as { quality?: unknown }).quality);
      const shot = await provider.snapshot(cameraId, { quality });
      const cam = await provider.getCamera(cameraId);
      const out = msg as typeof msg & Record<string, unknown>;
      out.payload = shot.image;
      out.contentType = 'image/jpeg';
      out.camera = { id: cam.id, name: cam.name, vendor: provider.vendor };
      out.timestamp = shot.time;
      send(out);
      return t(RED, 'status.snapshot');
    });
  }
  RED.nodes.registerType('camhub-snapshot', SnapshotNode);
};
