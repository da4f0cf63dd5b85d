import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../../simulator/netatmo';
import {
  collect,
  load,
  nextMessage,
  serveHttpAdmin,
  serveHttpNode,
  unload,
  type FlowNode,
} from '../../helpers/nodered';
import { connectNetatmo, until } from '../../helpers/netatmo';

const I = NETATMO_IDS;
type Server = { url: string; close: () => Promise<void> };
type Payload = Record<string, unknown> & {
  image?: Record<string, unknown>;
  persons?: { name: string | null }[];
};

describe('Events on Netatmo: pictures, clips, armed, persons filter', function () {
  let sim: NetatmoSim;
  let admin: Server | undefined;
  let web: Server | undefined;
  let stateDir: string;

  const flow = (nodes: Record<string, unknown>[]): FlowNode[] => [
    { id: 'acc', type: 'camhub-netatmo', baseUrl: sim.url, timeout: 5, pollInterval: 0.1 },
    ...nodes.map((n, i) => ({
      id: `ev${i + 1}`,
      type: 'camhub-event',
      account: 'acc',
      camera: '',
      types: [],
      wires: [[`h${i + 1}`]],
      ...n,
    })),
    ...nodes.map((_, i) => ({ id: `h${i + 1}`, type: 'helper' })),
  ];
  const polls = () =>
    sim.requests({ path: '/api/getevents' }).filter((r) => r.status === 200).length;

  async function start(nodes: Record<string, unknown>[]) {
    await load(flow(nodes), { acc: { clientId: sim.clientId, clientSecret: sim.clientSecret } });
    admin = await serveHttpAdmin();
    await connectNetatmo(admin.url, sim);
    await until('the first poll', () => polls() > 0);
  }

  before(async () => {
    sim = await startNetatmoSim();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-events-netatmo-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await admin?.close();
    await web?.close();
    admin = web = undefined;
    await unload();
    sim.reset();
    delete process.env.CAMHUB_STATE_DIR;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("attaches the event's own picture from its public snapshot URL, names the clip and says armed", async () => {
    await start([{ image: 'event' }]);
    const out = nextMessage('h1');
    await sim.trigger(I.welcome, { type: 'movement' });
    const msg = await out;
    const p = msg.payload as Payload;
    assert.equal(p.type, 'motion');
    assert.deepEqual(p.labels, ['motion']);
    assert.equal(p.armed, true, 'the Welcome camera is monitoring');
    assert.ok(Buffer.isBuffer(msg.image));
    assert.equal((msg.image as Buffer)[0], 0xff);
    assert.equal(p.image?.source, 'event');
    assert.match(String(p.image?.url), /^http:\/\/127\.0\.0\.1:\d+\/netatmocameraimage\//);
    assert.equal(typeof p.image?.time, 'string');
    const clip = p.clip as { id: string; ready: boolean };
    assert.equal(typeof clip.id, 'string');
    assert.equal(clip.ready, true);
    // The public link was fetched without the account's token.
    const fetched = sim.requests({ path: '/netatmocameraimage/' });
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0].authScheme ?? null, null);
  });

  it('says armed null for the Doorbell, which has no monitoring', async () => {
    await start([{}]);
    const out = nextMessage('h1');
    await sim.trigger(I.doorbell, { type: 'doorbell' });
    const p = (await out).payload as Payload;
    assert.equal(p.type, 'doorbell');
    assert.equal(p.armed, null);
  });

  it('still sends the event when its picture cannot be fetched, with the error code', async () => {
    await start([{ image: 'event' }]);
    sim.addFault({ path: '/netatmocameraimage/', status: 503, count: 10 });
    const out = nextMessage('h1');
    await sim.trigger(I.welcome, { type: 'movement' });
    const msg = await out;
    assert.equal(msg.image, undefined);
    const p = msg.payload as Payload;
    assert.equal(p.type, 'motion');
    assert.equal(p.image?.source, 'event');
    assert.equal(typeof p.image?.error, 'string');
  });

  it('fetches a push picture named by snapshot_id and snapshot_key with the token', async () => {
    await start([{ image: 'event' }]);
    web = await serveHttpNode();
    // A real picture of the simulated cloud, named the old way (id and key, no URL).
    const { id, key } = sim.state.picture();
    const body = JSON.stringify({
      event_type: 'movement',
      push_type: 'NACamera-movement',
      event_id: 'push-with-id-and-key',
      camera_id: I.welcome,
      home_id: I.home,
      snapshot_id: id,
      snapshot_key: key,
    });
    const got = collect('h1');
    const res = await fetch(`${web.url}/camhub/netatmo/acc`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Netatmo-secret': createHmac('sha256', sim.clientSecret).update(body).digest('hex'),
      },
      body,
    });
    assert.equal(res.status, 200);
    await until('the pushed event', () =>
      got.msgs.some((m) => (m.payload as Payload).eventId === 'push-with-id-and-key'),
    );
    got.stop();
    const msg = got.msgs.find((m) => (m.payload as Payload).eventId === 'push-with-id-and-key')!;
    assert.ok(Buffer.isBuffer(msg.image));
    const p = msg.payload as Payload;
    assert.equal(p.image?.url, null, 'a picture that needs the token is not handed out');
    assert.equal(p.image?.source, 'event');
    const asked = sim.requests({ path: '/api/getcamerapicture' });
    assert.equal(asked.at(-1)?.status, 200);
  });

  it('filters faces: known, unknown, or by name', async () => {
    await start([
      { persons: 'known' },
      { persons: 'unknown' },
      { persons: 'Bob, alice' },
      { persons: 'any' },
    ]);
    const got = [collect('h1'), collect('h2'), collect('h3'), collect('h4')];
    await sim.trigger(I.welcome, { type: 'person', known: true });
    await sim.trigger(I.welcome, { type: 'person', known: false });
    await sim.trigger(I.welcome, { type: 'movement' });
    await until('all three events at the unfiltered node', () => got[3].msgs.length >= 3);
    const names = (i: number) =>
      got[i].msgs.map((m) => (m.payload as Payload).persons?.map((x) => x.name));
    got.forEach((g) => g.stop());
    assert.deepEqual(names(0), [['Alice']]);
    assert.deepEqual(names(1), [[null]]);
    assert.deepEqual(names(2), [['Alice']]);
  });
});
