import type { NodeAPI, Node } from 'node-red';
import { parseArmPayload } from './core/msg';
import { type CameraNodeDef, handleCameraInput } from './common/functional';
import { t } from './common/red';

interface ArmDef extends CameraNodeDef {
  /** Where the cloud has a choice: Blink system|camera, Netatmo camera|home. */
  armScope?: string;
}

export = function (RED: NodeAPI): void {
  function ArmNode(this: Node, config: ArmDef) {
    RED.nodes.createNode(this, config);
    handleCameraInput(RED, this, config, async ({ msg, provider, cameraId, send }) => {
      const action = parseArmPayload(msg.payload);
      const scope = config.armScope || undefined;
      const state =
        action.kind === 'status'
          ? await provider.getArmState(cameraId, { scope })
          : await provider.setArmState(cameraId, { ...action.request, scope });
      const cam = await provider.getCamera(cameraId);
      const out = msg as typeof msg & Record<string, unknown>;
      out.payload = { armed: state.armed, mode: state.mode };
      out.camera = { id: cam.id, name: cam.name, vendor: provider.vendor };
      send(out);
      return t(RED, state.armed ? 'status.armed' : 'status.disarmed');
    });
  }
  RED.nodes.registerType('camhub-arm', ArmNode);
};
