import assert from 'node:assert/strict';
import path from 'node:path';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import {
  DIST,
  delay,
  getNode,
  load,
  nextMessage,
  redeploy,
  unload,
  type FlowNode,
} from '../helpers/nodered';

const U = REOLINK_UIDS;
// The same module instance the compiled nodes use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhookCount } = require(path.join(DIST, 'nodes', 'common', 'webhook.js')) as {
  webhookCount: () => number;
};

/** Counts of the handle kinds a leak would show up in. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return { timers: counts.Timeout ?? 0, sockets: counts.TCPSocketWrap ?? 0 };
}

function everyNode(baseUrl: string, variant: number): FlowNode[] {
  return [
    { id: 'acc', type: 'camhub-reolink', baseUrl, timeout: 5, name: `v${variant}` },
    { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['h1']] },
    { id: 'arm', type: 'camhub-arm', account: 'acc', camera: U.fixed, wires: [['h1']] },
    { id: 'snap', type: 'camhub-snapshot', account: 'acc', camera: U.fixed, wires: [['h1']] },
    { id: 'ptz', type: 'camhub-ptz', account: 'acc', camera: U.ptzOutdoor, wires: [['h1']] },
    {
      id: 'st',
      type: 'camhub-stream',
      account: 'acc',
      camera: U.fixed,
      name: `s${variant}`,
      wires: [['h1']],
    },
    { id: 'h1', type: 'helper' },
  ];
}

async function exercise(): Promise<void> {
  const got = Promise.all([nextMessage('h1'), delay(0)]);
  getNode('snap').receive({ payload: 1 });
  getNode('arm').receive({ payload: 'status' });
  getNode('ptz').receive({ payload: { action: 'stop' } });
  getNode('st').receive({ payload: 1 });
  await got;
  await delay(100);
}

describe('redeploys', function () {
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 5 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
  });

  it('leave no timer, socket or webhook behind, full and modified-nodes alike', async function () {
    this.timeout(120_000);
    await load([{ id: 'h0', type: 'helper' }]);
    await delay(200);
    const baseline = resources();

    for (let i = 0; i < 20; i++) {
      await redeploy(everyNode(sim.url, i), {}, i % 2 === 0 ? 'full' : 'nodes');
      await exercise();
    }
    // A request still in flight when the account closes must end cleanly too.
    sim.addFault({ path: '/v1.0/devices/' + U.fixed + '/snap', delayMs: 800 });
    getNode('snap').receive({ payload: 1 });
    await delay(50);
    await redeploy([{ id: 'h0', type: 'helper' }]);
    // The simulator's own delay timer for that request has to run out before counting.
    await delay(1000);

    const after = resources();
    assert.ok(after.timers <= baseline.timers, `timers ${baseline.timers} -> ${after.timers}`);
    assert.ok(after.sockets <= baseline.sockets, `sockets ${baseline.sockets} -> ${after.sockets}`);
    assert.equal(sim.server.openConnections, 0);
    assert.equal(webhookCount(), 0, 'webhook receivers');
    const res = await fetch(`${sim.url}/_sim/requests`);
    assert.equal(res.status, 200);
  });
});
