import { ARLO_IDS, ARLO_USER, startArloSim } from '../../../simulator/arlo';
import { delay } from '../../helpers/nodered';
import { freePort } from './ports';
import type { FaultCloud, FaultVendor, LogEntry } from './types';

const U = ARLO_IDS;
const NOTIFY = '/hmsweb/users/devices/notify/';

export const arloFaults: FaultVendor = {
  name: 'arlo',
  configType: 'camhub-arlo',
  async start(): Promise<FaultCloud> {
    // API host, auth host and MQTT broker come back on the same ports after a restart.
    const [port, authPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
    const sim = await startArloSim({
      port,
      authPort,
      mqttPort,
      subscriptionTtlMs: 1000,
      snapDelayMs: 30,
    });
    /** Subscription requests (and renewals) that Arlo answered since `after`. */
    const subscribed = (after: number) =>
      sim
        .requests({ path: NOTIFY, method: 'POST' })
        .filter((r) => r.status === 200 && Date.parse(r.time) >= after).length;
    let droppedAt = 0;
    let heartbeat = 0.3;
    return {
      quiet(on) {
        // Renewals every 30 s and subscriptions that live a minute, as the real cloud has.
        heartbeat = on ? 30 : 0.3;
        sim.state.config.subscriptionTtlMs = on ? 60_000 : 1000;
      },
      account: (timeout) => ({
        id: 'acc',
        type: 'camhub-arlo',
        baseUrl: sim.url,
        authUrl: sim.authUrl,
        timeout,
        commandTimeout: 1.5,
        heartbeat,
      }),
      credentials: { acc: { email: ARLO_USER.email, password: ARLO_USER.password } },
      cameras: {
        arm: U.frontDoor,
        snapshot: U.frontDoor,
        stream: U.frontDoor,
        device: U.frontDoor,
        'control-get': U.frontDoor,
        'control-set': U.frontDoor,
        'recordings-list': U.frontDoor,
        'recordings-download': U.frontDoor,
      },
      // The library lives in the Arlo cloud: listed and fetched while the camera is away.
      offlineAnswers: ['recordings-list', 'recordings-download'],
      naReasons: {
        ptz: 'Arlo has no PTZ: no Arlo API pans or tilts, the only control is a digital zoom crop',
      },
      payloads: {
        arm: 'arm',
        snapshot: 1,
        stream: 1,
        ptz: { action: 'move', direction: 'left', speed: 5 },
        device: 'status',
        'control-get': { get: true },
        // The siren of the camera's base station; off, so nothing sounds on for the next rows.
        'control-set': { siren: 'off' },
        'recordings-list': 'list',
      },
      calls: {
        // The base station's mode change, confirmed later on the event stream.
        arm: { path: '/hmsweb/users/devices/automation/active', method: 'POST', idempotent: false },
        // The capture command; the picture's URL arrives on the event stream.
        snapshot: {
          path: '/hmsweb/users/devices/fullFrameSnapshot',
          method: 'POST',
          idempotent: false,
        },
        stream: { path: '/hmsweb/users/devices/startStream', method: 'POST', idempotent: false },
        // A status read lists the devices afresh: the online flags come from there.
        device: { path: '/hmsweb/v2/users/devices', method: 'GET', idempotent: true },
        // The base station's state (and siren) is a notify, answered on the event stream.
        'control-get': { path: `${NOTIFY}${U.base}`, method: 'POST', idempotent: false },
        'control-set': { path: `${NOTIFY}${U.base}`, method: 'POST', idempotent: false },
        // The library by date range: a POST the client sends once.
        'recordings-list': { path: '/hmsweb/users/library', method: 'POST', idempotent: false },
        // The presigned MP4; a download is never resent.
        'recordings-download': { path: '/_s3/library/content/', method: 'GET', idempotent: false },
      },
      // A motion records a clip into the library (vendor facts 2.9).
      seedRecordings: () => void sim.trigger(U.frontDoor, 'motion'),
      addFault: (spec) => void sim.addFault(spec),
      clearFaults: () => {
        sim.server.clearFaults();
        sim.auth.clearFaults();
      },
      requests: () => sim.requests(),
      clearRequests: () => sim.clearRequests(),
      // The siren and the state a control reads are the base station's.
      offlineDevices: { 'control-get': U.base, 'control-set': U.base },
      setOnline: (camera, online) => sim.setOnline(camera, online),
      expireToken: () => sim.expireTokens(),
      isLogin: (e: LogEntry) => e.method === 'POST' && e.path === '/api/auth',
      asyncKinds: ['arm', 'snapshot', 'device', 'control-get', 'control-set'],
      // pyaarlo reads battery, signal and the rest from the base station's `devices` answer.
      unansweredNulls: ['battery', 'signal'],
      neverComplete: () => sim.ignoreNextCommand(U.base),
      syncCommands:
        'Arlo answers startStream with the stream URL itself; there is no command to wait for',
      events: {
        camera: U.frontDoor,
        async connect() {
          // Live once the stream is up and a base station's subscription was (re)made or
          // renewed on it since this call: an earlier flow's registration proves nothing.
          const since = Date.now();
          for (;;) {
            const c = sim.bus.connections;
            if (c.mqtt + c.sse === 1 && subscribed(since) > 0) break;
            await delay(20);
          }
        },
        async trigger(camera) {
          sim.trigger(camera, 'motion');
        },
      },
      noWebhook: 'Arlo pushes over its own MQTT or SSE stream, not to a webhook (vendor facts 2.9)',
      channel: {
        drop() {
          // Base stations answer their subscription about once a minute or never (vendor
          // facts 2.4): after this drop none answers.
          sim.setSubscriptionAnswers('never');
          droppedAt = Date.now();
          sim.dropStream();
        },
        async back() {
          for (;;) {
            const c = sim.bus.connections;
            if (c.mqtt + c.sse === 1 && subscribed(droppedAt) > 0) break;
            await delay(20);
          }
        },
      },
      async restart() {
        // Every listener goes down (the stream is cut) and comes back with the same accounts,
        // tokens and devices, as a cloud does after a redeploy of its servers.
        await sim.close();
        await sim.bus.start(mqttPort);
        await sim.server.start();
        await sim.auth.start();
      },
      close: () => sim.close(),
    };
  },
};
