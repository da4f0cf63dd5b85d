import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../simulator/blink';
import type { DeviceStatus } from '../../nodes/core/device';
import {
  collect,
  delay,
  getNode,
  load,
  nextCaught,
  nextMessage,
  unload,
  type FlowNode,
} from '../helpers/nodered';
import { setEnv } from '../helpers/env';

const ID = BLINK_IDS;
const ACCOUNT = {
  id: 'acc',
  type: 'camhub-blink',
  pollInterval: 0.2,
  commandPoll: 0.02,
  commandSpacing: 0.01,
  commandTimeout: 2,
  timeout: 5,
};
const CREDS = { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } };
type Rounds = { started: number; finished: number; ok: number };

function flow(baseUrl: string, type: string, props: Record<string, unknown> = {}): FlowNode[] {
  return [
    { ...ACCOUNT, baseUrl },
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
}

async function send(msg: Record<string, unknown>, node = 'n1', out = 'h1') {
  const p = nextMessage(out);
  getNode(node).receive(msg);
  return p;
}

async function fails(msg: Record<string, unknown>) {
  const p = nextCaught('c1');
  getNode('n1').receive(msg);
  return p;
}

const rounds = () => getNode<{ provider: { statusRounds: Rounds } }>('acc').provider.statusRounds;

/** Waits until the account's state loop has done `min` good rounds and none is running. */
async function idle(min: number): Promise<Rounds> {
  for (;;) {
    const r = rounds();
    if (r.ok >= min && r.started === r.finished) return { ...r };
    await delay(5);
  }
}

describe('camhub-device and camhub-control on Blink', function () {
  let sim: BlinkSim;
  let stateDir: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    sim = await startBlinkSim();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-device-blink-'));
    restoreEnv = setEnv({ CAMHUB_STATE_DIR: stateDir, CAMHUB_BLINK_MIN_INTERVAL_MS: '10' });
  });
  after(async () => {
    await sim.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    restoreEnv();
  });
  afterEach(async () => {
    await unload();
    sim.reset();
    delete process.env.CAMHUB_MIN_STATE_INTERVAL_MS;
  });

  const signals = (id: string, body: Record<string, unknown>) =>
    fetch(`${sim.url}/_sim/blink/devices/${id}/signals`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => assert.equal(r.status, 200));

  describe('camhub-device', () => {
    it('reports a sync-module camera from the homescreen, null where Blink says nothing', async () => {
      await load(flow(sim.url, 'camhub-device', { camera: ID.porch }), CREDS);
      const msg = await send({ payload: 'status' });
      assert.deepEqual(msg.payload, {
        id: ID.porch,
        name: 'Porch',
        model: 'Blink Outdoor',
        vendor: 'blink',
        online: true,
        armed: true,
        battery: { percent: null, charging: null, low: false },
        power: 'battery',
        signal: { wifi: 4, unit: 'bars' },
        temperature: 20,
        storage: null,
        firmware: null,
      });
      assert.deepEqual(msg.camera, { id: ID.porch, name: 'Porch', vendor: 'blink' });
    });

    it('reports the Mini on mains, the doorbell on battery, and every device without a camera', async () => {
      await load(flow(sim.url, 'camhub-device'), CREDS);
      const list = (await send({})).payload as DeviceStatus[];
      assert.deepEqual(
        list.map((s) => s.id).sort(),
        [ID.porch, ID.shed, ID.mini, ID.doorbell].sort(),
      );
      const mini = list.find((s) => s.id === ID.mini)!;
      assert.equal(mini.power, 'mains');
      assert.equal(mini.battery, null);
      assert.equal(mini.signal, null);
      const bell = list.find((s) => s.id === ID.doorbell)!;
      assert.equal(bell.power, 'battery');
      assert.deepEqual(bell.battery, { percent: null, charging: null, low: false });
      assert.equal(bell.temperature, null);
      const shed = list.find((s) => s.id === ID.shed)!;
      assert.equal(shed.armed, false);
      sim.setOnline(ID.shed, false);
      const again = (await send({})).payload as DeviceStatus[];
      const off = again.find((s) => s.id === ID.shed)!;
      assert.equal(off.online, false);
      assert.equal(off.battery, null);
    });
  });

  describe('watch mode', () => {
    it('reports a battery Blink flags low, from the homescreen an arm reads anyway', async () => {
      await load(
        [
          ...flow(sim.url, 'camhub-device', { watch: true }),
          { id: 'arm', type: 'camhub-arm', account: 'acc', camera: ID.porch, wires: [['h2']] },
          { id: 'h2', type: 'helper' },
        ],
        CREDS,
      );
      await idle(1);
      const got = collect('h1');
      await signals(ID.porch, { battery: 'low' });
      await send({ payload: 'status' }, 'arm', 'h2');
      for (;;) {
        if (got.msgs.length >= 1) break;
        await delay(5);
      }
      got.stop();
      assert.equal(got.msgs.length, 1);
      assert.equal(got.msgs[0].topic, `blink/${ID.porch}/lowBattery`);
      const payload = got.msgs[0].payload as DeviceStatus & { previous: DeviceStatus };
      assert.equal(payload.battery?.low, true);
      assert.equal(payload.previous.battery?.low, false);
    });

    for (const watchers of [1, 20]) {
      it(`reads the homescreen once per shared interval with ${watchers} watching node(s)`, async () => {
        process.env.CAMHUB_MIN_STATE_INTERVAL_MS = '0';
        const nodes: FlowNode[] = [{ ...ACCOUNT, baseUrl: sim.url, stateInterval: 0.1 }];
        for (let i = 0; i < watchers; i++) {
          nodes.push({
            id: `w${i}`,
            type: 'camhub-device',
            account: 'acc',
            watch: true,
            wires: [],
          });
        }
        await load(nodes, CREDS);
        const first = await idle(1);
        sim.clearRequests();
        const later = await idle(first.ok + 3);
        // The simulator runs in this process: its log is read at once, with no round in flight.
        const homescreens = sim.requests({ path: /homescreen$/ }).length;
        const all = sim.requests().length;
        assert.equal(homescreens, later.started - first.started);
        assert.equal(all, homescreens);
      });
    }
  });

  describe('camhub-control', () => {
    it('sets motion sensitivity by camera update and motion on/off, read back from the config', async () => {
      await load(flow(sim.url, 'camhub-control', { camera: ID.porch }), CREDS);
      let msg = await send({ payload: { motion: { sensitivity: 8 } } });
      assert.deepEqual(msg.payload, { motion: { enabled: true, sensitivity: 8 } });
      const update = sim.requests({ path: /\/camera\/5001\/update$/ });
      assert.equal(update.length, 1);
      assert.deepEqual(update[0].body, { motion_sensitivity: 8 });
      msg = await send({ payload: { motion: { enabled: false, sensitivity: 2 } } });
      assert.deepEqual(msg.payload, { motion: { enabled: false, sensitivity: 2 } });
      assert.equal(sim.state.devices.get(Number(ID.porch))?.enabled, false);
      msg = await send({ payload: { get: true } });
      assert.deepEqual(msg.payload, { motion: { enabled: false, sensitivity: 2 } });
    });

    it('says OFFLINE for a camera the homescreen shows offline, before any command, then works again', async () => {
      await load(flow(sim.url, 'camhub-control', { camera: ID.porch }), CREDS);
      await send({ payload: { get: true } });
      sim.setOnline(ID.porch, false);
      for (const payload of [{ get: true }, { motion: { enabled: true } }]) {
        const err = await fails({ payload });
        assert.equal(err.code, 'OFFLINE', err.message);
        assert.match(err.message, /Check its power and network/);
      }
      assert.equal(sim.requests({ path: /\/(enable|disable)$/ }).length, 0);
      sim.setOnline(ID.porch, true);
      const msg = await send({ payload: { motion: { enabled: true } } });
      assert.equal((msg.payload as { motion: { enabled: boolean } }).motion.enabled, true);
    });

    it('rejects a sensitivity outside 1-9 before any request', async () => {
      await load(flow(sim.url, 'camhub-control', { camera: ID.porch }), CREDS);
      for (const sensitivity of [0, 10, 100]) {
        const err = await fails({ payload: { motion: { sensitivity } } });
        assert.equal(err.code, 'INVALID_INPUT');
        assert.match(err.message, /1 to 9/);
      }
      assert.equal(sim.requests({ path: /\/update$/ }).length, 0);
    });

    it('says NOT_SUPPORTED on a Mini, naming the sync-module cameras, and for switches Blink lacks', async () => {
      await load(flow(sim.url, 'camhub-control', { camera: ID.mini }), CREDS);
      let err = await fails({ payload: { motion: { sensitivity: 5 } } });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Porch \(5001\)/);
      assert.match(err.message, /Shed \(5002\)/);
      for (const payload of [
        { light: 'on' },
        { name: 'x' },
        { pir: { enabled: true } },
        { siren: 'on' },
        { persons: { away: 'all' } },
      ]) {
        err = await fails({ payload });
        assert.equal(err.code, 'NOT_SUPPORTED', JSON.stringify(payload));
      }
      assert.equal(
        sim.requests({ method: 'POST', path: /\/(update|enable|disable|config)$/ }).length,
        0,
      );
      assert.deepEqual((await send({ payload: { get: true } })).payload, {});
    });

    it('says CLOUD_ERROR when the update command fails, and keeps working', async () => {
      await load(flow(sim.url, 'camhub-control', { camera: ID.porch }), CREDS);
      await fetch(`${sim.url}/_sim/blink/commands/next`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'fail' }),
      });
      const err = await fails({ payload: { motion: { sensitivity: 3 } } });
      assert.equal(err.code, 'CLOUD_ERROR');
      const msg = await send({ payload: { motion: { sensitivity: 3 } } });
      assert.deepEqual(msg.payload, { motion: { enabled: true, sensitivity: 3 } });
    });
  });
});
