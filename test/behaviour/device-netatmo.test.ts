import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';
import { demoFlows, readExamples } from '../../scripts/demo-flows';
import type { DeviceStatus } from '../../nodes/core/device';
import {
  CORE_NODES,
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  serveHttpAdmin,
  serveHttpNode,
  unload,
  type FlowNode,
} from '../helpers/nodered';

const I = NETATMO_IDS;
type Server = { url: string; close: () => Promise<void> };
type Rounds = { started: number; finished: number; ok: number };

/** "Connect to Netatmo" as the editor and the browser do it (see netatmo.test.ts). */
async function connect(admin: Server, sim: NetatmoSim, accountId = 'acc'): Promise<void> {
  const redirectUri = `${admin.url}/camhub/netatmo/oauth/callback`;
  const start = await fetch(`${admin.url}/camhub/accounts/${accountId}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirectUri }),
  });
  const reply = (await start.json()) as { data: { url: string } };
  assert.ok(reply.data, JSON.stringify(reply));
  const step = reply.data;
  const html = await (await fetch(step.url)).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], m[2].replace(/&amp;/g, '&'));
  }
  form.set('decision', 'accept');
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const accepted = await fetch(new URL(action, sim.url), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const done = await fetch(accepted.headers.get('location') ?? '');
  assert.equal(done.status, 200, await done.text());
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('camhub-device and camhub-control on Netatmo', function () {
  let sim: NetatmoSim;
  let admin: Server | undefined;
  let web: Server | undefined;
  let stateDir: string;

  const flow = (type: string, props: Record<string, unknown> = {}): FlowNode[] => [
    { id: 'acc', type: 'camhub-netatmo', baseUrl: sim.url, timeout: 5 },
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
  async function start(nodes: FlowNode[]): Promise<void> {
    await load(nodes, { acc: { clientId: sim.clientId, clientSecret: sim.clientSecret } });
    admin = await serveHttpAdmin();
    await connect(admin, sim);
  }
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
  const control = (p: string, body: unknown) =>
    fetch(`${sim.url}/_sim${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const rounds = () => getNode<{ provider: { statusRounds: Rounds } }>('acc').provider.statusRounds;

  before(async () => {
    sim = await startNetatmoSim();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-device-netatmo-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await admin?.close();
    await web?.close();
    admin = web = undefined;
    await unload();
    sim.reset();
    fs.rmSync(stateDir, { recursive: true, force: true });
    delete process.env.CAMHUB_STATE_DIR;
  });

  const persons = (alice: boolean, bob: boolean, stranger: boolean) => [
    { id: I.alice, name: 'Alice', home: alice },
    { id: I.bob, name: 'Bob', home: bob },
    { id: I.stranger, name: null, home: stranger },
  ];

  describe('camhub-device', () => {
    it('reports a Presence from homestatus: SD card, power, firmware, floodlight, persons', async () => {
      await start(flow('camhub-device', { camera: I.presence }));
      const msg = await send('status');
      assert.deepEqual(msg.payload, {
        id: I.presence,
        name: 'Garden',
        model: 'Presence (outdoor)',
        vendor: 'netatmo',
        online: true,
        armed: true,
        battery: null,
        power: 'mains',
        signal: null,
        temperature: null,
        storage: { sdCard: 'ok' },
        firmware: '271',
        lights: { floodlight: 'auto' },
        persons: persons(true, true, true),
      });
      assert.deepEqual(msg.camera, { id: I.presence, name: 'Garden', vendor: 'netatmo' });
    });

    it('reports the doorbell without monitoring or SD card, with its Wi-Fi level', async () => {
      await start(flow('camhub-device', { camera: I.doorbell }));
      const st = (await send('status')).payload as DeviceStatus;
      assert.equal(st.armed, null);
      assert.equal(st.storage, null);
      assert.equal(st.power, null);
      assert.deepEqual(st.signal, { wifi: 62, unit: 'rssi' });
      assert.equal('lights' in st, false);
    });

    it('lists every camera, an unreachable one as online false', async () => {
      await start(flow('camhub-device'));
      await sim.disconnect(I.indoor);
      const list = (await send('')).payload as DeviceStatus[];
      assert.equal(list.length, 5);
      const indoor = list.find((s) => s.id === I.indoor)!;
      assert.equal(indoor.online, false);
      assert.equal(indoor.armed, null);
      assert.equal(indoor.storage, null);
      const cabin = list.find((s) => s.id === I.cabinPresence)!;
      assert.equal('persons' in cabin, false);
    });

    it('maps every sd_status the facts list', async () => {
      await start(flow('camhub-device', { camera: I.welcome }));
      const want: [number, string][] = [
        [1, 'missing'],
        [2, 'ok'],
        [3, 'ok'],
        [4, 'ok'],
        [5, 'error'],
        [6, 'error'],
        [7, 'full'],
      ];
      for (const [code, sd] of want) {
        await control(`/cameras/${I.welcome}/sd`, { status: code });
        const st = (await send('')).payload as DeviceStatus;
        assert.deepEqual(st.storage, { sdCard: sd }, String(code));
      }
    });
  });

  describe('watch mode', () => {
    it('reports an SD card going missing from the sd push, with one homestatus read', async () => {
      await start(flow('camhub-device', { watch: true, camera: I.welcome }));
      web = await serveHttpNode();
      sim.setCallback(`${web.url}/camhub/netatmo/acc`);
      await until('a first state reading', () => rounds().ok >= 1);
      const got = collect('h1');
      sim.clearRequests();
      const pushed = (await control(`/cameras/${I.welcome}/sd`, { status: 1 })) as {
        deliveries: { status: number }[];
      };
      assert.equal(pushed.deliveries[0].status, 200);
      await until('the storage msg', () => got.msgs.length >= 1);
      const msg = got.msgs[0];
      assert.equal(msg.topic, `netatmo/${I.welcome}/storage`);
      const payload = msg.payload as DeviceStatus & { previous: DeviceStatus };
      assert.deepEqual(payload.storage, { sdCard: 'missing' });
      assert.deepEqual(payload.previous.storage, { sdCard: 'ok' });
      assert.equal(sim.requests({ path: '/api/homestatus' }).length, 1);
      got.stop();
    });

    it('reports offline and online from the connection pushes', async () => {
      await start(flow('camhub-device', { watch: true }));
      web = await serveHttpNode();
      sim.setCallback(`${web.url}/camhub/netatmo/acc`);
      await until('a first state reading', () => rounds().ok >= 1);
      const got = collect('h1');
      await sim.disconnect(I.indoor);
      await until('the offline msg', () => got.msgs.length >= 1);
      assert.equal(got.msgs[0].topic, `netatmo/${I.indoor}/offline`);
      await sim.reconnect(I.indoor);
      await until('the online msg', () => got.msgs.length >= 2);
      assert.equal(got.msgs[1].topic, `netatmo/${I.indoor}/online`);
      got.stop();
    });

    it('sees a change when an arm reads homestatus anyway, without a webhook', async () => {
      await start([
        ...flow('camhub-device', { watch: true }),
        { id: 'arm', type: 'camhub-arm', account: 'acc', camera: I.welcome, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ]);
      await until('a first state reading', () => rounds().ok >= 1);
      const got = collect('h1');
      await control(`/cameras/${I.presence}/sd`, { status: 7 });
      const armed = nextMessage('h2');
      getNode('arm').receive({ payload: 'status' });
      await armed;
      await until('the storage msg', () => got.msgs.length >= 1);
      assert.equal(got.msgs[0].topic, `netatmo/${I.presence}/storage`);
      assert.deepEqual((got.msgs[0].payload as DeviceStatus).storage, { sdCard: 'full' });
      got.stop();
    });
  });

  describe('one shared interval', () => {
    for (const watchers of [1, 20]) {
      it(`reads homesdata and each homestatus once per round with ${watchers} watching node(s)`, async () => {
        process.env.CAMHUB_MIN_STATE_INTERVAL_MS = '0';
        const nodes: FlowNode[] = [
          { id: 'acc', type: 'camhub-netatmo', baseUrl: sim.url, timeout: 5, stateInterval: 0.1 },
        ];
        for (let i = 0; i < watchers; i++) {
          nodes.push({
            id: `w${i}`,
            type: 'camhub-device',
            account: 'acc',
            watch: true,
            wires: [],
          });
        }
        await start(nodes);
        const idle = async (min: number) => {
          for (;;) {
            const r = rounds();
            if (r.ok >= min && r.started === r.finished) return { ...r };
            await new Promise((res) => setTimeout(res, 5));
          }
        };
        // Signing in lists the cameras outside the shared interval (completeAuthorization), and
        // that listing may still be on its way when the first round has finished. Count from a
        // later round on, with no listing of the account's and no request at the simulator in
        // flight: what is counted then is the shared interval's alone.
        const provider = getNode<{ provider: { listFlight: { size: number } } }>('acc').provider;
        let first = await idle(1);
        for (;;) {
          first = await idle(first.ok + 1);
          if (provider.listFlight.size === 0 && sim.server.concurrency().inFlight === 0) {
            const now = rounds();
            if (now.started === first.started && now.finished === first.finished) break;
          }
        }
        sim.clearRequests();
        const later = await idle(first.ok + 3);
        // The simulator runs in this process: its log is read at once, with no round in flight.
        const n = later.started - first.started;
        assert.equal(sim.requests({ path: '/api/homesdata' }).length, n);
        assert.equal(sim.requests({ path: '/api/homestatus' }).length, 2 * n);
        assert.equal(sim.requests().length, 3 * n);
        delete process.env.CAMHUB_MIN_STATE_INTERVAL_MS;
      });
    }
  });

  describe('the examples', () => {
    async function examples(): Promise<void> {
      const list = readExamples(path.join(__dirname, '..', '..', 'examples')).filter((e) =>
        e.file.includes('camhub-control'),
      );
      assert.equal(list.length, 2);
      const { flows } = demoFlows(list, { netatmo: sim.url }, {});
      const nodes = flows.map((n) =>
        n.type === 'debug' || n.type === 'catch'
          ? { id: n.id, z: n.z, type: 'helper', wires: [] }
          : n.type === 'camhub-netatmo'
            ? (({ credentials: _c, ...rest }) => rest)(n)
            : n,
      ) as FlowNode[];
      await load(
        nodes,
        { 'camhub-demo-netatmo': { clientId: sim.clientId, clientSecret: sim.clientSecret } },
        CORE_NODES,
      );
      admin = await serveHttpAdmin();
      await connect(admin, sim, 'camhub-demo-netatmo');
    }

    it('sunset -> floodlight auto, morning -> off', async () => {
      await examples();
      let out = nextMessage('c0b2b2c3d4e5f606');
      getNode('c0b2b2c3d4e5f604').receive({ payload: { light: 'off' } });
      assert.equal(((await out).payload as { light: string }).light, 'off');
      out = nextMessage('c0b2b2c3d4e5f606');
      getNode('c0b2b2c3d4e5f603').receive({ payload: { light: 'auto' } });
      assert.equal(((await out).payload as { light: string }).light, 'auto');
      assert.equal(sim.state.modules.get(I.presence)?.floodlight, 'auto');
    });

    it('everyone left -> arm the home, and nothing while someone is home', async () => {
      await examples();
      const armed = collect('c0b3b2c3d4e5f608');
      // Alice and Bob are home: the status read arms nothing.
      const status = nextMessage('c0b3b2c3d4e5f605');
      getNode('c0b3b2c3d4e5f603').receive({ payload: 'status' });
      await status;
      const left = nextMessage('c0b3b2c3d4e5f60b');
      getNode('c0b3b2c3d4e5f609').receive({ payload: { persons: { away: 'all' } } });
      assert.deepEqual((await left).payload, { persons: persons(false, false, false) });
      const arm = nextMessage('c0b3b2c3d4e5f608');
      getNode('c0b3b2c3d4e5f603').receive({ payload: 'status' });
      assert.deepEqual((await arm).payload, { armed: true, mode: null });
      armed.stop();
      assert.equal(armed.msgs.length, 1);
      for (const id of [I.welcome, I.presence, I.indoor]) {
        assert.equal(sim.state.modules.get(id)?.monitoring, 'on', id);
      }
    });
  });

  describe('camhub-control', () => {
    it('switches the Presence floodlight on, off and auto, read back', async () => {
      await start(flow('camhub-control', { camera: I.presence }));
      for (const light of ['on', 'off', 'auto'] as const) {
        const msg = await send({ light });
        assert.equal((msg.payload as { light: string }).light, light);
        const set = sim.requests({ path: '/api/setstate' }).at(-1)!;
        assert.deepEqual(set.body, {
          home: { id: I.home, modules: [{ id: I.presence, floodlight: light }] },
        });
      }
      const got = await send({ get: true });
      assert.deepEqual(got.payload, { light: 'auto', persons: persons(true, true, true) });
    });

    it('says OFFLINE for a get on an unreachable Presence, whose light is unknown, then reads it once back', async () => {
      await start(flow('camhub-control', { camera: I.presence }));
      assert.equal(((await send({ get: true })).payload as { light: string }).light, 'auto');
      await sim.disconnect(I.presence);
      const err = await fail({ get: true });
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /Check its power and network/);
      await sim.reconnect(I.presence);
      assert.equal(((await send({ get: true })).payload as { light: string }).light, 'auto');
    });

    it('says NOT_SUPPORTED for a floodlight on a Welcome, naming both Presences', async () => {
      await start(flow('camhub-control', { camera: I.welcome }));
      const err = await fail({ light: 'on' });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Garden \(70:ee:50:00:00:02\)/);
      assert.match(err.message, /Cabin Driveway \(70:ee:50:00:00:05\)/);
      assert.equal(sim.requests({ path: '/api/setstate' }).length, 0);
    });

    it('turns Netatmo code 21 on a floodlight into NOT_SUPPORTED, and keeps working', async () => {
      await start(flow('camhub-control', { camera: I.presence }));
      sim.addFault({
        path: '/api/setstate',
        status: 400,
        body: {
          error: { code: 21, message: `cannot set property floodlight for module ${I.presence}` },
        },
      });
      const err = await fail({ light: 'on' });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /code 21/);
      assert.match(err.message, /Cabin Driveway/);
      const msg = await send({ light: 'on' });
      assert.equal((msg.payload as { light: string }).light, 'on');
    });

    it('sets persons away and home by name or id, all away, and reads them back', async () => {
      await start(flow('camhub-control', { camera: I.welcome }));
      let msg = await send({ persons: { away: 'all' } });
      assert.deepEqual(msg.payload, { persons: persons(false, false, false) });
      msg = await send({ persons: { home: ['alice', I.bob] } });
      assert.deepEqual(msg.payload, { persons: persons(true, true, false) });
      msg = await send({ persons: { away: ['Bob'] } });
      assert.deepEqual(msg.payload, { persons: persons(true, false, false) });
      const home = sim.requests({ path: '/api/setpersonshome' })[0];
      assert.match(String(home.body), /person_ids%5B%5D=/);
      // Someone coming home by themselves is seen too.
      await control(`/persons/${I.bob}/home`, {});
      msg = await send({ get: true });
      assert.deepEqual(msg.payload, { persons: persons(true, true, false) });
    });

    it('rejects an unknown person before any request, naming the known ones', async () => {
      await start(flow('camhub-control', { camera: I.welcome }));
      const err = await fail({ persons: { home: ['Carol'] } });
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /Alice, Bob/);
      assert.equal(sim.requests({ path: /setperson/ }).length, 0);
    });

    it('says NOT_SUPPORTED for persons on a home without any, and for switches Netatmo lacks', async () => {
      await start(flow('camhub-control', { camera: I.cabinPresence }));
      let err = await fail({ persons: { away: 'all' } });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Living Room/);
      for (const payload of [
        { name: 'x' },
        { motion: { enabled: true } },
        { pir: { enabled: true } },
        { siren: 'on' },
      ]) {
        err = await fail(payload);
        assert.equal(err.code, 'NOT_SUPPORTED', JSON.stringify(payload));
        assert.match(err.message, /No camera in this account can/);
      }
      assert.deepEqual((await send({ get: true })).payload, { light: 'off' });
    });
  });
});
