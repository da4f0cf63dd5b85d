import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARLO_IDS,
  ARLO_SEED,
  ARLO_USER,
  startArloSim,
  type ArloDeviceSeed,
  type ArloSim,
} from '../../simulator/arlo';
import {
  collect,
  delay,
  helper,
  getNode,
  load,
  NODES,
  nextCaught,
  nextMessage,
  redeploy,
  unload,
  watchStatus,
  type FlowNode,
} from '../helpers/nodered';
import { accountLog } from '../helpers/log';

const CREDS = { acc: { email: ARLO_USER.email, password: ARLO_USER.password } };

function account(sim: ArloSim, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'acc',
    type: 'camhub-arlo',
    baseUrl: sim.url,
    authUrl: sim.authUrl,
    timeout: 5,
    commandTimeout: 1.5,
    heartbeat: 0.3,
    ...extra,
  };
}

function flow(sim: ArloSim, type: string, props: Record<string, unknown> = {}): FlowNode[] {
  return [
    account(sim),
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
}

/** Waits for a condition the simulator reports; the bound is generous, not an assertion. */
async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let stateDir = 0;
function freshStateDir(): void {
  process.env.CAMHUB_STATE_DIR = `/tmp/camhub-arlo-test-${process.pid}-${++stateDir}`;
}

const U = ARLO_IDS;
type Payload = Record<string, unknown>;

/** An Arlo Go: a hub-less camera that still takes its modes by notify (v1, vendor facts 2.5). */
const GO_ID = '4G11077GO0001';
const GO: ArloDeviceSeed = {
  deviceId: GO_ID,
  deviceName: 'Boat',
  deviceType: 'camera',
  modelId: 'VML4030',
  parentId: GO_ID,
  xCloudId: 'XC-3GO-0001',
  hwVersion: 'VML4030r3',
};

/** Every line the runtime logged, at any level. */
function arloLog(): { level: number; msg: string }[] {
  return helper
    .log()
    .args.map((a: unknown[]) => a[0] as { level: number; msg: unknown })
    .map((e) => ({ level: e.level, msg: String(e.msg) }));
}
const WARN = () => (helper.log() as unknown as { WARN: number }).WARN;

async function authStep(input: Record<string, string>): Promise<{ status: number; body: Payload }> {
  const res = await helper.request().post('/camhub/accounts/acc/auth').send(input);
  return { status: res.status, body: res.body as Payload };
}

function send(payload: unknown, extra: Record<string, unknown> = {}, node = 'n1'): void {
  getNode(node).receive({ payload, ...extra });
}

describe('Arlo in a Node-RED runtime', function () {
  let sim: ArloSim;

  before(async () => {
    sim = await startArloSim({
      subscriptionTtlMs: 1000,
      snapDelayMs: 30,
      devices: [...ARLO_SEED, GO],
    });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => freshStateDir());
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  describe('camhub-snapshot', () => {
    it('takes a full-frame snapshot, waits for its event and fetches the presigned URL', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      const out = nextMessage('h1');
      send(1);
      const msg = await out;
      const jpeg = msg.payload as Buffer;
      assert.ok(Buffer.isBuffer(jpeg) && jpeg[0] === 0xff && jpeg[1] === 0xd8);
      assert.equal(msg.contentType, 'image/jpeg');
      assert.deepEqual(msg.camera, { id: U.frontDoor, name: 'Front door', vendor: 'arlo' });
      const login = sim.requests({ path: '/api/auth', method: 'POST' });
      assert.equal(login.length, 1);
      // The simulator refuses a password that is not base64-encoded; its log masks it.
      assert.equal((login[0].body as { password: string }).password, '[redacted]');
      const s3 = sim.requests({ path: '/_s3/snapshots/' });
      assert.equal(s3.length, 1);
      assert.equal(s3[0].authScheme, undefined);
    });

    it('gives two flows asking at once the same capture', async () => {
      await load(
        [
          ...flow(sim, 'camhub-snapshot', { camera: U.backYard }),
          {
            id: 'n2',
            type: 'camhub-snapshot',
            account: 'acc',
            camera: U.backYard,
            wires: [['h2']],
          },
          { id: 'h2', type: 'helper' },
        ],
        CREDS,
      );
      const both = Promise.all([nextMessage('h1'), nextMessage('h2')]);
      send(1);
      send(2, {}, 'n2');
      const [a, b] = await both;
      assert.ok(Buffer.isBuffer(a.payload) && Buffer.isBuffer(b.payload));
      assert.equal(sim.requests({ path: '/hmsweb/users/devices/fullFrameSnapshot' }).length, 1);
    });

    it('says TIMEOUT when the base station ignores the command, sends it once, then works', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      sim.ignoreNextCommand(U.base);
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'TIMEOUT');
      assert.match(err.message, /Front door" did not send its snapshot/);
      assert.equal(sim.requests({ path: '/hmsweb/users/devices/fullFrameSnapshot' }).length, 1);
      const out = nextMessage('h1');
      send(2);
      assert.ok(Buffer.isBuffer((await out).payload));
    });
  });

  describe('camhub-stream and camhub-ptz', () => {
    it('turns the rtsp URL into rtsps with the short window to start playing', async () => {
      await load(flow(sim, 'camhub-stream', { camera: U.doorbell }), CREDS);
      const out = nextMessage('h1');
      send(1);
      const p = (await out).payload as { url: string; protocol: string; expiresAt: string };
      assert.equal(p.protocol, 'rtsps');
      assert.match(p.url, /^rtsps:\/\/127\.0\.0\.1:443\/vzmodulelive\?egressToken=/);
      const left = Date.parse(p.expiresAt) - Date.now();
      assert.ok(left > 20_000 && left <= 30_000, p.expiresAt);
      await redeploy(flow(sim, 'camhub-stream', { camera: U.doorbell, quality: 'sub' }), CREDS);
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /only the "main" stream/);
    });

    it('answers PTZ with NOT_SUPPORTED and says no camera can', async () => {
      await load(flow(sim, 'camhub-ptz', { camera: U.frontDoor }), CREDS);
      const caught = nextCaught('c1');
      send({ action: 'move', direction: 'left', speed: 5 });
      const err = await caught;
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /No camera in this account can/);
    });
  });

  describe('camhub-arm', () => {
    it('maps arm/disarm and mode names onto the v2 automation API, confirmed by the stream', async () => {
      await load(flow(sim, 'camhub-arm', { camera: U.frontDoor }), CREDS);
      for (const [payload, expected] of [
        ['status', { armed: true, mode: 'armed' }],
        ['disarm', { armed: false, mode: 'disarmed' }],
        ['Night', { armed: true, mode: 'Night' }],
        ['', { armed: true, mode: 'Night' }],
        [true, { armed: true, mode: 'armed' }],
        ['mode0', { armed: false, mode: 'disarmed' }],
      ] as const) {
        const out = nextMessage('h1');
        send(payload);
        assert.deepEqual((await out).payload, expected, String(payload));
      }
      assert.equal(sim.state.v2Active.get(U.base), 'mode0');
      const modes = await helper
        .request()
        .get('/camhub/accounts/acc/modes')
        .query({ camera: U.frontDoor });
      assert.deepEqual(modes.body.data, ['disarmed', 'armed', 'Night']);
    });

    it('says OFFLINE for a camera that went offline after the list was read, changing no mode', async () => {
      await load(flow(sim, 'camhub-arm', { camera: U.frontDoor }), CREDS);
      let out = nextMessage('h1');
      send('status');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armed' });
      sim.setOnline(U.frontDoor, false);
      const caught = nextCaught('c1');
      send('disarm');
      const err = await caught;
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /Front door/);
      assert.equal(
        sim.requests({ path: '/hmsweb/users/devices/automation/active', method: 'POST' }).length,
        0,
      );
      assert.equal(sim.state.v2Active.get(U.base), 'mode1');
      sim.setOnline(U.frontDoor, true);
      out = nextMessage('h1');
      send('disarm');
      assert.deepEqual((await out).payload, { armed: false, mode: 'disarmed' });
    });

    it('rejects an unknown mode with INVALID_INPUT that lists the modes, sending nothing', async () => {
      await load(flow(sim, 'camhub-arm', { camera: U.frontDoor }), CREDS);
      const caught = nextCaught('c1');
      send('vacation');
      const err = await caught;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /"Night"/);
      assert.equal(
        sim.requests({ path: '/hmsweb/users/devices/automation/active', method: 'POST' }).length,
        0,
      );
    });

    it('says TIMEOUT when the base station ignores the mode change, and never resends it', async () => {
      await load(flow(sim, 'camhub-arm', { camera: U.backYard }), CREDS);
      sim.ignoreNextCommand(U.base);
      const caught = nextCaught('c1');
      send('disarm');
      const err = await caught;
      assert.equal(err.code, 'TIMEOUT');
      assert.match(err.message, /Home base" did not confirm the mode change/);
      assert.equal(
        sim.requests({ path: '/hmsweb/users/devices/automation/active', method: 'POST' }).length,
        1,
      );
      assert.equal(sim.state.v2Active.get(U.base), 'mode1');
    });

    it('arms a hub-less Essential (VMC2030) through the v2 automation API', async () => {
      await load(flow(sim, 'camhub-arm', { camera: U.garage }), CREDS);
      let out = nextMessage('h1');
      send('arm');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armed' });
      assert.equal(sim.state.v2Active.get(U.garage), 'mode1');
      out = nextMessage('h1');
      send('status');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armed' });
      const posts = sim.requests({
        path: '/hmsweb/users/devices/automation/active',
        method: 'POST',
      });
      assert.equal(posts.length, 1);
      const notes = sim.requests({ path: `/hmsweb/users/devices/notify/${U.garage}` });
      assert.ok(!notes.some((r) => (r.body as { resource?: string }).resource === 'modes'));
    });

    it('uses v1 notify modes only for the models that need them (an Arlo Go)', async () => {
      await load(flow(sim, 'camhub-arm', { camera: GO_ID }), CREDS);
      let out = nextMessage('h1');
      send('arm');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armed' });
      assert.equal(sim.state.v1Active.get(GO_ID), 'mode1');
      out = nextMessage('h1');
      send('status');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armed' });
      const notes = sim.requests({ path: `/hmsweb/users/devices/notify/${GO_ID}` });
      assert.ok(notes.some((r) => (r.body as { resource?: string }).resource === 'modes'));
      assert.equal(
        sim.requests({ path: '/hmsweb/users/devices/automation/active', method: 'POST' }).length,
        0,
      );
    });

    it('uses v3 location modes with the revision, and recovers from a stale one', async () => {
      sim.setAccount({ multiLocation: true });
      await load(flow(sim, 'camhub-arm', { camera: U.frontDoor }), CREDS);
      let out = nextMessage('h1');
      send('arm');
      assert.deepEqual((await out).payload, { armed: true, mode: 'armAway' });
      assert.equal(sim.state.v3.mode, 'armAway');
      // Another app changes the mode without us seeing it: our cached revision is stale now.
      sim.setModeElsewhere('armHome', { silent: true });
      sim.clearRequests();
      out = nextMessage('h1');
      send('disarm');
      assert.deepEqual((await out).payload, { armed: false, mode: 'standby' });
      const puts = sim.requests({ path: '/hmsweb/automation/v3/activeMode', method: 'PUT' });
      assert.equal(puts.length, 2);
      assert.notEqual(puts[0].query.revision, puts[1].query.revision);
      assert.equal(sim.state.v3.mode, 'standby');
      // The PUT reply with the next revision confirmed it: the stream carried nothing about it.
      assert.ok(!sim.bus.log.some((p) => p.topic.endsWith('/automation/activeMode')));
      const modes = await helper
        .request()
        .get('/camhub/accounts/acc/modes')
        .query({ camera: U.frontDoor });
      assert.deepEqual(modes.body.data, ['standby', 'armHome', 'armAway']);
    });

    it('falls back to the fixed v3 modes when the mode list has an unknown shape, saying so once', async () => {
      sim.setAccount({ multiLocation: true });
      sim.state.v3ModeShape = 'unknown';
      await load(flow(sim, 'camhub-arm', { camera: U.backYard }), CREDS);
      for (const [payload, expected] of [
        ['armHome', { armed: true, mode: 'armHome' }],
        ['disarm', { armed: false, mode: 'standby' }],
        ['arm', { armed: true, mode: 'armAway' }],
      ] as const) {
        const out = nextMessage('h1');
        send(payload);
        assert.deepEqual((await out).payload, expected, payload);
      }
      assert.equal(sim.state.v3.mode, 'armAway');
      const said = arloLog().filter((l) => /mode list camhub does not understand/.test(l.msg));
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.equal(said[0].level, WARN());
    });
  });

  describe('camhub-event', () => {
    const eventFlow = (n = 1): FlowNode[] => [
      account(sim),
      ...Array.from({ length: n }, (_, i) => ({
        id: `ev${i}`,
        type: 'camhub-event',
        account: 'acc',
        camera: '',
        types: [],
        // The hub-less Garage camera is in its disarmed mode (mode0).
        includeDisarmed: true,
        wires: [[`h${i}`]],
      })),
      ...Array.from({ length: n }, (_, i) => ({ id: `h${i}`, type: 'helper' })),
    ];
    const listening = () =>
      until('the stream and the base subscription', () => {
        const c = sim.bus.connections;
        return (
          c.mqtt + c.sse === 1 && sim.state.publishing(U.base) && sim.state.publishing(U.garage)
        );
      });

    it('delivers motion, audio, doorbell and smart labels over MQTT in the unified schema', async () => {
      await load(eventFlow(), CREDS);
      await listening();
      assert.equal(sim.bus.connections.mqtt, 1);
      const got = collect('h0');
      sim.trigger(U.frontDoor, 'motion');
      sim.trigger(U.backYard, 'audio');
      sim.trigger(U.doorbell, 'doorbell');
      sim.trigger(U.garage, 'person');
      sim.trigger(U.frontDoor, 'vehicle');
      sim.trigger(U.backYard, 'animal');
      await until('nine events', () => got.msgs.length >= 9);
      got.stop();
      const topics = got.msgs.map((m) => m.topic).sort();
      assert.deepEqual(
        topics,
        [
          `arlo/${U.backYard}/animal`,
          `arlo/${U.backYard}/motion`,
          `arlo/${U.backYard}/sound`,
          `arlo/${U.doorbell}/doorbell`,
          `arlo/${U.frontDoor}/motion`,
          `arlo/${U.frontDoor}/motion`,
          `arlo/${U.frontDoor}/vehicle`,
          `arlo/${U.garage}/motion`,
          `arlo/${U.garage}/person`,
        ].sort(),
      );
      const p = got.msgs.find((m) => m.topic === `arlo/${U.doorbell}/doorbell`)!.payload as Payload;
      assert.equal(p.vendor, 'arlo');
      assert.deepEqual(p.camera, { id: U.doorbell, name: 'Porch doorbell' });
      assert.ok(!Number.isNaN(Date.parse(p.time as string)));
      assert.equal(typeof p.eventId, 'string');
    });

    it('reads SSE when the devices list no MQTT topics', async () => {
      sim.setAccount({ transport: 'sse' });
      await load(eventFlow(), CREDS);
      await listening();
      assert.deepEqual(sim.bus.connections, { sse: 1, mqtt: 0 });
      const out = nextMessage('h0');
      sim.trigger(U.doorbell, 'doorbell');
      assert.equal((await out).topic, `arlo/${U.doorbell}/doorbell`);
    });

    for (const transport of ['mqtt', 'sse'] as const) {
      it(`reconnects a dropped ${transport} stream and resubscribes, with no lost or doubled events`, async () => {
        sim.setAccount({ transport });
        await load(eventFlow(), CREDS);
        await listening();
        const got = collect('h0');
        sim.trigger(U.frontDoor, 'motion');
        await until('the first event', () => got.msgs.length === 1);
        const connects = sim.requests({ path: '/hmsweb/users/devices/notify/' }).length;
        sim.dropStream();
        await until('the stream to come back', () => {
          const c = sim.bus.connections;
          return (
            c.mqtt + c.sse === 1 &&
            sim.requests({ path: '/hmsweb/users/devices/notify/' }).length > connects + 1
          );
        });
        await delay(100);
        sim.trigger(U.backYard, 'motion');
        await until('the second event', () => got.msgs.length >= 2);
        await delay(200);
        got.stop();
        assert.deepEqual(
          got.msgs.map((m) => m.topic),
          [`arlo/${U.frontDoor}/motion`, `arlo/${U.backYard}/motion`],
        );
      });
    }

    it('keeps the base subscribed by renewing it (a lapsed one would drop events)', async () => {
      await load(eventFlow(), CREDS);
      await listening();
      // The simulator lets a subscription lapse after 1 s; the node renews every 0.3 s.
      await delay(1500);
      const out = nextMessage('h0');
      assert.equal(sim.trigger(U.frontDoor, 'motion').delivered, true);
      await out;
    });

    it('shares one login and one stream between 10 event nodes', async () => {
      await load(eventFlow(10), CREDS);
      await listening();
      const all = Array.from({ length: 10 }, (_, i) => collect(`h${i}`));
      sim.trigger(U.doorbell, 'doorbell');
      await until('all ten nodes', () => all.every((c) => c.msgs.length === 1));
      await delay(100);
      assert.ok(all.every((c) => c.msgs.length === 1));
      assert.equal(sim.bus.connections.mqtt, 1);
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 1);
    });

    it('leaves no socket, subscription or timer behind after a redeploy', async () => {
      await load(eventFlow(3), CREDS);
      await listening();
      // The account changes too, so its provider is replaced: the old one must close everything.
      await redeploy([account(sim, { heartbeat: 0.4 }), { id: 'x', type: 'helper' }], CREDS);
      await until(
        'the stream to close',
        () => sim.bus.connections.mqtt + sim.bus.connections.sse === 0,
      );
      sim.clearRequests();
      await delay(800);
      assert.equal(sim.requests().length, 0, 'no heartbeat or reconnect after the redeploy');
      assert.equal(sim.bus.connections.mqtt + sim.bus.connections.sse, 0);
    });

    it('signs in again after Arlo ends the session elsewhere, and events go on', async () => {
      await load(eventFlow(), CREDS);
      await listening();
      sim.logoutElsewhere();
      await until(
        'a new login',
        () => sim.requests({ path: '/api/auth', method: 'POST' }).length >= 2,
      );
      await listening();
      const out = nextMessage('h0');
      sim.trigger(U.frontDoor, 'motion');
      await out;
    });
  });

  describe('base station subscriptions (answered about once a minute, or never)', () => {
    const eventFlow = (): FlowNode[] => [
      account(sim),
      {
        id: 'ev',
        type: 'camhub-event',
        account: 'acc',
        camera: '',
        types: [],
        // The hub-less Garage camera is in its disarmed mode (mode0).
        includeDisarmed: true,
        wires: [['he']],
      },
      { id: 'he', type: 'helper' },
    ];
    const streamUp = () =>
      until('the stream', () => sim.bus.connections.mqtt + sim.bus.connections.sse === 1);
    const subscribes = () =>
      sim
        .requests({ path: '/hmsweb/users/devices/notify/', method: 'POST' })
        .filter((r) => /^subscriptions\//.test(String((r.body as Payload)?.resource ?? '')));
    /** Cuts the stream and waits until it is back and has registered the bases again. */
    async function reconnect(): Promise<void> {
      const before = subscribes().length;
      sim.dropStream();
      await until(
        'the stream to drop',
        () => sim.bus.connections.mqtt + sim.bus.connections.sse === 0,
      );
      await streamUp();
      await until('the bases registered again', () => subscribes().length > before);
    }

    for (const transport of ['mqtt', 'sse'] as const) {
      it(`takes a snapshot right after a ${transport} reconnect, not waiting for the base's answer`, async () => {
        sim.setAccount({ transport });
        await load(
          [...flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), ...eventFlow().slice(1)],
          CREDS,
        );
        let out = nextMessage('h1');
        send(1);
        await out;
        // The base answered the first registration; the next answer is a minute away.
        await reconnect();
        out = nextMessage('h1');
        send(2);
        assert.ok(Buffer.isBuffer((await out).payload));
      });

      it(`keeps renewing a base that never answers: events go on after a ${transport} reconnect`, async () => {
        sim.setAccount({ transport });
        sim.setSubscriptionAnswers('never');
        await load(eventFlow(), CREDS);
        await streamUp();
        await until('the base registered', () => sim.state.publishing(U.base));
        await reconnect();
        const renewals = subscribes().length;
        // Well past the 1.5 s a command waits and the 1 s a registration lives: only renewals
        // of every base, answered or not, keep it.
        await until('eight more heartbeats', () => subscribes().length >= renewals + 24);
        await delay(1200);
        const got = collect('he');
        assert.equal(sim.trigger(U.frontDoor, 'motion').delivered, true);
        assert.equal(sim.trigger(U.garage, 'motion').delivered, true);
        await until('both events', () => got.msgs.length === 2);
        got.stop();
      });
    }

    it('logs a base silent for several heartbeats once and shows it in the account status', async () => {
      sim.setSubscriptionAnswers({ everyMs: 0 });
      sim.setSubscriptionAnswers('never', U.base);
      await load(eventFlow(), CREDS);
      const status = watchStatus('ev');
      await streamUp();
      const state = async () =>
        (await helper.request().get('/camhub/accounts/acc/state')).body.data as Payload;
      let quiet: unknown;
      await until('the quiet base in the account state', () => {
        void state().then((d) => (quiet = d.quiet));
        return Array.isArray(quiet) && quiet.length > 0;
      });
      assert.deepEqual(quiet, ['Home base']);
      assert.equal((await state()).state, 'connected');
      assert.ok(
        status.some((s) => s.fill === 'yellow' && s.text === 'status.quiet'),
        JSON.stringify(status),
      );
      // More heartbeats pass: still one line in the log.
      const n = subscribes().length;
      await until('more heartbeats', () => subscribes().length >= n + 6);
      const said = arloLog().filter((l) => /"Home base" has sent nothing/.test(l.msg));
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.equal(said[0].level, WARN());
      // Events of its cameras still arrive while it is registered, and clear the warning.
      const out = nextMessage('he');
      assert.equal(sim.trigger(U.frontDoor, 'motion').delivered, true);
      await out;
      await until('the warning cleared', () => {
        void state().then((d) => (quiet = d.quiet));
        return quiet === undefined;
      });
      const lastYellow = status.map((x) => x.fill).lastIndexOf('yellow');
      assert.ok(
        status.slice(lastYellow + 1).some((x) => x.text === 'status.listening'),
        JSON.stringify(status),
      );
    });
  });

  describe('login', () => {
    async function twoFactor(factor: string, finish: () => Promise<Payload>): Promise<void> {
      sim.setAccount({ mfa: true });
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      const status = watchStatus('n1');
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'AUTH_REQUIRED');
      assert.match(err.message, /two-step verification/);
      assert.equal(accountLog('camhub-arlo', /two-step verification code/).length, 1);
      assert.ok(
        status.some((s) => s.text === 'status.waiting2fa'),
        JSON.stringify(status),
      );
      let step = await authStep({});
      assert.equal(step.status, 200);
      const data = step.body.data as { next: string; choices: { id: string; label: string }[] };
      assert.equal(data.next, 'factor');
      assert.deepEqual(
        data.choices.map((c) => c.id),
        ['FA-EMAIL-01', 'FA-SMS-02', 'FA-PUSH-03'],
      );
      step = await authStep({ factor });
      assert.equal((step.body.data as Payload).next, factor === 'FA-PUSH-03' ? 'approve' : 'code');
      const done = await finish();
      assert.equal((done.data as Payload).state, 'connected');
      assert.doesNotMatch(JSON.stringify(done), new RegExp(ARLO_USER.password));
      const out = nextMessage('h1');
      send(2);
      assert.ok(Buffer.isBuffer((await out).payload));
      assert.equal(sim.state.trustedBrowsers.size, 1);
    }

    it('signs in with an email code from the editor', async () => {
      await twoFactor(
        'FA-EMAIL-01',
        async () => (await authStep({ code: sim.lastOtp('EMAIL')! })).body,
      );
    });

    it('signs in with an SMS code, after a wrong one is refused', async () => {
      await twoFactor('FA-SMS-02', async () => {
        const wrong = await authStep({
          code: '000000' === sim.lastOtp('SMS') ? '111111' : '000000',
        });
        assert.equal(wrong.status, 400);
        assert.equal(wrong.body.code, 'INVALID_INPUT');
        return (await authStep({ code: sim.lastOtp('SMS')! })).body;
      });
    });

    it('signs in with a push approved in the app', async () => {
      await twoFactor('FA-PUSH-03', async () => {
        const waiting = await authStep({ poll: '1' });
        assert.equal((waiting.body.data as Payload).next, 'approve');
        assert.equal(sim.approvePush(), 1);
        return (await authStep({ poll: '1' })).body;
      });
    });

    it('signs in again as the trusted browser, no new code, when SSE says the token expired', async () => {
      sim.setAccount({ transport: 'sse' });
      await twoFactor(
        'FA-EMAIL-01',
        async () => (await authStep({ code: sim.lastOtp('EMAIL')! })).body,
      );
      await until('the stream', () => sim.bus.connections.sse === 1);
      sim.clearRequests();
      sim.expireTokens();
      // An open event stream has no status in the log yet: it is still answering.
      await until(
        'the stream back',
        () =>
          sim.bus.connections.sse === 1 &&
          sim.requests({ path: '/hmsweb/client/subscribe' }).some((r) => r.status === null),
      );
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 1);
      assert.equal(sim.requests({ path: '/api/startAuth' }).length, 1);
      assert.equal(sim.requests({ path: '/api/getFactors' }).length, 0);
      assert.equal(sim.requests({ path: '/api/finishAuth' }).length, 0);
      const out = nextMessage('h1');
      send(4);
      assert.ok(Buffer.isBuffer((await out).payload));
    });

    it('logs in again as a trusted browser after a restart, with no new code', async () => {
      await twoFactor(
        'FA-EMAIL-01',
        async () => (await authStep({ code: sim.lastOtp('EMAIL')! })).body,
      );
      sim.expireTokens();
      await redeploy(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      sim.clearRequests();
      const out = nextMessage('h1');
      send(3);
      assert.ok(Buffer.isBuffer((await out).payload));
      assert.equal(sim.requests({ path: '/api/getFactors' }).length, 0);
      assert.equal(sim.requests({ path: '/api/finishAuth' }).length, 0);
      assert.equal(sim.requests({ path: '/api/startAuth' }).length, 1);
    });

    it('reuses the kept token across a restart without logging in', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      let out = nextMessage('h1');
      send(1);
      await out;
      await redeploy(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      out = nextMessage('h1');
      send(2);
      await out;
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 1);
    });

    it('replaces a lapsed token with one login shared by every caller', async () => {
      await load(
        [
          ...flow(sim, 'camhub-stream', { camera: U.frontDoor }),
          { id: 'n2', type: 'camhub-arm', account: 'acc', camera: U.backYard, wires: [['h2']] },
          { id: 'h2', type: 'helper' },
        ],
        CREDS,
      );
      const first = nextMessage('h1');
      send(1);
      await first;
      sim.expireTokens();
      const both = Promise.all([nextMessage('h1'), nextMessage('h2')]);
      send(1);
      send('status', {}, 'n2');
      await both;
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 2);
    });

    it('reports a wrong password as AUTH_FAILED without leaking it', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), {
        acc: { email: ARLO_USER.email, password: 'wrong-password-9' },
      });
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'AUTH_FAILED');
      assert.match(err.message, /Check the email and password/);
      assert.doesNotMatch(JSON.stringify(err), /wrong-password-9/);
      const lines = accountLog('camhub-arlo', /refused the login/);
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0], /wrong-password-9/);
    });

    it("never calls the edge's 403 or 429 at login a credentials problem", async () => {
      // The first login back-off is the edge's own 3 s here, not the default 30 s.
      process.env.CAMHUB_LOGIN_BACKOFF_MS = '100';
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      delete process.env.CAMHUB_LOGIN_BACKOFF_MS;
      sim.auth.addFault({ path: '/api/auth', method: 'POST', status: 403 });
      let caught = nextCaught('c1');
      send(1);
      let err = await caught;
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /Cloudflare.*HTTP 403.*email and password were not checked/);
      assert.doesNotMatch(err.message, /rejected the credentials/);
      sim.auth.addFault({ path: '/api/auth', method: 'POST', status: 429, count: 2 });
      caught = nextCaught('c1');
      send(2);
      err = await caught;
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /Cloudflare.*HTTP 429.*Wait a few minutes/);
      // The next msg within the login back-off fails at once, without another login.
      const logins = sim.auth.requests({ path: '/api/auth', method: 'POST' }).length;
      caught = nextCaught('c1');
      send(3);
      assert.equal((await caught).code, 'RATE_LIMITED');
      assert.equal(sim.auth.requests({ path: '/api/auth', method: 'POST' }).length, logins);
      // Past the back-off (the edge's 3 s, vendor facts 2.10) the login is tried again.
      await delay(3200);
      const out = nextMessage('h1');
      send(4);
      assert.ok(Buffer.isBuffer((await out).payload));
    });

    it('sends the web app headers and a browser User-Agent on ocapi and myapi calls', async () => {
      // The simulated edge refuses anything else with a 403 text (vendor facts 2.2, 2.10).
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      const out = nextMessage('h1');
      send(1);
      await out;
      const refused = sim.requests().filter((r) => r.status === 403);
      assert.deepEqual(refused, []);
      assert.ok(sim.requests({ path: '/api/auth' }).length > 0);
      assert.ok(sim.requests({ path: '/hmsweb/' }).length > 0);
    });

    it('does not log in again when the edge answers the SSE subscribe with 403', async () => {
      sim.setAccount({ transport: 'sse' });
      await load(
        [
          account(sim),
          {
            id: 'ev',
            type: 'camhub-event',
            account: 'acc',
            camera: '',
            types: [],
            wires: [['he']],
          },
          { id: 'he', type: 'helper' },
        ],
        CREDS,
      );
      await until('the stream', () => sim.bus.connections.sse === 1);
      sim.addFault({ path: '/hmsweb/client/subscribe', status: 403 });
      sim.dropStream();
      await until('the refused subscribe', () =>
        sim.requests({ path: '/hmsweb/client/subscribe' }).some((r) => r.status === 403),
      );
      await until('the stream back', () => sim.bus.connections.sse === 1);
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 1);
    });

    it('logs in again and resubscribes when SSE says the token expired (2015)', async () => {
      sim.setAccount({ transport: 'sse' });
      await load(
        [
          account(sim),
          {
            id: 'ev',
            type: 'camhub-event',
            account: 'acc',
            camera: '',
            types: [],
            wires: [['he']],
          },
          { id: 'he', type: 'helper' },
        ],
        CREDS,
      );
      await until(
        'the stream',
        () => sim.bus.connections.sse === 1 && sim.state.publishing(U.base),
      );
      sim.expireTokens();
      await until(
        'a new login',
        () => sim.requests({ path: '/api/auth', method: 'POST' }).length === 2,
      );
      await until('the stream back', () => sim.bus.connections.sse === 1);
      const out = nextMessage('he');
      await until('the base registered again', () => sim.trigger(U.frontDoor, 'motion').delivered);
      await out;
      assert.ok(!arloLog().some((l) => /SSE stream ended/.test(l.msg)));
    });

    it('fails a msg whose re-login has its session read refused, never hanging, then works', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      let out = nextMessage('h1');
      send(1);
      await out;
      sim.expireTokens();
      // The session read made inside the re-login is refused as if the new token were bad.
      sim.addFault({
        path: '/hmsweb/users/session/v3',
        status: 401,
        body: { success: false, data: { error: '2015', message: 'Session expired' } },
        count: 1000,
      });
      const caught = nextCaught('c1', 20_000);
      send(2);
      const err = await caught;
      assert.equal(err.code, 'AUTH_FAILED');
      assert.match(err.message, /refused the session it had just opened/);
      sim.server.clearFaults();
      out = nextMessage('h1');
      send(3);
      assert.ok(Buffer.isBuffer((await out).payload));
    });

    it('keeps the presigned URL signature out of the log at every level', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }), CREDS);
      const out = nextMessage('h1');
      send(1);
      await out;
      const s3 = sim.requests({ path: '/_s3/snapshots/' });
      assert.equal(s3.length, 1);
      const signature = s3[0].query['X-Amz-Signature'];
      assert.ok(signature && signature.length > 8);
      const lines = arloLog();
      assert.ok(
        lines.some((l) => l.msg.includes('/_s3/snapshots/')),
        'the download is logged',
      );
      assert.ok(!lines.some((l) => l.msg.includes(signature)));
    });

    it("turns the edge's 403 text into CLOUD_ERROR and retries a 429 once", async () => {
      await load(flow(sim, 'camhub-stream', { camera: U.frontDoor }), CREDS);
      sim.auth.addFault({ path: '/api/auth', status: 429 });
      let out = nextMessage('h1');
      send(1);
      await out;
      assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 2);
      sim.addFault({ path: '/hmsweb/users/devices/startStream', status: 403 });
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /HTTP 403.*wait a few minutes/);
      out = nextMessage('h1');
      send(1);
      await out;
    });
  });

  describe('bad input', () => {
    it('reports missing, unknown and offline cameras, a bad arm payload, then works', async () => {
      await load(flow(sim, 'camhub-arm'), CREDS);
      const cases: [unknown, unknown, string, RegExp][] = [
        ['arm', undefined, 'INVALID_INPUT', /msg\.camera/],
        ['arm', 'NOPE123', 'UNKNOWN_CAMERA', /Front door/],
        [[1, 2], U.frontDoor, 'INVALID_INPUT', /"arm", "disarm"/],
      ];
      for (const [payload, camera, code, hint] of cases) {
        const caught = nextCaught('c1');
        send(payload, { camera });
        const err = await caught;
        assert.equal(err.code, code, JSON.stringify(payload));
        assert.match(err.message, hint);
      }
      // The mode belongs to the base station: with it offline, arming cannot work.
      sim.setOnline(U.base, false);
      const caught = nextCaught('c1');
      send('disarm', { camera: U.backYard });
      const err = await caught;
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /power and network/);
      sim.setOnline(U.base, true);
      const out = nextMessage('h1');
      send('disarm', { camera: U.backYard });
      assert.deepEqual((await out).payload, { armed: false, mode: 'disarmed' });
    });

    it('reports an account without credentials as NOT_CONFIGURED', async () => {
      await load(flow(sim, 'camhub-snapshot', { camera: U.frontDoor }));
      const caught = nextCaught('c1');
      send(1);
      const err = await caught;
      assert.equal(err.code, 'NOT_CONFIGURED');
      assert.match(err.message, /email or password/);
    });
  });
});

describe('Arlo flagship example', function () {
  let sim: ArloSim;
  before(async () => {
    sim = await startArloSim({ snapDelayMs: 30 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => freshStateDir());
  afterEach(async () => {
    await unload();
  });

  it("runs unchanged on the simulated account: motion while armed -> the event's picture", async () => {
    const file = path.join(
      __dirname,
      '../../examples/04 - Arlo motion while armed, snapshot, notify.json',
    );
    const example = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
    const nodes = example
      .filter((n) => n.type !== 'file' && n.type !== 'debug')
      .map((n) =>
        n.type === 'camhub-arlo'
          ? { ...n, baseUrl: sim.url, authUrl: sim.authUrl }
          : n.name === "the event's picture"
            ? { ...n, wires: [['h1']] }
            : n,
      );
    const acc = example.find((n) => n.type === 'camhub-arlo')!.id;
    // The example uses core switch and change nodes, which the test runtime does not preload.
    const core = path.dirname(require.resolve('@node-red/nodes/package.json'));
    await helper.load(
      [
        ...NODES,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(path.join(core, 'core/function/10-switch.js')),
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(path.join(core, 'core/function/15-change.js')),
      ],
      [...nodes, { id: 'h1', type: 'helper', z: example[0].id }],
      { [acc]: { email: ARLO_USER.email, password: ARLO_USER.password } },
    );
    await until('the stream', () => sim.bus.connections.mqtt === 1 && sim.state.publishing(U.base));
    const out = nextMessage('h1');
    sim.trigger(U.frontDoor, 'motion');
    const msg = await out;
    assert.ok(Buffer.isBuffer(msg.payload));
    assert.equal((msg.camera as { id: string }).id, U.frontDoor);
  });
});
