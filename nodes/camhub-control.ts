import type { NodeAPI, Node } from 'node-red';
import { parseControlPayload } from './core/device';
import { errors } from './core/errors';
import { type CameraNodeDef, handleCameraInput, msgCamera } from './common/functional';
import { t } from './common/red';

export = function (RED: NodeAPI): void {
  function ControlNode(this: Node, config: CameraNodeDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(RED, this, config, async ({ msg, provider, cameraId, send }) => {
      const request = parseControlPayload(msg.payload);
      if (!provider.control) {
        throw errors.notSupported(`${provider.vendorLabel} cameras have no switches to set.`, []);
      }
      const values = await provider.control(cameraId, request);
      const cam = await provider.getCamera(cameraId);
      const out = msg as typeof msg & Record<string, unknown>;
      out.payload = values;
      out.camera = msgCamera(cam, provider.vendor);
      send(out);
      return t(
        RED,
        request.get && Object.keys(request).length === 1 ? 'status.read' : 'status.set',
      );
    });
  }
  RED.nodes.registerType('camhub-control', ControlNode);
};
