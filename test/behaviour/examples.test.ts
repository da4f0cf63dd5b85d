import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import { demoFlows, readExamples, type FlowNode } from '../../scripts/demo-flows';
import {
  CORE_NODES,
  collect,
  delay,
  getNode,
  load,
  nextMessage,
  serveHttpNode,
  unload,
} from '../helpers/nodered';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const AUTHCODE = 'example-test-code';

/**
 * The shipped example flows, deployed as `npm start` deploys them, with file nodes swapped for
 * helper nodes so the tests see what would be written.
 */
function exampleFlows(simUrl: string): FlowNode[] {
  const { flows } = demoFlows(readExamples(EXAMPLES), { reolink: simUrl }, {});
  const uiConfig = new Set(['ui-base', 'ui-theme', 'ui-page', 'ui-group']);
  return flows
    .filter((n) => !uiConfig.has(n.type))
    .map((n) => {
      // Dashboard widgets need a browser; a helper in their place shows what they would display.
      if (n.type.startsWith('ui-'))
        return { id: n.id, z: n.z, type: 'helper', x: n.x, y: n.y, wires: n.wires ?? [] };
      // The test helper registers its catch module once per catch node, and the debug node needs
      // the editor's comms: helpers stand in for both.
      if (n.type === 'file' || n.type === 'catch' || n.type === 'debug')
        return { id: n.id, z: n.z, type: 'helper', x: n.x, y: n.y, wires: [] };
      if (n.type === 'camhub-reolink') {
        const { credentials: _credentials, ...rest } = n;
        return rest as FlowNode;
      }
      // The notification recipes' cooldown, shortened so a test need not wait 10 s.
      if (n.type === 'delay') return { ...n, nbRateUnits: '2' };
      return n;
    });
}

describe('example flows', function () {
  let sim: ReolinkSim;
  let web: { url: string; close: () => Promise<void> } | undefined;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 5 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await web?.close();
    await unload();
    sim.reset();
  });

  it('are valid flows that share one demo account per vendor', () => {
    const urls = {
      reolink: sim.url,
      blink: 'http://127.0.0.1:9',
      netatmo: 'http://127.0.0.1:1',
      arlo: 'http://127.0.0.1:2',
    };
    const { flows, accounts } = demoFlows(readExamples(EXAMPLES), urls, {});
    assert.deepEqual(Object.keys(accounts).sort(), ['arlo', 'blink', 'netatmo', 'reolink']);
    const ids = flows.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length, 'node ids are unique across examples');
    for (const n of flows) {
      if (typeof n.account === 'string') assert.ok(Object.values(accounts).includes(n.account));
    }
  });

  it('run: a person -> snapshot -> file, and motion while armed -> notification', async () => {
    await load(
      exampleFlows(sim.url),
      { 'camhub-demo-reolink': { authcode: AUTHCODE } },
      CORE_NODES,
    );
    web = await serveHttpNode();
    sim.setCallback(`${web.url}/camhub/reolink/camhub-demo-reolink?authcode=${AUTHCODE}`);
    const personFile = nextMessage('c0a1b2c3d4e5f606');
    const flagshipFile = nextMessage('c0a2b2c3d4e5f60a');
    const notified = nextMessage('c0a2b2c3d4e5f608');
    // The front yard camera is armed in the simulator's seed.
    await sim.trigger(REOLINK_UIDS.ptzOutdoor, { status: 'MD', aiType: 'people' });
    const [a, b] = await Promise.all([personFile, flagshipFile]);
    for (const msg of [a, b]) {
      assert.ok(Buffer.isBuffer(msg.payload));
      assert.equal(msg.filename, `camhub-${REOLINK_UIDS.ptzOutdoor}.jpg`);
    }
    // The picture's real size: a Buffer is one item to $count, which said "0 KB".
    const note = String((await notified).notification);
    const kb = Number(/\((\d+) KB picture\)$/.exec(note)?.[1]);
    assert.equal(kb, Math.ceil((b.payload as Buffer).length / 1024), note);
    assert.ok(kb > 0);
  });

  it('one per node type: each button gives its output', async () => {
    await load(
      exampleFlows(sim.url),
      { 'camhub-demo-reolink': { authcode: AUTHCODE } },
      CORE_NODES,
    );
    const cases: [string, string, (m: Record<string, unknown>) => void][] = [
      [
        'c0a5b2c3d4e5f603',
        'c0a5b2c3d4e5f607',
        (m) => assert.deepEqual(m.payload, { armed: true, mode: null }),
      ],
      ['c0a6b2c3d4e5f603', 'c0a6b2c3d4e5f605', (m) => assert.ok(Buffer.isBuffer(m.payload))],
      [
        'c0a7b2c3d4e5f603',
        'c0a7b2c3d4e5f609',
        (m) => assert.equal((m.payload as { action: string }).action, 'move'),
      ],
      [
        'c0a7b2c3d4e5f605',
        'c0a7b2c3d4e5f609',
        (m) => assert.equal((m.payload as { action: string }).action, 'stop'),
      ],
      [
        'c0a8b2c3d4e5f603',
        'c0a8b2c3d4e5f605',
        (m) => assert.match((m.payload as { url: string }).url, /^rtsp:/),
      ],
      [
        'c0c7b2c3d4e5f603',
        'c0c7b2c3d4e5f605',
        (m) => assert.ok((m.payload as { id: string }[]).length > 0),
      ],
      [
        'c0c7b2c3d4e5f606',
        'c0c7b2c3d4e5f608',
        (m) => assert.match((m.payload as string[])[0], /^\d{4}-\d{2}-\d{2}$/),
      ],
      [
        'c0c7b2c3d4e5f609',
        'c0c7b2c3d4e5f60d',
        (m) => assert.match((m.payload as { url: string }).url, /^rtsp:/),
      ],
    ];
    for (const [inject, out, check] of cases) {
      const msg = nextMessage(out);
      getNode(inject).receive({});
      check(await msg);
    }
  });

  it('feed the dashboard: latest picture per camera, the event log and the arm switch', async () => {
    await load(
      exampleFlows(sim.url),
      { 'camhub-demo-reolink': { authcode: AUTHCODE } },
      CORE_NODES,
    );
    web = await serveHttpNode();
    sim.setCallback(`${web.url}/camhub/reolink/camhub-demo-reolink?authcode=${AUTHCODE}`);
    // The switch learns the state at start.
    const switchState = await nextMessage('c0a9b2c3d4e5f61f', 15_000);
    assert.equal(switchState.payload, true);
    const gallery = nextMessage('c0a9b2c3d4e5f60e');
    const table = nextMessage('c0a9b2c3d4e5f615');
    await sim.trigger(REOLINK_UIDS.fixed, { status: 'MD', aiType: 'vehicle' });
    const shots = (await gallery).payload as { id: string; src: string; type: string }[];
    assert.equal(shots[0].id, REOLINK_UIDS.fixed);
    assert.match(shots[0].src, /^data:image\/jpeg;base64,\/9j\//);
    const rows = (await table).payload as {
      camera: string;
      event: string;
      labels: string;
      picture: string;
    }[];
    assert.equal(rows.length, 1, 'one row per detection');
    assert.equal(rows[0].camera, 'Driveway');
    assert.equal(rows[0].event, 'vehicle');
    assert.equal(rows[0].labels, 'motion, vehicle');
    assert.match(rows[0].picture, /^data:image\/jpeg;base64,\/9j\//);
    // Flipping the switch disarms the camera and the switch follows the confirmed state.
    const follow = nextMessage('c0a9b2c3d4e5f61f');
    getNode('c0a9b2c3d4e5f620').receive({ payload: false });
    assert.equal((await follow).payload, false);
  });

  it('low battery -> notification, from the watching camera status node', async () => {
    await load(
      exampleFlows(sim.url),
      { 'camhub-demo-reolink': { authcode: AUTHCODE } },
      CORE_NODES,
    );
    const rounds = () =>
      getNode<{ provider: { statusRounds: { ok: number } } }>('camhub-demo-reolink').provider
        .statusRounds;
    while (rounds().ok < 1) await delay(10);
    const list = nextMessage('c0b1b2c3d4e5f609');
    const notify = nextMessage('c0b1b2c3d4e5f606');
    sim.state.setBattery(sim.state.devices.get(REOLINK_UIDS.battery)!, 12);
    // Any state read of the account (here the "every camera" button) shows the watch the change.
    getNode('c0b1b2c3d4e5f607').receive({});
    assert.equal(((await list).payload as unknown[]).length, 4);
    const msg = await notify;
    assert.equal(msg.topic, `reolink/${REOLINK_UIDS.battery}/lowBattery`);
    assert.equal(msg.notification, 'Battery of Back Garden is low: 12 %');
  });

  it('stay quiet for motion on a disarmed camera', async () => {
    await load(
      exampleFlows(sim.url),
      { 'camhub-demo-reolink': { authcode: AUTHCODE } },
      CORE_NODES,
    );
    web = await serveHttpNode();
    sim.setCallback(`${web.url}/camhub/reolink/camhub-demo-reolink?authcode=${AUTHCODE}`);
    const files: unknown[] = [];
    getNode('c0a2b2c3d4e5f60a').on('input', (m) => files.push(m));
    // The living room camera starts disarmed, and a disarmed ROP device raises no alarm;
    // post the alarm by hand to prove the flow itself checks the state.
    const res = await fetch(`${web.url}/camhub/reolink/camhub-demo-reolink?authcode=${AUTHCODE}`, {
      method: 'POST',
      body: JSON.stringify({
        uid: REOLINK_UIDS.ptzIndoor,
        channelId: '0',
        status: 'MD',
        AItype: 'none',
      }),
    });
    assert.equal(res.status, 200);
    await delay(500);
    assert.equal(files.length, 0);
  });
  it('send the picture to Telegram and to ntfy, tokens from the environment, one per camera', async () => {
    const got: { path: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
    const stub = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const env = {
      TELEGRAM_BOT_TOKEN: '123456:telegram-test-token',
      TELEGRAM_CHAT_ID: '4242',
      TELEGRAM_API_URL: base,
      NTFY_URL: `${base}/my-cameras`,
      NTFY_TOKEN: 'tk_ntfy_test_token',
    };
    Object.assign(process.env, env);
    try {
      await load(
        exampleFlows(sim.url),
        { 'camhub-demo-reolink': { authcode: AUTHCODE } },
        CORE_NODES,
      );
      web = await serveHttpNode();
      sim.setCallback(`${web.url}/camhub/reolink/camhub-demo-reolink?authcode=${AUTHCODE}`);
      const sent = [collect('c0b7b2c3d4e5f60a'), collect('c0b8b2c3d4e5f60a')];
      // Five alarms of one camera, faster than the cooldown: each recipe sends the newest one,
      // at most twice (the cooldown's tick may fall between two alarms), never five times.
      for (let i = 0; i < 4; i++) {
        await sim.trigger(REOLINK_UIDS.ptzOutdoor, { status: 'MD', aiType: 'people' });
      }
      await sim.trigger(REOLINK_UIDS.ptzOutdoor, { status: 'MD', aiType: 'people,vehicle' });
      const telegram = () => got.filter((r) => r.path.startsWith('/bot'));
      const ntfy = () => got.filter((r) => r.path === '/my-cameras');
      const newest = (r: { body: Buffer; headers: http.IncomingHttpHeaders }) =>
        r.body.toString('latin1').includes('motion, person, vehicle at Front Yard') ||
        r.headers.tags === 'motion,person,vehicle';
      while (!telegram().some(newest) || !ntfy().some(newest)) await delay(20);
      while (sent[0].msgs.length < telegram().length || sent[1].msgs.length < ntfy().length)
        await delay(20);
      for (const c of sent) {
        c.stop();
        for (const m of c.msgs) {
          assert.equal(m.statusCode, 200);
          assert.ok(!JSON.stringify(m).includes(env.TELEGRAM_BOT_TOKEN), 'no token in the msg');
          assert.ok(!JSON.stringify(m).includes(env.NTFY_TOKEN), 'no token in the msg');
        }
      }
      assert.ok(telegram().length <= 2, `one per camera per cooldown: ${telegram().length}`);
      assert.ok(ntfy().length <= 2, `one per camera per cooldown: ${ntfy().length}`);
      const tg = telegram().at(-1)!;
      const nt = ntfy().at(-1)!;
      assert.ok(newest(tg) && newest(nt), 'the newest event is the one sent last');
      assert.equal(tg.path, `/bot${env.TELEGRAM_BOT_TOKEN}/sendPhoto`);
      assert.match(String(tg.headers['content-type']), /^multipart\/form-data; boundary=/);
      const form = tg.body.toString('latin1');
      assert.match(form, /name="chat_id"\r\n\r\n4242/);
      assert.match(form, /name="caption"\r\n\r\nmotion, person, vehicle at Front Yard/);
      assert.match(form, /name="photo"; filename="[A-Z0-9]+\.jpg"\r\nContent-Type: image\/jpeg/);
      assert.ok(form.includes('\xff\xd8\xff'), 'the JPEG is attached');
      assert.equal(nt.headers.authorization, `Bearer ${env.NTFY_TOKEN}`);
      assert.equal(nt.headers.title, 'person at Front Yard');
      assert.equal(nt.headers.filename, `${REOLINK_UIDS.ptzOutdoor}.jpg`);
      assert.equal(nt.body[0], 0xff);
      assert.equal(nt.body[1], 0xd8);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
      await new Promise<void>((r) => {
        stub.closeAllConnections();
        stub.close(() => r());
      });
    }
  });
});
