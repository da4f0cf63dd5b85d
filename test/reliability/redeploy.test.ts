import assert from 'node:assert/strict';
import path from 'node:path';
import { ARLO_IDS, ARLO_USER } from '../../simulator/arlo';
import { DEFAULT_BLINK_EMAIL, DEFAULT_BLINK_PASSWORD } from '../../simulator/blink';
import { REOLINK_UIDS } from '../../simulator/reolink';
import { spawn, type ChildProcess } from 'node:child_process';
import { freeSimBase } from '../browser/demo';
import {
  DIST,
  delay,
  getNode,
  load,
  redeploy,
  unload,
  collect,
  runtimeHandles,
  type FlowNode,
} from '../helpers/nodered';

// The same module instance the compiled nodes use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhookCount } = require(path.join(DIST, 'nodes', 'common', 'webhook.js')) as {
  webhookCount: () => number;
};

const REDEPLOYS = Number(process.env.REDEPLOYS || 100);

/** Handle kinds a leak shows up in; the simulators run in this process, so both ends count. */
function resources(): { timers: number; sockets: number } {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return { timers: counts.Timeout ?? 0, sockets: counts.TCPSocketWrap ?? 0 };
}

interface Sims {
  urls: Record<string, string>;
  accountConfigs: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The simulated clouds in a process of their own, so that every timer and socket counted here
 * belongs to Node-RED and camhub, not to a simulator's own bookkeeping.
 */
async function spawnSims(): Promise<Sims> {
  const base = await freeSimBase();
  const child: ChildProcess = spawn(process.execPath, [path.join(DIST, 'simulator', 'index.js')], {
    env: {
      ...process.env,
      CAMHUB_SIM_PORT: String(base),
      CAMHUB_SIM_NETATMO_CLIENT_ID: 'leak-app',
      CAMHUB_SIM_NETATMO_CLIENT_SECRET: 'leak-secret',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const urls: Record<string, string> = {};
  for (let i = 0; i < 1200 && Object.keys(urls).length < 4; i++) {
    for (const m of out.matchAll(/(\w+) simulator listening on (http:\/\/\S+)/g)) urls[m[1]] = m[2];
    await delay(50);
  }
  assert.equal(Object.keys(urls).length, 4, out);
  const arloPort = Number(new URL(urls.arlo).port);
  return {
    urls,
    // Arlo's auth host listens 10 above its API host (simulator/index.ts).
    accountConfigs: { arlo: { authUrl: `http://127.0.0.1:${arloPort + 10}` } },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('100 redeploys of every node type on four accounts', function () {
  this.timeout(600_000);
  let sims: Sims;

  before(async () => {
    sims = await spawnSims();
  });
  after(async () => {
    await sims?.close();
  });
  afterEach(async () => {
    await unload();
  });

  const cameras: Record<string, string> = {
    reolink: REOLINK_UIDS.fixed,
    blink: '5001',
    arlo: ARLO_IDS.frontDoor,
    netatmo: '70:ee:50:00:00:01',
  };
  const credentials = {
    'acc-reolink': { authcode: 'leak-code' },
    'acc-blink': { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD },
    'acc-arlo': { email: ARLO_USER.email, password: ARLO_USER.password },
    'acc-netatmo': { clientId: 'leak-app', clientSecret: 'leak-secret' },
  };

  function flow(variant: number): FlowNode[] {
    const nodes: FlowNode[] = [];
    for (const vendor of Object.keys(cameras).filter(
      (v) => !process.env.ONLY || v === process.env.ONLY,
    )) {
      const acc = `acc-${vendor}`;
      nodes.push({
        id: acc,
        type: `camhub-${vendor}`,
        baseUrl: sims.urls[vendor],
        ...(sims.accountConfigs[vendor] ?? {}),
        timeout: 10,
      });
      for (const kind of ['event', 'arm', 'snapshot', 'ptz', 'stream', 'device', 'control']) {
        nodes.push({
          id: `${vendor}-${kind}`,
          type: `camhub-${kind}`,
          account: acc,
          camera: kind === 'event' ? '' : cameras[vendor],
          types: [],
          name: kind === 'stream' ? `v${variant}` : '',
          // A watching status node starts the account's state loop, which a redeploy must end.
          ...(kind === 'device' ? { watch: true } : {}),
          wires: [['out']],
        });
      }
    }
    nodes.push({ id: 'out', type: 'helper' });
    return nodes;
  }

  it('leave timers, sockets and webhook receivers at their baseline', async () => {
    await load([{ id: 'idle', type: 'helper' }]);
    await delay(300);
    const baseline = resources();
    const handles = runtimeHandles();
    for (let i = 0; i < REDEPLOYS; i++) {
      await redeploy(flow(i), credentials, i % 2 === 0 ? 'full' : 'nodes');
      if (i % 10 === 0) {
        // Real work now and then, and one request left in flight when the next deploy closes it.
        const outs = collect('out');
        for (const id of ['reolink-snapshot', 'arlo-stream', 'blink-arm', 'netatmo-stream']) {
          if (!process.env.ONLY || id.startsWith(process.env.ONLY)) {
            getNode(id).receive({ payload: id.endsWith('arm') ? 'status' : 1 });
          }
        }
        for (let t = 0; t < 200 && outs.msgs.length < 1; t++) await delay(25);
        outs.stop();
      }
    }
    await redeploy([{ id: 'idle', type: 'helper' }]);
    await delay(1500);
    const after = resources();
    assert.ok(after.timers <= baseline.timers, `timers ${baseline.timers} -> ${after.timers}`);
    assert.ok(after.sockets <= baseline.sockets, `sockets ${baseline.sockets} -> ${after.sockets}`);
    assert.equal(webhookCount(), 0, 'webhook receivers');
    assert.deepEqual(runtimeHandles(), handles, 'HTTP routes and runtime event listeners');
  });
});
