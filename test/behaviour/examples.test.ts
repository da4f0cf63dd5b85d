import assert from 'node:assert/strict';
import path from 'node:path';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import { demoFlows, readExamples, type FlowNode } from '../../scripts/demo-flows';
import {
  CORE_NODES,
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
    // The front yard camera is armed in the simulator's seed.
    await sim.trigger(REOLINK_UIDS.ptzOutdoor, { status: 'MD', aiType: 'people' });
    const [a, b] = await Promise.all([personFile, flagshipFile]);
    for (const msg of [a, b]) {
      assert.ok(Buffer.isBuffer(msg.payload));
      assert.equal(msg.filename, `camhub-${REOLINK_UIDS.ptzOutdoor}.jpg`);
    }
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
        'c0b1b2c3d4e5f603',
        'c0b1b2c3d4e5f605',
        (m) => assert.ok((m.payload as { id: string }[]).length > 0),
      ],
      [
        'c0b1b2c3d4e5f606',
        'c0b1b2c3d4e5f608',
        (m) => assert.match((m.payload as string[])[0], /^\d{4}-\d{2}-\d{2}$/),
      ],
      [
        'c0b1b2c3d4e5f609',
        'c0b1b2c3d4e5f60d',
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
    const rows = (await table).payload as { camera: string; event: string }[];
    assert.equal(rows[0].camera, 'Driveway');
    // Flipping the switch disarms the camera and the switch follows the confirmed state.
    const follow = nextMessage('c0a9b2c3d4e5f61f');
    getNode('c0a9b2c3d4e5f620').receive({ payload: false });
    assert.equal((await follow).payload, false);
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
});
