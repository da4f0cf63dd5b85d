import { REOLINK_UIDS, startReolinkSim, type ReolinkSim } from '../../../simulator/reolink';
import type { FaultCloud, FaultVendor } from './types';

const U = REOLINK_UIDS;
const AUTHCODE = 'matrix-authcode';

export const reolinkFaults: FaultVendor = {
  name: 'reolink',
  configType: 'camhub-reolink',
  async start(): Promise<FaultCloud> {
    let sim: ReolinkSim = await startReolinkSim({ snapDelayMs: 5 });
    const port = Number(new URL(sim.url).port);
    let callback = '';
    return {
      account: (timeout) => ({ id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout }),
      credentials: { acc: { authcode: AUTHCODE } },
      cameras: {
        arm: U.fixed,
        snapshot: U.fixed,
        stream: U.fixed,
        ptz: U.ptzOutdoor,
        device: U.fixed,
        'control-get': U.fixed,
        'control-set': U.fixed,
        'recordings-list': U.fixed,
      },
      naReasons: {
        'recordings-download':
          'ROP plays recordings back from the SD card as streams; there is no file to download',
      },
      payloads: {
        arm: 'arm',
        snapshot: 1,
        stream: 1,
        ptz: { action: 'move', direction: 'left', speed: 5 },
        device: 'status',
        'control-get': { get: true },
        // The name it has: the rename is sent, and the other rows keep their camera names.
        'control-set': { name: 'Driveway' },
        'recordings-list': 'list',
      },
      calls: {
        arm: { path: `/v1.0/devices/${U.fixed}/settings/alarm`, method: 'PUT', idempotent: false },
        snapshot: { path: `/v1.0/devices/${U.fixed}/snap`, method: 'GET', idempotent: true },
        // The server hands back the same session for a repeat, so the client may resend it.
        stream: { path: `/v1.0/devices/${U.fixed}/live`, method: 'POST', idempotent: true },
        ptz: {
          path: `/v1.0/devices/${U.ptzOutdoor}/ptz/rotate`,
          method: 'POST',
          idempotent: false,
        },
        // A status read lists the devices afresh: the camera's online flag comes from there.
        device: { path: '^/v1\\.0/devices$', method: 'GET', idempotent: true },
        'control-get': {
          path: `/v1.0/devices/${U.fixed}/settings/general-config`,
          method: 'GET',
          idempotent: true,
        },
        'control-set': {
          path: `/v1.0/devices/${U.fixed}/settings/general-config`,
          method: 'PUT',
          idempotent: false,
        },
        // One SD-card day per call (section 4.6).
        'recordings-list': {
          path: `/v1.0/devices/${U.fixed}/records`,
          method: 'GET',
          idempotent: true,
        },
      },
      addFault: (spec) => void sim.addFault(spec),
      clearFaults: () => sim.clearFaults(),
      requests: () => sim.requests(),
      clearRequests: () => sim.clearRequests(),
      setOnline: (camera, online) => sim.setOnline(camera, online),
      noToken: 'ROP has no token: an optional gateway checks Basic credentials on each call',
      noChannel: 'ROP has no event stream: alarms come by webhook',
      syncCommands: 'ROP commands are synchronous: the server answers when the camera has',
      events: {
        camera: U.ptzOutdoor,
        connect(webUrl) {
          callback = `${webUrl}/camhub/reolink/acc?authcode=${AUTHCODE}`;
          sim.setCallback(callback);
        },
        async trigger(camera) {
          await sim.trigger(camera, { status: 'MD', aiType: 'none' });
        },
      },
      webhook: {
        account: () => ({ id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 5 }),
        // ROP posts to the configured URL; there is nothing to register (section 4.8).
        ready: async (webUrl) => {
          callback = `${webUrl}/camhub/reolink/acc?authcode=${AUTHCODE}`;
          sim.setCallback(callback);
        },
        push: async (camera) => (await sim.trigger(camera, { status: 'MD' })).status,
        async escapedPush(webUrl, camera) {
          // JSON whatever the content type (section 4.8), here one a form parser would take.
          const body = `{ "uid" : "${camera}", "channelId" : "0", "status" : "MD", "AItype" : "people", "note" : "K\\u00fcche \\/ Garten" }`;
          const res = await fetch(`${webUrl}/camhub/reolink/acc?authcode=${AUTHCODE}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          });
          return res.status;
        },
      },
      async restart() {
        await sim.close();
        sim = await startReolinkSim({ port, snapDelayMs: 5, callbackUrl: callback });
      },
      close: () => sim.close(),
    };
  },
};
