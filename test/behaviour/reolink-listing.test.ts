import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REOLINK_SEED,
  startReolinkSim,
  type ReolinkDeviceSeed,
  type ReolinkSim,
} from '../../simulator/reolink';
import { helper, load, redeploy, singleNodeFlow, unload } from '../helpers/nodered';

/** n powered cameras like the seed's fixed bullet, with unique uids and names. */
function cameras(n: number): ReolinkDeviceSeed[] {
  const template = REOLINK_SEED.find((d) => d.model === 'RLC-810A') ?? REOLINK_SEED[0];
  return Array.from({ length: n }, (_, i) => ({
    ...template,
    uid: `LIST${String(i).padStart(12, '0')}`,
    deviceName: `Camera ${i + 1}`,
    recordings: [],
  }));
}

/**
 * ROP lists devices without names (vendor-facts 4.3): a name is one general-config call per
 * camera. A 100-camera account must not cost 100 sequential round trips, nor a burst of 100.
 */
describe('Reolink camera listing at scale', function () {
  let sim: ReolinkSim;
  let stateDir: string;
  const savedDir = process.env.CAMHUB_STATE_DIR;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-reolink-listing-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    sim = await startReolinkSim({ devices: cameras(100) });
  });
  after(async () => {
    await sim.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    if (savedDir === undefined) delete process.env.CAMHUB_STATE_DIR;
    else process.env.CAMHUB_STATE_DIR = savedDir;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  const list = async (): Promise<{ id: string; name: string }[]> => {
    const res = await helper.request().get('/camhub/accounts/acc/cameras?refresh=1');
    assert.equal(res.status, 200, res.text);
    return (res.body as { data: { id: string; name: string }[] }).data;
  };
  const nameReads = () => sim.requests({ path: /\/settings\/general-config$/ }).length;

  it('reads the names concurrently, at most 64 at a time, and keeps them across a redeploy', async () => {
    // A round trip long enough that calls sent together overlap in the simulator; nothing
    // here is timed, only counted.
    sim.server.latency.set({ rttMs: 30, jitterMs: 0 });
    const flow = singleNodeFlow('camhub-snapshot', sim.url, { camera: cameras(1)[0].uid });
    await load(flow);
    sim.clearRequests();
    sim.server.resetConcurrency();
    const cams = await list();
    assert.equal(cams.length, 100);
    assert.equal(cams.find((c) => c.id === 'LIST000000000099')?.name, 'Camera 100');
    assert.equal(nameReads(), 100, 'each name once');
    const { peak } = sim.server.concurrency();
    assert.ok(peak > 1, `names read one at a time (peak ${peak})`);
    assert.ok(peak <= 64, `more than 64 requests at once (peak ${peak})`);

    // A full redeploy starts a new provider: the names it kept need no call.
    await redeploy(flow, {}, 'full');
    sim.clearRequests();
    const again = await list();
    assert.equal(again.find((c) => c.id === 'LIST000000000042')?.name, 'Camera 43');
    assert.equal(nameReads(), 0);
    assert.equal(sim.requests({ path: /^\/v1\.0\/devices$/ }).length, 1);
  });
});
