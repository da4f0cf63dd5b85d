import type { NodeAPI, Node } from 'node-red';
import { parsePtzPayload } from './core/msg';
import { type CameraNodeDef, handleCameraInput } from './common/functional';
import { t } from './common/red';

export = function (RED: NodeAPI): void {
  function PtzNode(this: Node, config: CameraNodeDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(RED, this, config, async ({ msg, provider, cameraId, send }) => {
      const command = parsePtzPayload(msg.payload);
      await provider.ptz(cameraId, command);
      const cam = await provider.getCamera(cameraId);
      const out = msg as typeof msg & Record<string, unknown>;
      out.camera = { id: cam.id, name: cam.name, vendor: provider.vendor };
      send(out);
      return t(RED, `status.ptz.${command.action}`);
    });
  }
  RED.nodes.registerType('camhub-ptz', PtzNode);
};
