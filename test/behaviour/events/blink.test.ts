import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../../simulator/blink';
import { collect, delay, load, unload, type FlowNode } from '../../helpers/nodered';
import { setEnv } from '../../helpers/env';

const ID = BLINK_IDS;
const ACCOUNT = {
  id: 'acc',
  type: 'camhub-blink',
  pollInterval: 0.2,
  commandPoll: 0.02,
  commandSpacing: 0.01,
  commandTimeout: 1,
  timeout: 5,
};
const CREDS = { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } };
type Payload = Record<string, unknown> & { image?: Record<string, unknown> };

async function until(check: () => boolean, stepMs = 20): Promise<void> {
  while (!check()) await delay(stepMs);
}

describe('Events on Blink: the clip thumbnail with the token, clip, armed', function () {
  let sim: BlinkSim;
  let stateDir: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    sim = await startBlinkSim();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-events-blink-'));
    restoreEnv = setEnv({ CAMHUB_STATE_DIR: stateDir, CAMHUB_BLINK_MIN_INTERVAL_MS: '10' });
  });
  after(async () => {
    await sim.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    restoreEnv();
  });
  afterEach(async () => {
    await unload();
    sim.reset();
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.mkdirSync(stateDir, { recursive: true });
  });

  const flow = (props: Record<string, unknown>): FlowNode[] => [
    { ...ACCOUNT, baseUrl: sim.url },
    { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
  ];
  const polls = () => sim.requests({ path: /\/media\/changed$/ });

  it("sends the clip's own thumbnail, fetched with the token, the clip id and armed true", async () => {
    await load(flow({ image: 'event' }), CREDS);
    const got = collect('h1');
    await until(() => polls().length >= 1);
    sim.trigger(ID.porch, 'motion');
    await until(() => got.msgs.length >= 1);
    got.stop();
    const msg = got.msgs[0];
    const p = msg.payload as Payload;
    assert.equal(p.type, 'motion');
    assert.equal(p.armed, true);
    assert.ok(Buffer.isBuffer(msg.image));
    assert.equal((msg.image as Buffer)[0], 0xff);
    assert.equal(p.image?.source, 'event');
    assert.equal(p.image?.url, null, 'an URL that needs the token is never handed out');
    assert.equal(typeof p.image?.time, 'string');
    const clip = p.clip as { id: string; ready: boolean };
    assert.equal(clip.ready, true);
    assert.equal(clip.id, String(p.eventId));
    const thumbs = sim.requests({ path: /\/media\/thumb\// });
    assert.equal(thumbs.length, 1);
    assert.equal(thumbs[0].status, 200);
    assert.equal(thumbs[0].authScheme, 'Bearer');
    assert.ok(
      !JSON.stringify(msg).includes('/media/thumb/'),
      'the authenticated path stays inside',
    );
  });

  it('says armed false for a clip from a disarmed network', async () => {
    await load(flow({ includeDisarmed: true }), CREDS);
    const got = collect('h1');
    await until(() => polls().length >= 1);
    // Cabin is disarmed; a clip recorded just before the disarm still shows up.
    sim.trigger(ID.shed, 'motion', { force: true });
    await until(() => got.msgs.length >= 1);
    got.stop();
    assert.equal((got.msgs[0].payload as Payload).armed, false);
  });

  it('still sends the event when the thumbnail fetch fails, with the error code', async () => {
    await load(flow({ image: 'event' }), CREDS);
    const got = collect('h1');
    await until(() => polls().length >= 1);
    sim.addFault({ path: '^/rest-[^/]+/api/v2/accounts/\\d+/media/thumb/', status: 404, count: 5 });
    sim.trigger(ID.porch, 'motion');
    await until(() => got.msgs.length >= 1);
    got.stop();
    const msg = got.msgs[0];
    assert.equal(msg.image, undefined);
    const p = msg.payload as Payload;
    assert.equal(p.type, 'motion');
    assert.equal(typeof p.image?.error, 'string');
  });
});
