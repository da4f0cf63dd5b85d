import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
} from '../../../simulator/blink';
import { delay } from '../../helpers/nodered';
import { freePort } from './ports';
import type { FaultCloud, FaultVendor, LogEntry } from './types';

const ID = BLINK_IDS;
const TIER = '/rest-u014';
const HOME = ID.home;
const POLL_S = 0.2;
const FLOOR_ENV = 'CAMHUB_BLINK_MIN_INTERVAL_MS';

export const blinkFaults: FaultVendor = {
  name: 'blink',
  configType: 'camhub-blink',
  async start(): Promise<FaultCloud> {
    // The account's floors (30 s polls, 5 s between commands) are lowered for tests only.
    const savedFloor = process.env[FLOOR_ENV];
    process.env[FLOOR_ENV] = '10';
    const port = await freePort();
    const sim = await startBlinkSim({ port });
    const mediaPolls = () =>
      sim
        .requests({ path: /\/media\/changed$/ })
        .filter((r) => r.query.page === '1' && r.status === 200);
    return {
      account: (timeout) => ({
        id: 'acc',
        type: 'camhub-blink',
        baseUrl: sim.url,
        timeout,
        pollInterval: POLL_S,
        commandPoll: 0.02,
        commandSpacing: 0.01,
        commandTimeout: 1,
      }),
      credentials: { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } },
      cameras: {
        arm: ID.porch,
        snapshot: ID.porch,
        stream: ID.porch,
        device: ID.porch,
        'control-get': ID.porch,
        'control-set': ID.porch,
        'recordings-list': ID.porch,
        'recordings-download': ID.porch,
      },
      // Clips live in the Blink cloud: listed and fetched while the camera is away.
      offlineAnswers: ['recordings-list', 'recordings-download'],
      naReasons: { ptz: 'Blink has no PTZ: no Blink camera pans, tilts or zooms' },
      payloads: {
        arm: 'arm',
        snapshot: 1,
        stream: 1,
        ptz: { action: 'move', direction: 'left', speed: 5 },
        device: 'status',
        'control-get': { get: true },
        'control-set': { motion: { enabled: true } },
        'recordings-list': 'list',
      },
      calls: {
        // The network's arm command: run by the sync module, so never sent twice.
        arm: {
          path: `^${TIER}/api/v1/accounts/\\d+/networks/${HOME}/state/arm$`,
          method: 'POST',
          idempotent: false,
        },
        // A snapshot is a thumbnail command first; the picture is read once it completes.
        snapshot: {
          path: `^${TIER}/network/${HOME}/camera/${ID.porch}/thumbnail$`,
          method: 'POST',
          idempotent: false,
        },
        stream: {
          path: `^${TIER}/api/v6/accounts/\\d+/networks/${HOME}/cameras/${ID.porch}/liveview$`,
          method: 'POST',
          idempotent: false,
        },
        // The state of every device is in the homescreen, read afresh for a status msg.
        device: {
          path: `^${TIER}/api/v3/accounts/\\d+/homescreen$`,
          method: 'GET',
          idempotent: true,
        },
        'control-get': {
          path: `^${TIER}/network/${HOME}/camera/${ID.porch}/config$`,
          method: 'GET',
          idempotent: true,
        },
        // Motion detection on: a command the sync module runs, polled until it completes.
        'control-set': {
          path: `^${TIER}/network/${HOME}/camera/${ID.porch}/enable$`,
          method: 'POST',
          idempotent: false,
        },
        'recordings-list': {
          path: `^${TIER}/api/v1/accounts/\\d+/media/changed$`,
          method: 'GET',
          idempotent: true,
        },
        // The clip file, with the account's token; a download is never resent.
        'recordings-download': {
          path: `^${TIER}/api/v2/accounts/\\d+/media/clip/`,
          method: 'GET',
          idempotent: false,
        },
      },
      // A clip recorded just before a disarm: Blink records motion only while armed.
      seedRecordings: () => void sim.trigger(ID.porch, 'motion', { force: true }),
      addFault: (spec) => void sim.addFault(spec),
      clearFaults: () => sim.clearFaults(),
      requests: () => sim.requests(),
      clearRequests: () => sim.clearRequests(),
      setOnline: (camera, online) => sim.setOnline(camera, online),
      expireToken: () => sim.expireTokens(),
      // A login ends in an authorization-code grant, a refresh is a refresh grant: both hit this.
      isLogin: (e: LogEntry) => e.method === 'POST' && e.path === '/oauth/token',
      asyncKinds: ['arm', 'snapshot', 'control-set'],
      neverComplete: () => sim.nextCommands('never'),
      noChannel: 'Blink has no event stream: events come by polling (vendor facts 1.8)',
      syncCommands:
        'Blink answers a liveview request with the stream server at once; there is no command to wait for',
      events: {
        camera: ID.doorbell,
        async connect() {
          // Polled: the channel is up once a poll has answered since the last (re)start.
          const seen = mediaPolls().length;
          while (mediaPolls().length <= seen) await delay(20);
        },
        async trigger(camera) {
          // A press is recorded whatever the arm state, so no earlier row can hide it.
          sim.trigger(camera, 'doorbell');
        },
      },
      noWebhook:
        'Blink has no push channel for third parties: events come by polling (vendor facts 1.8)',
      async restart() {
        // The same cloud, database and all, back on the same port.
        await sim.server.close();
        await sim.server.start();
      },
      async close() {
        await sim.close();
        if (savedFloor === undefined) delete process.env[FLOOR_ENV];
        else process.env[FLOOR_ENV] = savedFloor;
      },
    };
  },
};
