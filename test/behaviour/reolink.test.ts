import assert from 'node:assert/strict';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import {
  collect,
  delay,
  getNode,
  helper,
  load,
  redeploy,
  nextCaught,
  nextMessage,
  serveHttpNode,
  singleNodeFlow,
  unload,
  watchStatus,
} from '../helpers/nodered';

const U = REOLINK_UIDS;

describe('Reolink in a Node-RED runtime', function () {
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 80 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  describe('camhub-snapshot', () => {
    it('sends a fresh JPEG with contentType and camera', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url, { camera: U.ptzOutdoor }));
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 'go' });
      const msg = await out;
      const jpeg = msg.payload as Buffer;
      assert.ok(Buffer.isBuffer(jpeg));
      assert.equal(jpeg[0], 0xff);
      assert.equal(jpeg[1], 0xd8);
      assert.equal(msg.contentType, 'image/jpeg');
      assert.deepEqual(msg.camera, { id: U.ptzOutdoor, name: 'Front Yard', vendor: 'reolink' });
    });

    it('uses msg.camera when the node has no camera, and reuses the msg', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url));
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 1, camera: U.fixed, keep: 'me' });
      const msg = await out;
      assert.equal(msg.keep, 'me');
      assert.equal((msg.camera as { id: string }).id, U.fixed);
    });

    it('gives two flows asking at once a picture each, with no duplicate_snap', async () => {
      await load([
        ...singleNodeFlow('camhub-snapshot', sim.url, { camera: U.ptzOutdoor }),
        {
          id: 'n2',
          type: 'camhub-snapshot',
          account: 'acc',
          camera: U.ptzOutdoor,
          quality: 'sub',
          wires: [['h2']],
        },
        { id: 'h2', type: 'helper' },
      ]);
      const a = nextMessage('h1');
      const b = nextMessage('h2');
      getNode('n1').receive({ payload: 1 });
      getNode('n2').receive({ payload: 2 });
      const [ma, mb] = await Promise.all([a, b]);
      assert.ok(Buffer.isBuffer(ma.payload) && Buffer.isBuffer(mb.payload));
      const snaps = sim.requests({ path: /snapshot\.jpg$/ });
      assert.equal(snaps.length, 2);
      assert.ok(
        snaps.every((r) => r.status === 200),
        JSON.stringify(snaps),
      );
    });

    it('rejects a stream quality the camera lacks with INVALID_INPUT, then works', async () => {
      await load(
        singleNodeFlow('camhub-snapshot', sim.url, { camera: U.battery, quality: 'extern' }),
      );
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 1 });
      const err = await caught;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /main or sub/);
    });
  });

  describe('camhub-arm', () => {
    it('arms, reads back, disarms and reports the state the cloud confirms', async () => {
      await load(singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }));
      for (const [payload, armed] of [
        ['disarm', false],
        ['status', false],
        [true, true],
        ['', true],
        [false, false],
        ['arm', true],
      ] as const) {
        const out = nextMessage('h1');
        getNode('n1').receive({ payload });
        const msg = await out;
        assert.deepEqual(msg.payload, { armed, mode: null }, `after ${String(payload)}`);
      }
      const alarm = sim.devices().find((d) => d.uid === U.fixed);
      assert.equal((alarm as unknown as { alarmEnabled: boolean }).alarmEnabled, true);
    });

    it('answers a mode name with NOT_SUPPORTED and a wrong payload with INVALID_INPUT', async () => {
      await load(singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }));
      let caught = nextCaught('c1');
      getNode('n1').receive({ payload: 'vacation' });
      assert.equal((await caught).code, 'NOT_SUPPORTED');
      caught = nextCaught('c1');
      getNode('n1').receive({ payload: [1, 2] });
      const err = await caught;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /"arm", "disarm"/);
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 'status' });
      assert.equal(typeof ((await out).payload as { armed: boolean }).armed, 'boolean');
    });
  });

  describe('camhub-stream', () => {
    it('returns the rtsp playURL with its expiry, the same URL while the session lives', async () => {
      await load(
        singleNodeFlow('camhub-stream', sim.url, { camera: U.ptzOutdoor, quality: 'sub' }),
      );
      const first = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      const a = (await first).payload as { url: string; protocol: string; expiresAt: string };
      assert.equal(a.protocol, 'rtsp');
      assert.match(a.url, /^rtsp:\/\//);
      const ttl = Date.parse(a.expiresAt) - Date.now();
      assert.ok(ttl > 20_000 && ttl <= 30_000, `expiresAt ${a.expiresAt}`);
      const second = nextMessage('h1');
      getNode('n1').receive({ payload: 2 });
      assert.equal(((await second).payload as { url: string }).url, a.url);
    });
  });

  describe('camhub-ptz', () => {
    it('moves, stops, zooms and focuses a PTZ camera with the right methods', async () => {
      await load(singleNodeFlow('camhub-ptz', sim.url, { camera: U.ptzOutdoor }));
      for (const payload of [
        { action: 'move', direction: 'leftUp', speed: 10 },
        { action: 'stop' },
        { action: 'zoom', direction: 'in' },
        { action: 'focus', direction: 'far' },
      ]) {
        const out = nextMessage('h1');
        getNode('n1').receive({ payload });
        assert.deepEqual((await out).payload, payload);
      }
      const calls = sim
        .requests({ path: /\/ptz\// })
        .map((r) => `${r.method} ${r.path.split('/').pop()}`);
      assert.deepEqual(calls, ['POST rotate', 'POST rotate', 'PATCH zoom', 'PATCH focus']);
    });

    it('says NOT_SUPPORTED on a fixed camera and names the cameras that can', async () => {
      await load(singleNodeFlow('camhub-ptz', sim.url, { camera: U.fixed }));
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: { action: 'move', direction: 'left', speed: 5 } });
      const err = await caught;
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, new RegExp(U.ptzOutdoor));
      assert.match(err.message, new RegExp(U.ptzIndoor));
      assert.equal(sim.requests({ path: /\/ptz\// }).length, 0);
    });

    it('rejects out-of-range speed, unknown direction and a diagonal on a 4-way camera', async () => {
      await load(singleNodeFlow('camhub-ptz', sim.url));
      const cases: [unknown, string, RegExp][] = [
        [{ action: 'move', direction: 'left', speed: 65 }, U.ptzOutdoor, /1 to 64/],
        [{ action: 'move', direction: 'sideways' }, U.ptzOutdoor, /leftUp/],
        [{ action: 'zoom', direction: 'up' }, U.ptzOutdoor, /"in" or "out"/],
        [
          { action: 'move', direction: 'rightDown', speed: 3 },
          U.ptzIndoor,
          /left, right, up, down/,
        ],
        ['spin', U.ptzOutdoor, /not a PTZ command/],
      ];
      for (const [payload, camera, hint] of cases) {
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload, camera });
        const err = await caught;
        assert.equal(err.code, 'INVALID_INPUT', JSON.stringify(payload));
        assert.match(err.message, hint);
      }
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: { action: 'stop' }, camera: U.ptzIndoor });
      await out;
    });

    it('says NOT_SUPPORTED for zoom on a camera that only pans', async () => {
      await load(singleNodeFlow('camhub-ptz', sim.url, { camera: U.ptzIndoor }));
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: { action: 'zoom', direction: 'in' } });
      const err = await caught;
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Front Yard/);
    });
  });

  describe('bad input and cloud faults', () => {
    it('reports a missing camera, then an unknown one, then works with a good msg', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url));
      const status = watchStatus('n1');
      let caught = nextCaught('c1');
      getNode('n1').receive({ payload: 1 });
      let err = await caught;
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /msg\.camera/);
      caught = nextCaught('c1');
      getNode('n1').receive({ payload: 1, camera: 'ABCDEFGHIJKLMNOP' });
      err = await caught;
      assert.equal(err.code, 'UNKNOWN_CAMERA');
      assert.match(err.message, new RegExp(U.fixed));
      assert.deepEqual(status.at(-1), {
        fill: 'red',
        shape: 'ring',
        text: 'errors.UNKNOWN_CAMERA',
      });
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 1, camera: U.fixed });
      await out;
      assert.equal(status.at(-1)?.fill, 'green');
    });

    it('reports an offline camera as OFFLINE and recovers when it is back', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url, { camera: U.fixed }));
      let out = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      await out;
      sim.setOnline(U.fixed, false);
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 1 });
      const err = await caught;
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /power and network/);
      sim.setOnline(U.fixed, true);
      out = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      await out;
    });

    it('waits out a 429 Retry-After before the one retry', async () => {
      await load(singleNodeFlow('camhub-stream', sim.url, { camera: U.fixed }));
      sim.addFault({
        path: '/v1.0/devices/' + U.fixed + '/live',
        status: 429,
        retryAfter: 1,
        body: { error: { symbol: 'frequent_request', message: 'Too many requests' } },
      });
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      await out;
      const calls = sim.requests({ path: /live\/play-session$/ });
      assert.equal(calls.length, 2);
      const gap = Date.parse(calls[1].time) - Date.parse(calls[0].time);
      assert.ok(gap >= 950, `retried after ${gap} ms`);
    });

    it('fails fast with RATE_LIMITED when Retry-After is far away, and shows until when', async () => {
      await load(singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }));
      const status = watchStatus('n1');
      sim.addFault({
        path: '/v1.0/devices/' + U.fixed + '/settings/alarm',
        status: 429,
        retryAfter: 3600,
      });
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 'status' });
      const err = await caught;
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /3600 s/);
      assert.equal(status.at(-1)?.fill, 'yellow');
      assert.match(status.at(-1)?.text ?? '', /rateLimited/);
    });

    it('retries a GET through a burst of 5xx, but never resends a PUT', async () => {
      await load(singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }));
      sim.addFault({
        path: '/v1.0/devices/' + U.fixed + '/settings/alarm',
        method: 'GET',
        status: 503,
        count: 2,
      });
      let out = nextMessage('h1');
      getNode('n1').receive({ payload: 'status' });
      await out;
      assert.equal(sim.requests({ path: /settings\/alarm$/, method: 'GET' }).length, 3);

      sim.addFault({
        path: '/v1.0/devices/' + U.fixed + '/settings/alarm',
        method: 'PUT',
        status: 500,
      });
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 'arm' });
      const err = await caught;
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /HTTP 500/);
      assert.equal(sim.requests({ path: /settings\/alarm$/, method: 'PUT' }).length, 1);
      out = nextMessage('h1');
      getNode('n1').receive({ payload: 'arm' });
      assert.deepEqual((await out).payload, { armed: true, mode: null });
    });

    it('reports a malformed body as CLOUD_ERROR', async () => {
      await load(singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }));
      // The camera list is fetched first; the fault hits the alarm read that follows.
      sim.addFault({ path: '/v1.0/devices/' + U.fixed + '/settings/alarm', malformed: true });
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 'status' });
      const err = await caught;
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /not valid JSON/);
    });

    it('retries a GET after a connection reset', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url, { camera: U.fixed }));
      sim.addFault({ path: '/v1.0/devices/' + U.fixed + '/snap', reset: true });
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      assert.ok(Buffer.isBuffer((await out).payload));
    });

    it('reports a reply slower than the timeout as TIMEOUT', async () => {
      await load([
        { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 0.3 },
        { id: 'n1', type: 'camhub-ptz', account: 'acc', camera: U.ptzOutdoor, wires: [['h1']] },
        { id: 'h1', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, wires: [['c1']] },
        { id: 'c1', type: 'helper' },
      ]);
      sim.addFault({ path: '/v1.0/devices/' + U.ptzOutdoor + '/ptz', delayMs: 1500 });
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: { action: 'move', direction: 'left', speed: 5 } });
      const err = await caught;
      assert.equal(err.code, 'TIMEOUT');
      // A move is not idempotent: a lost reply is not resent.
      await delay(1600);
      assert.equal(sim.requests({ path: /ptz\/rotate$/ }).length, 1);
    });

    it('wakes a sleeping battery camera', async () => {
      await load(singleNodeFlow('camhub-snapshot', sim.url, { camera: U.battery }));
      sim.setAsleep(U.battery, true);
      const out = nextMessage('h1');
      getNode('n1').receive({ payload: 1 });
      assert.ok(Buffer.isBuffer((await out).payload));
    });
  });

  describe('status', () => {
    it('shows connecting while the account connects, then clears it', async () => {
      // A slow camera list keeps the account connecting long enough to be seen.
      sim.addFault({ path: '/v1.0/devices', method: 'GET', delayMs: 500 });
      await load([
        ...singleNodeFlow('camhub-arm', sim.url, { camera: U.fixed }),
        { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [[]] },
      ]);
      await delay(900);
      // Every status call of the runtime, including those made while the flow was starting.
      const spy = (
        helper as unknown as {
          _NodePrototype: {
            status: { getCalls(): { thisValue: { id: string }; args: unknown[] }[] };
          };
        }
      )._NodePrototype.status;
      const of = (id: string) =>
        spy
          .getCalls()
          .filter((c) => c.thisValue.id === id)
          .map((c) => (c.args[0] ?? {}) as { text?: string });
      const arm = of('n1');
      const i = arm.findIndex((st) => st.text === 'status.connecting');
      assert.ok(i >= 0, `the arm node showed connecting: ${JSON.stringify(arm)}`);
      assert.deepEqual(arm.at(-1), {}, `and cleared it once connected: ${JSON.stringify(arm)}`);
      assert.equal(of('ev').at(-1)?.text, 'status.listening');
    });
  });

  describe('accounts', () => {
    it('shares one session: many nodes, one device listing', async () => {
      await load([
        ...singleNodeFlow('camhub-snapshot', sim.url, { camera: U.fixed }),
        { id: 'n2', type: 'camhub-arm', account: 'acc', camera: U.fixed, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
        { id: 'n3', type: 'camhub-stream', account: 'acc', camera: U.fixed, wires: [['h3']] },
        { id: 'h3', type: 'helper' },
      ]);
      const all = Promise.all([nextMessage('h1'), nextMessage('h2'), nextMessage('h3')]);
      getNode('n1').receive({ payload: 1 });
      getNode('n2').receive({ payload: 'status' });
      getNode('n3').receive({ payload: 1 });
      await all;
      assert.equal(sim.requests({ path: /^\/v1\.0\/devices$/ }).length, 1);
    });

    it('reports NOT_CONFIGURED for a node without an account, and for a vendor not supported yet', async () => {
      await load([
        { id: 'n1', type: 'camhub-snapshot', account: '', camera: U.fixed, wires: [['h1']] },
        { id: 'h1', type: 'helper' },
        { id: 'acc2', type: 'camhub-arlo', baseUrl: '' },
        { id: 'n2', type: 'camhub-snapshot', account: 'acc2', camera: 'x', wires: [['h1']] },
        { id: 'catch', type: 'catch', scope: null, wires: [['c1']] },
        { id: 'c1', type: 'helper' },
      ]);
      let caught = nextCaught('c1');
      getNode('n1').receive({ payload: 1 });
      let err = await caught;
      assert.equal(err.code, 'NOT_CONFIGURED');
      assert.match(err.message, /choose a camhub account/);
      caught = nextCaught('c1');
      getNode('n2').receive({ payload: 1 });
      err = await caught;
      assert.equal(err.code, 'NOT_CONFIGURED');
      assert.match(err.message, /Arlo/);
    });
  });
});

describe('Reolink behind a Basic-auth gateway', function () {
  let sim: ReolinkSim;
  const flow = (baseUrl: string) => singleNodeFlow('camhub-snapshot', baseUrl, { camera: U.fixed });

  before(async () => {
    sim = await startReolinkSim({ auth: { username: 'partner', password: 'right-pass' } });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  it('turns a wrong password into AUTH_FAILED, and works once the credentials are fixed', async () => {
    await load(flow(sim.url), { acc: { username: 'partner', password: 'wrong-pass' } });
    const status = watchStatus('n1');
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload: 1 });
    const err = await caught;
    assert.equal(err.code, 'AUTH_FAILED');
    assert.match(err.message, /Check the username and password/);
    assert.doesNotMatch(JSON.stringify(err), /wrong-pass/);
    assert.ok(
      status.some((s) => s.text === 'errors.AUTH_FAILED' || s.text === 'status.authFailed'),
    );

    await redeploy(flow(sim.url), { acc: { username: 'partner', password: 'right-pass' } });
    const out = nextMessage('h1');
    getNode('n1').receive({ payload: 1 });
    assert.ok(Buffer.isBuffer((await out).payload));
  });

  it("turns the seed's 403 auth_failed into AUTH_FAILED", async () => {
    await load(flow(sim.url), { acc: { username: 'partner', password: 'right-pass' } });
    sim.addFault({
      path: '/v1.0/devices',
      status: 403,
      body: { error: { symbol: 'auth_failed', message: 'Authentication failed' } },
    });
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload: 1 });
    assert.equal((await caught).code, 'AUTH_FAILED');
  });
});

describe('Reolink alarm webhook', function () {
  let sim: ReolinkSim;
  let web: { url: string; close: () => Promise<void> };
  const AUTHCODE = 'hook-secret-123';

  const flow = (sim: ReolinkSim, extra: Record<string, unknown> = {}) => [
    { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url },
    {
      id: 'ev',
      type: 'camhub-event',
      account: 'acc',
      camera: '',
      types: [],
      wires: [['h1']],
      ...extra,
    },
    { id: 'h1', type: 'helper' },
  ];

  before(async () => {
    sim = await startReolinkSim();
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await web?.close();
    await unload();
    sim.reset();
  });

  async function start(extra: Record<string, unknown> = {}) {
    await load(flow(sim, extra), { acc: { authcode: AUTHCODE } });
    web = await serveHttpNode();
  }

  it('turns an alarm with the authcode in the URL into one unified event', async () => {
    await start();
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`);
    const got = collect('h1');
    const delivery = await sim.trigger(U.ptzOutdoor, { status: 'MD', aiType: 'people' });
    assert.equal(delivery.status, 200);
    await delay(50);
    got.stop();
    const types = got.msgs.map((m) => (m.payload as { type: string }).type).sort();
    assert.deepEqual(types, ['person']);
    const person = got.msgs.find((m) => (m.payload as { type: string }).type === 'person')!;
    assert.deepEqual((person.payload as { labels: string[] }).labels, ['motion', 'person']);
    assert.equal(person.topic, `reolink/${U.ptzOutdoor}/person`);
    const p = person.payload as Record<string, unknown>;
    assert.equal(p.vendor, 'reolink');
    assert.deepEqual(p.camera, { id: U.ptzOutdoor, name: 'Front Yard' });
    assert.ok(!Number.isNaN(Date.parse(p.time as string)));
    assert.equal(typeof p.eventId, 'string');
    assert.equal((p.raw as { AItype: string }).AItype, 'people');
  });

  it("accepts the seed's Bearer header and AItpe spelling, and maps dog_cat to animal", async () => {
    await start({ types: ['animal'] });
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`);
    const out = nextMessage('h1');
    const delivery = await sim.trigger(U.fixed, {
      status: 'none',
      aiType: 'dog_cat',
      field: 'AItpe',
      auth: 'bearer',
    } as never);
    assert.equal(delivery.status, 200);
    const msg = await out;
    assert.equal((msg.payload as { type: string }).type, 'animal');
  });

  it('refuses a wrong or missing authcode with 401 and emits nothing', async () => {
    await start();
    const got = collect('h1');
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=wrong`);
    assert.equal((await sim.trigger(U.fixed)).status, 401);
    sim.setCallback(`${web.url}/camhub/reolink/acc`);
    assert.equal((await sim.trigger(U.fixed)).status, 401);
    const res = await fetch(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`, {
      method: 'POST',
      body: 'not json',
    });
    assert.equal(res.status, 400);
    const huge = await fetch(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`, {
      method: 'POST',
      body: JSON.stringify({ uid: REOLINK_UIDS.fixed, pad: 'x'.repeat(100_000) }),
    });
    assert.equal(huge.status, 413);
    await delay(50);
    got.stop();
    assert.equal(got.msgs.length, 0);
  });

  it('filters by camera and type', async () => {
    await start({ camera: U.fixed, types: ['vehicle'] });
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`);
    const got = collect('h1');
    await sim.trigger(U.ptzOutdoor, { aiType: 'vehicle' });
    await sim.trigger(U.fixed, { aiType: 'people' });
    await sim.trigger(U.fixed, { aiType: 'vehicle' });
    await delay(50);
    got.stop();
    assert.deepEqual(
      got.msgs.map((m) => m.topic),
      [`reolink/${U.fixed}/vehicle`],
    );
  });

  it('answers 404 once the account is gone', async () => {
    await start();
    await redeploy([{ id: 'x', type: 'helper' }]);
    const res = await fetch(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(res.status, 404);
  });
});
