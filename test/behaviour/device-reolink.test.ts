import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import type { DeviceStatus } from '../../nodes/core/device';
import {
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  singleNodeFlow,
  unload,
  type FlowNode,
} from '../helpers/nodered';

const U = REOLINK_UIDS;

interface Rounds {
  started: number;
  finished: number;
}

/** The account's shared state loop counters (the provider lives on the account node). */
function rounds(accountId = 'acc'): Rounds {
  return getNode<{ provider: { statusRounds: Rounds } }>(accountId).provider.statusRounds;
}

/** Waits (without a time limit of its own; mocha's applies) until the state loop is idle. */
async function idleAfter(min: number, accountId = 'acc'): Promise<Rounds> {
  for (;;) {
    const r = rounds(accountId);
    if (r.finished >= min && r.started === r.finished) return { ...r };
    await new Promise((res) => setTimeout(res, 5));
  }
}

function watchFlow(url: string, props: Record<string, unknown> = {}, accountProps = {}) {
  const flow = singleNodeFlow('camhub-device', url, { watch: true, ...props });
  Object.assign(flow[0], accountProps);
  return flow;
}

describe('camhub-device and camhub-control on Reolink', function () {
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 10 });
  });
  after(async () => {
    await sim.close();
  });
  // Camera names outlive a redeploy in the account's store: each test starts with an empty one,
  // or names learned by an earlier test would spare the general-config reads counted below.
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-device-reolink-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
    delete process.env.CAMHUB_MIN_STATE_INTERVAL_MS;
    fs.rmSync(stateDir, { recursive: true, force: true });
    delete process.env.CAMHUB_STATE_DIR;
  });

  describe('camhub-device', () => {
    it('reports every field of a battery camera, null where ROP says nothing', async () => {
      await load(singleNodeFlow('camhub-device', sim.url, { camera: U.battery }));
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 'status' });
      const msg = await out;
      assert.deepEqual(msg.payload, {
        id: U.battery,
        name: 'Back Garden',
        model: 'Argus 3 Pro',
        vendor: 'reolink',
        online: true,
        armed: true,
        battery: { percent: 78, charging: false },
        power: 'battery',
        signal: null,
        temperature: null,
        storage: null,
        firmware: 'v3.0.0.2356_23062000',
      });
      assert.deepEqual(msg.camera, { id: U.battery, name: 'Back Garden', vendor: 'reolink' });
      // The account's camera list (the editor's picker) now knows the battery too.
      const provider = getNode<{
        provider: { listCameras(): Promise<{ id: string; battery?: unknown }[]> };
      }>('acc').provider;
      const cams = await provider.listCameras();
      assert.deepEqual(cams.find((c) => c.id === U.battery)?.battery, {
        percent: 78,
        charging: false,
      });
    });

    it('reports a charging battery and a mains camera with no battery read', async () => {
      sim.state.setBattery(sim.state.devices.get(U.battery)!, 40, 'charging');
      await load(singleNodeFlow('camhub-device', sim.url));
      let out = nextMessage('h1');
      getNode('n1').receive({ camera: U.battery });
      assert.deepEqual((await out).payload, {
        id: U.battery,
        name: 'Back Garden',
        model: 'Argus 3 Pro',
        vendor: 'reolink',
        online: true,
        armed: true,
        battery: { percent: 40, charging: true },
        power: 'battery',
        signal: null,
        temperature: null,
        storage: null,
        firmware: 'v3.0.0.2356_23062000',
      });
      sim.clearRequests();
      out = nextMessage('h1');
      getNode('n1').receive({ camera: { id: U.ptzIndoor } });
      const mains = (await out).payload as DeviceStatus;
      assert.equal(mains.power, 'mains');
      assert.equal(mains.battery, null);
      assert.equal(mains.armed, false);
      assert.equal(sim.requests({ path: /states\/battery/ }).length, 0);
    });

    it('lists every camera without a camera set, offline ones as online false', async () => {
      await load(singleNodeFlow('camhub-device', sim.url));
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 'status' });
      const list = (await out).payload as DeviceStatus[];
      assert.ok(Array.isArray(list));
      assert.deepEqual(
        list.map((s) => s.id).sort(),
        [U.ptzOutdoor, U.ptzIndoor, U.fixed, U.battery].sort(),
      );
      // ROP lists online devices only; a camera that goes away stays in the list as offline.
      sim.setOnline(U.fixed, false);
      const again = nextMessage('h1');
      getNode('n1').receive({});
      const fixed = ((await again).payload as DeviceStatus[]).find((s) => s.id === U.fixed)!;
      assert.equal(fixed.online, false);
      assert.equal(fixed.armed, null);
      assert.equal(fixed.firmware, null);
      assert.equal(fixed.power, null);
    });

    it('says UNKNOWN_CAMERA naming the cameras, and keeps working', async () => {
      await load(singleNodeFlow('camhub-device', sim.url));
      const caught = nextCaught('c1');
      getNode('n1').receive({ camera: 'ABCDEFGHIJKLMNOP' });
      const err = await caught;
      assert.equal(err.code, 'UNKNOWN_CAMERA');
      assert.match(err.message, /Back Garden/);
      const out = nextMessage('h1');
      getNode('n1').receive({ camera: U.fixed });
      assert.equal(((await out).payload as DeviceStatus).id, U.fixed);
    });

    it('wakes a sleeping battery camera (wake_up_timeout) and still reports it', async () => {
      sim.setAsleep(U.battery, true);
      await load(singleNodeFlow('camhub-device', sim.url, { camera: U.battery }));
      const out = nextMessage('h1');
      getNode('n1').receive({});
      const st = (await out).payload as DeviceStatus;
      assert.deepEqual(st.battery, { percent: 78, charging: false });
      assert.equal(st.armed, true);
      assert.ok(sim.requests().some((r) => r.status === 400));
    });

    it('leaves a value null when the camera will not wake, never a guess', async () => {
      await load(singleNodeFlow('camhub-device', sim.url, { camera: U.battery }));
      sim.addFault({
        path: `/v1.0/devices/${U.battery}/states/battery`,
        status: 400,
        body: { error: { symbol: 'wake_up_timeout', message: 'wake up timeout' } },
        count: 2,
      });
      const out = nextMessage('h1');
      getNode('n1').receive({});
      const st = (await out).payload as DeviceStatus;
      assert.equal(st.battery, null);
      assert.equal(st.power, 'battery');
      assert.equal(st.armed, true);
    });
  });

  describe('watch mode', () => {
    it('reports low battery, charging and charged, riding on a status read elsewhere', async () => {
      const flow: FlowNode[] = [
        ...watchFlow(sim.url, { camera: U.battery, lowBattery: 30 }),
        { id: 'n2', type: 'camhub-device', account: 'acc', camera: U.battery, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ];
      await load(flow);
      await idleAfter(1);
      const seen = collect('h1');
      const dev = sim.state.devices.get(U.battery)!;

      sim.state.setBattery(dev, 25);
      let read = nextMessage('h2');
      let change = nextMessage('h1');
      getNode('n2').receive({});
      await read;
      const low = await change;
      assert.equal(low.topic, `reolink/${U.battery}/lowBattery`);
      const payload = low.payload as DeviceStatus & { previous: DeviceStatus };
      assert.deepEqual(payload.battery, { percent: 25, charging: false });
      assert.deepEqual(payload.previous.battery, { percent: 78, charging: false });
      assert.deepEqual(low.camera, { id: U.battery, name: 'Back Garden', vendor: 'reolink' });

      sim.state.setBattery(dev, undefined, 'charging');
      read = nextMessage('h2');
      change = nextMessage('h1');
      getNode('n2').receive({});
      await read;
      assert.equal((await change).topic, `reolink/${U.battery}/charging`);

      sim.state.setBattery(dev, 100, 'completed');
      read = nextMessage('h2');
      change = nextMessage('h1');
      getNode('n2').receive({});
      await read;
      assert.equal((await change).topic, `reolink/${U.battery}/charged`);
      seen.stop();
      assert.deepEqual(
        seen.msgs.map((m) => m.topic),
        [
          `reolink/${U.battery}/lowBattery`,
          `reolink/${U.battery}/charging`,
          `reolink/${U.battery}/charged`,
        ],
      );
    });

    it('reports offline and online from an arm or a status read, and nothing when nothing changed', async () => {
      const flow: FlowNode[] = [
        ...watchFlow(sim.url),
        { id: 'n2', type: 'camhub-device', account: 'acc', wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ];
      await load(flow);
      await idleAfter(1);
      const seen = collect('h1');
      let read = nextMessage('h2');
      getNode('n2').receive({});
      await read;
      assert.equal(seen.msgs.length, 0);

      sim.setOnline(U.fixed, false);
      read = nextMessage('h2');
      let change = nextMessage('h1');
      getNode('n2').receive({});
      await read;
      const off = await change;
      assert.equal(off.topic, `reolink/${U.fixed}/offline`);
      assert.equal((off.payload as DeviceStatus).online, false);
      assert.equal((off.payload as { previous: DeviceStatus }).previous.online, true);

      sim.setOnline(U.fixed, true);
      read = nextMessage('h2');
      change = nextMessage('h1');
      getNode('n2').receive({});
      await read;
      assert.equal((await change).topic, `reolink/${U.fixed}/online`);
      seen.stop();
      assert.equal(seen.msgs.length, 2);
    });

    for (const watchers of [1, 20]) {
      it(`makes the same requests per shared interval with ${watchers} watching node(s)`, async () => {
        process.env.CAMHUB_MIN_STATE_INTERVAL_MS = '0';
        const flow: FlowNode[] = [
          { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 5, stateInterval: 0.1 },
        ];
        for (let i = 0; i < watchers; i++) {
          flow.push({
            id: `w${i}`,
            type: 'camhub-device',
            account: 'acc',
            camera: i % 2 ? U.battery : '',
            watch: true,
            wires: [],
          });
        }
        sim.clearRequests();
        await load(flow);
        const r = await idleAfter(4);
        // Read at once (the simulator runs in this process): no round is in flight now.
        const count = (path: RegExp) => sim.requests({ path }).length;
        const total = sim.requests().length;
        const online = 4;
        assert.equal(count(/^\/v1\.0\/devices$/), r.started);
        assert.equal(count(/\/states\/battery$/), r.started);
        assert.equal(count(/\/settings\/alarm$/), r.started * online);
        // Names are read once, when the camera is first listed.
        assert.equal(count(/\/settings\/general-config$/), online);
        assert.equal(total, r.started * (2 + online) + online);
      });
    }
  });

  describe('camhub-control', () => {
    it('renames a camera, validated to the seed rules before any request', async () => {
      await load(singleNodeFlow('camhub-control', sim.url, { camera: U.fixed }));
      for (const bad of [' Gate', 'Gate ', 'x'.repeat(32), 'Gärten', 'a/b', '']) {
        sim.clearRequests();
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload: { name: bad } });
        assert.equal((await caught).code, 'INVALID_INPUT', bad);
        assert.equal(sim.requests({ method: 'PUT' }).length, 0);
      }
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: { name: 'Side Gate-2' } });
      const msg = await out;
      assert.deepEqual(msg.payload, { name: 'Side Gate-2' });
      assert.deepEqual(msg.camera, { id: U.fixed, name: 'Side Gate-2', vendor: 'reolink' });
      assert.equal(sim.state.devices.get(U.fixed)!.deviceName, 'Side Gate-2');
    });

    it('sets the PIR by its own names and as motion, keeping what was not sent', async () => {
      await load(singleNodeFlow('camhub-control', sim.url, { camera: U.battery }));
      let out = nextMessage('h1');
      getNode('n1').receive({ payload: { pir: { sensitivity: 20, reduceMistakes: false } } });
      assert.deepEqual((await out).payload, {
        name: 'Back Garden',
        pir: { enabled: true, sensitivity: 20, reduceMistakes: false },
        motion: { enabled: true, sensitivity: 20 },
      });
      out = nextMessage('h1');
      getNode('n1').receive({ payload: { motion: { enabled: false } } });
      assert.deepEqual(((await out).payload as { motion: unknown }).motion, {
        enabled: false,
        sensitivity: 20,
      });
      assert.deepEqual(sim.state.devices.get(U.battery)!.pir, {
        enabled: false,
        sensitivity: 20,
        reduceMistakes: false,
      });
      out = nextMessage('h1');
      getNode('n1').receive({ payload: { get: true } });
      assert.deepEqual(((await out).payload as { pir: unknown }).pir, {
        enabled: false,
        sensitivity: 20,
        reduceMistakes: false,
      });
    });

    it('rejects a sensitivity outside 0-100 and bad shapes before any request', async () => {
      await load(singleNodeFlow('camhub-control', sim.url, { camera: U.battery }));
      for (const payload of [
        { pir: { sensitivity: 101 } },
        { motion: { sensitivity: -1 } },
        { motion: { sensitivity: 5.5 } },
        { motion: {} },
        { pir: { enabled: 'yes' } },
        { light: 'bright' },
        { volume: 3 },
        42,
      ]) {
        sim.clearRequests();
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload });
        const err = await caught;
        assert.equal(err.code, 'INVALID_INPUT', JSON.stringify(payload));
        assert.equal(sim.requests({ path: /pir-config/ }).length, 0);
      }
    });

    it('says NOT_SUPPORTED naming the capable cameras, for every switch ROP lacks', async () => {
      await load(singleNodeFlow('camhub-control', sim.url, { camera: U.fixed }));
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ pir: { enabled: true } }, new RegExp(`Back Garden \\(${U.battery}\\)`)],
        [{ motion: { enabled: true } }, new RegExp(`Back Garden \\(${U.battery}\\)`)],
        [{ light: 'on' }, /No camera in this account can/],
        [{ siren: 'on' }, /No camera in this account can/],
        [{ persons: { away: 'all' } }, /No camera in this account can/],
      ];
      for (const [payload, names] of cases) {
        sim.clearRequests();
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload });
        const err = await caught;
        assert.equal(err.code, 'NOT_SUPPORTED', JSON.stringify(payload));
        assert.match(err.message, names);
        assert.equal(sim.requests({ method: 'PUT' }).length, 0);
      }
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: { get: true } });
      assert.deepEqual((await out).payload, { name: 'Driveway' });
    });

    it('wakes a sleeping camera for a change, and says TIMEOUT when it will not wake', async () => {
      sim.setAsleep(U.battery, true);
      await load(singleNodeFlow('camhub-control', sim.url, { camera: U.battery }));
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: { pir: { enabled: false } } });
      assert.equal(((await out).payload as { pir: { enabled: boolean } }).pir.enabled, false);
      sim.addFault({
        path: `/v1.0/devices/${U.battery}/settings/pir-config`,
        status: 400,
        body: { error: { symbol: 'wake_up_timeout', message: 'wake up timeout' } },
        count: 2,
      });
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: { pir: { enabled: true } } });
      const err = await caught;
      assert.equal(err.code, 'TIMEOUT');
      assert.match(err.message, /wake up/);
      assert.equal(sim.state.devices.get(U.battery)!.pir!.enabled, false);
    });
  });
});
