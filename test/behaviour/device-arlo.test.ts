import assert from 'node:assert/strict';
import { ARLO_IDS, ARLO_USER, startArloSim, type ArloSim } from '../../simulator/arlo';
import type { DeviceStatus } from '../../nodes/core/device';
import {
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  unload,
  type FlowNode,
} from '../helpers/nodered';

const U = ARLO_IDS;
const CREDS = { acc: { email: ARLO_USER.email, password: ARLO_USER.password } };
type Rounds = { started: number; finished: number; ok: number };

let dirs = 0;

describe('camhub-device and camhub-control on Arlo', function () {
  let sim: ArloSim;

  const flow = (type: string, props: Record<string, unknown> = {}): FlowNode[] => [
    {
      id: 'acc',
      type: 'camhub-arlo',
      baseUrl: sim.url,
      authUrl: sim.authUrl,
      timeout: 5,
      commandTimeout: 1.5,
      heartbeat: 0.3,
    },
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
  async function send(payload: unknown, extra: Record<string, unknown> = {}) {
    const out = nextMessage('h1');
    getNode('n1').receive({ payload, ...extra });
    return (await out) as Record<string, unknown>;
  }
  async function fail(payload: unknown) {
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload });
    return caught;
  }
  const power = (id: string, body: Record<string, unknown>) =>
    fetch(`${sim.url}/_sim/devices/${id}/power`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => {
      assert.equal(r.status, 200);
      return (await r.json()) as { delivered: boolean };
    });
  const rounds = () => getNode<{ provider: { statusRounds: Rounds } }>('acc').provider.statusRounds;
  async function until(what: string, cond: () => boolean): Promise<void> {
    const end = Date.now() + 10_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  before(async () => {
    sim = await startArloSim({ snapDelayMs: 30 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-device-arlo-${process.pid}-${++dirs}`;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  describe('camhub-device', () => {
    it('reports battery, charging, signal and firmware from the base station devices packet', async () => {
      await load(flow('camhub-device', { camera: U.frontDoor }), CREDS);
      const msg = await send('status');
      const st = msg.payload as DeviceStatus;
      assert.deepEqual(
        { ...st, firmware: typeof st.firmware },
        {
          id: U.frontDoor,
          name: 'Front door',
          model: 'VMC4041P',
          vendor: 'arlo',
          online: true,
          armed: true,
          battery: { percent: 87, charging: false },
          power: 'battery',
          signal: { wifi: 4, unit: 'bars' },
          temperature: null,
          storage: null,
          firmware: 'string',
        },
      );
      assert.deepEqual(msg.camera, { id: U.frontDoor, name: 'Front door', vendor: 'arlo' });
      const notify = sim
        .requests({ path: /notify/ })
        .map((r) => (r.body as { resource?: string }).resource);
      assert.ok(notify.includes('devices'), JSON.stringify(notify));
    });

    it('reports a charging battery and the hub-less camera, and every camera without one set', async () => {
      await power(U.backYard, { level: 30, charging: true });
      await load(flow('camhub-device'), CREDS);
      const list = (await send('')).payload as DeviceStatus[];
      assert.deepEqual(
        list.map((s) => s.id).sort(),
        [U.frontDoor, U.backYard, U.doorbell, U.garage].sort(),
      );
      const back = list.find((s) => s.id === U.backYard)!;
      assert.deepEqual(back.battery, { percent: 30, charging: true });
      const garage = list.find((s) => s.id === U.garage)!;
      assert.deepEqual(garage.battery, { percent: 100, charging: false });
      assert.equal(garage.armed, false);
      const bell = list.find((s) => s.id === U.doorbell)!;
      assert.equal(bell.battery, null);
      assert.equal(bell.power, 'mains');
    });
  });

  describe('watch mode', () => {
    it('reports low battery and charging from the device packets on the event stream', async () => {
      await load(flow('camhub-device', { watch: true, lowBattery: 25 }), CREDS);
      await until('a first state reading', () => rounds().ok >= 1);
      const got = collect('h1');
      sim.clearRequests();
      assert.equal((await power(U.frontDoor, { level: 24 })).delivered, true);
      await until('the low battery msg', () => got.msgs.length >= 1);
      assert.equal(got.msgs[0].topic, `arlo/${U.frontDoor}/lowBattery`);
      const p = got.msgs[0].payload as DeviceStatus & { previous: DeviceStatus };
      assert.deepEqual(p.battery, { percent: 24, charging: false });
      assert.deepEqual(p.previous.battery, { percent: 87, charging: false });
      await power(U.frontDoor, { charging: true });
      await until('the charging msg', () => got.msgs.length >= 2);
      assert.equal(got.msgs[1].topic, `arlo/${U.frontDoor}/charging`);
      await power(U.frontDoor, { charging: false });
      await until('the charged msg', () => got.msgs.length >= 3);
      assert.equal(got.msgs[2].topic, `arlo/${U.frontDoor}/charged`);
      got.stop();
      // The packets came on the stream the account keeps anyway: no request was made for them.
      assert.equal(sim.requests({ path: /devices|notify|automation/ }).length, 0);
    });
  });

  describe('one shared interval', () => {
    for (const watchers of [1, 20]) {
      it(`reads the devices and each gateway's state once per round with ${watchers} watching node(s)`, async () => {
        process.env.CAMHUB_MIN_STATE_INTERVAL_MS = '0';
        const nodes = flow('camhub-device').slice(0, 1);
        Object.assign(nodes[0], { stateInterval: 0.2 });
        for (let i = 0; i < watchers; i++) {
          nodes.push({
            id: `w${i}`,
            type: 'camhub-device',
            account: 'acc',
            watch: true,
            wires: [],
          });
        }
        try {
          await load(nodes, CREDS);
          const idle = async (min: number) => {
            for (;;) {
              const r = rounds();
              if (r.ok >= min && r.started === r.finished) return { ...r };
              await new Promise((res) => setTimeout(res, 5));
            }
          };
          const first = await idle(1);
          sim.clearRequests();
          const later = await idle(first.ok + 3);
          const n = later.started - first.started;
          const notifies = (resource: string) =>
            sim
              .requests({ path: /notify/ })
              .filter((r) => (r.body as { resource?: string }).resource === resource).length;
          assert.equal(sim.requests({ path: '/hmsweb/v2/users/devices' }).length, n);
          // Two gateways: the base station and the hub-less camera.
          assert.equal(notifies('devices'), 2 * n);
          assert.equal(
            sim.requests({ path: '/hmsweb/users/devices/automation/active' }).length,
            2 * n,
          );
        } finally {
          delete process.env.CAMHUB_MIN_STATE_INTERVAL_MS;
        }
      });
    }
  });

  describe('camhub-control', () => {
    it('sounds and stops the base station siren, as pyaarlo sends it, read back', async () => {
      await load(flow('camhub-control', { camera: U.frontDoor }), CREDS);
      let msg = await send({ siren: 'on' });
      assert.deepEqual(msg.payload, { siren: 'on' });
      const on = sim
        .requests({ path: /notify/ })
        .map((r) => r.body as { resource?: string; properties?: unknown })
        .find((b) => b.resource === 'siren');
      assert.deepEqual(on?.properties, {
        sirenState: 'on',
        duration: 300,
        volume: 8,
        pattern: 'alarm',
      });
      msg = await send({ get: true });
      assert.deepEqual(msg.payload, { siren: 'on' });
      msg = await send({ siren: 'off' });
      assert.deepEqual(msg.payload, { siren: 'off' });
      const sirens = (await (await fetch(`${sim.url}/_sim/sirens`)).json()) as unknown[];
      assert.deepEqual(sirens, [{ base: U.base, sirenState: 'off' }]);
    });

    it('says NOT_SUPPORTED on the hub-less camera, naming the cameras behind the siren base', async () => {
      await load(flow('camhub-control', { camera: U.garage }), CREDS);
      const err = await fail({ siren: 'on' });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, new RegExp(`Front door \\(${U.frontDoor}\\)`));
      assert.doesNotMatch(err.message, new RegExp(U.garage));
      for (const payload of [
        { light: 'auto' },
        { name: 'x' },
        { motion: { enabled: true } },
        { persons: { home: ['a'] } },
      ]) {
        const e = await fail(payload);
        assert.equal(e.code, 'NOT_SUPPORTED', JSON.stringify(payload));
      }
      assert.equal(
        sim
          .requests({ path: /notify/ })
          .filter((r) => (r.body as { resource?: string }).resource === 'siren').length,
        0,
      );
      assert.deepEqual((await send({ get: true })).payload, {});
    });

    it('says TIMEOUT when the base does not answer the siren, and keeps working', async () => {
      await load(flow('camhub-control', { camera: U.frontDoor }), CREDS);
      await send({ get: true });
      await fetch(`${sim.url}/_sim/devices/${U.base}/ignore-next`, { method: 'POST' });
      const err = await fail({ siren: 'on' });
      assert.equal(err.code, 'TIMEOUT');
      assert.deepEqual((await send({ siren: 'off' })).payload, { siren: 'off' });
    });
  });
});
