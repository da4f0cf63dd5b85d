import type { NodeAPI, Node } from 'node-red';
import { parseQuality } from './core/msg';
import { type CameraNodeDef, handleCameraInput } from './common/functional';
import { t } from './common/red';

interface StreamDef extends CameraNodeDef {
  quality?: string;
}

export = function (RED: NodeAPI): void {
  function StreamNode(this: Node, config: StreamDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(RED, this, config, async ({ msg, provider, cameraId, send }) => {
      const quality = parseQuality(config.quality, (msg as { quality?: unknown }).quality);
      const stream = await provider.streamUrl(cameraId, { quality });
      const cam = await provider.getCamera(cameraId);
      const out = msg as typeof msg & Record<string, unknown>;
      out.payload = { url: stream.url, protocol: stream.protocol, expiresAt: stream.expiresAt };
      out.camera = { id: cam.id, name: cam.name, vendor: provider.vendor };
      send(out);
      return t(RED, 'status.stream', { protocol: stream.protocol });
    });
  }
  RED.nodes.registerType('camhub-stream', StreamNode);
};
