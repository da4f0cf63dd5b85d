import type { NodeAPI, Node } from 'node-red';
import { type ChangeKind, changeTopic, parseLowBattery, statusChanges } from './core/device';
import { errors, toCamhubError } from './core/errors';
import type { CameraProvider } from './core/provider';
import {
  type CameraNodeDef,
  handleCameraInput,
  msgCamera,
  resolveProvider,
} from './common/functional';
import { clock, t } from './common/red';

interface DeviceDef extends CameraNodeDef {
  /** Send a msg when a camera's state changes (online, low battery, charging, storage). */
  watch?: boolean;
  /** Percent below which a battery counts as low (default 20). */
  lowBattery?: string | number;
}

const CHANGE_TEXT: Record<ChangeKind, string> = {
  offline: 'status.change.offline',
  online: 'status.change.online',
  lowBattery: 'status.change.lowBattery',
  charging: 'status.change.charging',
  charged: 'status.change.charged',
  storage: 'status.change.storage',
};

function statusReader(provider: CameraProvider) {
  if (!provider.deviceStatus) {
    throw errors.notSupported(`${provider.vendorLabel} accounts cannot report camera state.`, []);
  }
  return provider.deviceStatus.bind(provider);
}

export = function (RED: NodeAPI): void {
  function DeviceNode(this: Node, config: DeviceDef) {
    RED.nodes.createNode(this, config);
    const camera = (config.camera ?? '').trim();
    handleCameraInput(
      RED,
      this,
      config,
      async ({ msg, provider, cameraId, send }) => {
        const list = await statusReader(provider)(cameraId || undefined);
        const out = msg as typeof msg & Record<string, unknown>;
        if (cameraId) {
          const st = list[0];
          out.payload = st;
          out.camera = msgCamera(st, provider.vendor);
          send(out);
          return t(RED, st.online ? 'status.online' : 'status.offline');
        }
        out.payload = list;
        send(out);
        return t(RED, 'status.cameras', { count: list.length });
      },
      { allCameras: true },
    );

    if (config.watch !== true) return;
    let unsubscribe: () => void = () => undefined;
    try {
      const low = parseLowBattery(config.lowBattery);
      const provider = resolveProvider(RED, config.account);
      if (!provider.watchStatus) statusReader(provider);
      unsubscribe =
        provider.watchStatus?.((status, previous) => {
          if (!previous || (camera && status.id !== camera)) return;
          for (const change of statusChanges(previous, status, low)) {
            this.send({
              topic: changeTopic(change),
              camera: msgCamera(status, provider.vendor),
              payload: { ...change.status, previous: change.previous },
            });
            this.status({
              fill: change.what === 'online' || change.what === 'charged' ? 'green' : 'yellow',
              shape: 'dot',
              text: `${t(RED, CHANGE_TEXT[change.what])} ${clock()}`,
            });
          }
        }) ?? unsubscribe;
      this.status({ fill: 'green', shape: 'dot', text: t(RED, 'status.watching') });
    } catch (err) {
      const e = toCamhubError(err);
      this.status({ fill: 'red', shape: 'ring', text: t(RED, `errors.${e.code}`) });
      this.error(e.message);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('camhub-device', DeviceNode);
};
