import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ARLO_USER, startArloSim, type ArloSim } from '../../simulator/arlo';
import { load, unload } from '../helpers/nodered';

/** Waits for a condition the simulator reports; the bound is generous, not an assertion. */
async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('an event stream whose connect is never answered', function () {
  let sim: ArloSim;
  const savedDir = process.env.CAMHUB_STATE_DIR;

  before(async () => {
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-stream-deadline-${process.pid}`;
    sim = await startArloSim({ transport: 'sse' });
  });
  after(async () => {
    await sim.close();
    fs.rmSync(`/tmp/camhub-stream-deadline-${process.pid}`, { recursive: true, force: true });
    if (savedDir === undefined) delete process.env.CAMHUB_STATE_DIR;
    else process.env.CAMHUB_STATE_DIR = savedDir;
  });
  afterEach(async () => {
    await unload();
  });

  it('Arlo SSE: gives the connect up at the account timeout and connects again', async () => {
    await load(
      [
        {
          id: 'acc',
          type: 'camhub-arlo',
          baseUrl: sim.url,
          authUrl: sim.authUrl,
          timeout: 1,
          commandTimeout: 1.5,
          heartbeat: 0.3,
        },
        { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['he']] },
        { id: 'he', type: 'helper' },
      ],
      { acc: { email: ARLO_USER.email, password: ARLO_USER.password } },
    );
    await until('the stream', () => sim.bus.connections.sse === 1);
    // The next subscribe is taken but not answered for a minute.
    sim.addFault({ path: '/hmsweb/client/subscribe', delayMs: 60_000 });
    sim.dropStream();
    await until('the stream back', () => sim.bus.connections.sse === 1);
    const subscribes = sim.requests({ path: '/hmsweb/client/subscribe' });
    assert.ok(subscribes.length >= 3, `${subscribes.length} subscribes`);
  });
});
