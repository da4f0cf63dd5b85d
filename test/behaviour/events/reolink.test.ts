import assert from 'node:assert/strict';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../../simulator/reolink';
import {
  collect,
  delay,
  getNode,
  load,
  nextMessage,
  serveHttpNode,
  unload,
  watchStatus,
} from '../../helpers/nodered';

const U = REOLINK_UIDS;
const AUTHCODE = 'events-reolink-authcode-0123456789';

describe('Events on Reolink: one msg per alarm, armed, event-or-live', function () {
  let sim: ReolinkSim;
  let web: { url: string; close: () => Promise<void> } | undefined;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 20 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await web?.close();
    web = undefined;
    await unload();
    sim.reset();
  });

  async function start(extra: Record<string, unknown> = {}) {
    await load(
      [
        { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 5 },
        { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', wires: [['h1']], ...extra },
        { id: 'h1', type: 'helper' },
      ],
      { acc: { authcode: AUTHCODE } },
    );
    web = await serveHttpNode();
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`);
  }

  const post = (body: unknown) =>
    fetch(`${web!.url}/camhub/reolink/acc?authcode=${AUTHCODE}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });

  it('sends an MD alarm with people and vehicle as ONE person msg labelled motion, person, vehicle, armed', async () => {
    await start();
    const got = collect('h1');
    const delivery = await sim.trigger(U.fixed, { status: 'MD', aiType: 'people,vehicle' });
    assert.equal(delivery.status, 200);
    await delay(50);
    got.stop();
    assert.equal(got.msgs.length, 1);
    const p = got.msgs[0].payload as Record<string, unknown>;
    assert.equal(p.type, 'person');
    assert.deepEqual(p.labels, ['motion', 'person', 'vehicle']);
    assert.equal(p.armed, true);
    assert.equal(p.phase, 'start');
    assert.equal(p.image, undefined, 'ROP names no event picture');
    assert.equal(got.msgs[0].topic, `reolink/${U.fixed}/person`);
  });

  it('matches the type filter on any label: a vehicle node gets the person-and-vehicle alarm', async () => {
    await start({ types: ['vehicle'] });
    const out = nextMessage('h1');
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'people,vehicle' });
    const msg = await out;
    assert.equal((msg.payload as { type: string }).type, 'person');
  });

  it('treats alarm fields named like Object members as plain text and ignores bad channels', async () => {
    await start();
    const got = collect('h1');
    for (const body of [
      { uid: U.fixed, channelId: '0', status: 'toString', AItype: 'constructor,__proto__' },
      { uid: U.fixed, channelId: '99', status: 'MD', AItype: 'people' },
      { uid: U.fixed, channelId: '-1', status: 'MD', AItype: 'people' },
      { uid: U.fixed, channelId: '1.5', status: 'MD', AItype: 'people' },
    ]) {
      assert.equal((await post(body)).status, 200);
    }
    await delay(50);
    got.stop();
    assert.equal(got.msgs.length, 1, JSON.stringify(got.msgs.map((m) => m.payload)));
    const p = got.msgs[0].payload as { type: unknown; labels: unknown[] };
    assert.equal(p.type, 'other');
    assert.deepEqual(p.labels, ['other']);
    assert.ok(p.labels.every((l) => typeof l === 'string'));
  });

  it('attaches a fresh snapshot marked live when asked for event-or-live', async () => {
    await start({ image: 'event-or-live' });
    const out = nextMessage('h1');
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'people' });
    const msg = await out;
    assert.ok(Buffer.isBuffer(msg.image), 'msg.image is a Buffer');
    const jpeg = msg.image as Buffer;
    assert.equal(jpeg[0], 0xff);
    assert.equal(jpeg[1], 0xd8);
    const image = (msg.payload as { image: Record<string, unknown> }).image;
    assert.equal(image.source, 'live');
    assert.ok(!Number.isNaN(Date.parse(image.time as string)));
  });

  it('sends the event without a picture, with the error code, when event pictures are asked of ROP', async () => {
    await start({ image: 'event' });
    const status = watchStatus('ev');
    const out = nextMessage('h1');
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'people' });
    const msg = await out;
    assert.equal(msg.image, undefined);
    assert.deepEqual((msg.payload as { image: unknown }).image, { error: 'NOT_SUPPORTED' });
    // The node says why the msg came without a picture.
    assert.equal(status.at(-1)?.fill, 'yellow');
    assert.match(String(status.at(-1)?.text), /noPicture/);
  });

  it('still sends the event when the live snapshot fails, with the error code', async () => {
    await start({ image: 'event-or-live' });
    sim.addFault({
      path: '^/v1\\.0/devices/[^/]+/snap/',
      status: 400,
      count: 5,
      body: { error: { symbol: 'snap_error', message: 'snapshot failed' } },
    });
    const out = nextMessage('h1');
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'people' });
    const msg = await out;
    assert.equal(msg.image, undefined);
    const image = (msg.payload as { image: { error?: string } }).image;
    assert.equal(typeof image.error, 'string');
    assert.equal((msg.payload as { type: string }).type, 'person');
  });
  it('says armed false for an alarm from a camera whose alarm notification is off, null when it cannot be read', async () => {
    await start({ includeDisarmed: true });
    const got = collect('h1');
    // The indoor camera starts with its alarm notification off; post its alarm by hand.
    const body = { uid: U.ptzIndoor, channelId: '0', status: 'MD', AItype: 'none' };
    assert.equal((await post(body)).status, 200);
    sim.addFault({ path: `/v1.0/devices/${U.fixed}/settings/alarm`, status: 500, count: 20 });
    await post({ uid: U.fixed, channelId: '0', status: 'MD', AItype: 'people' });
    await delay(50);
    got.stop();
    assert.deepEqual(
      got.msgs.map((m) => (m.payload as { armed: unknown }).armed),
      [false, null],
    );
  });
  it('reads the alarm state again when an alarm comes from a camera last seen disarmed', async () => {
    await load(
      [
        { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 5 },
        { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', wires: [['h1']] },
        { id: 'h1', type: 'helper' },
        { id: 'arm', type: 'camhub-arm', account: 'acc', camera: U.fixed, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ],
      { acc: { authcode: AUTHCODE } },
    );
    web = await serveHttpNode();
    sim.setCallback(`${web.url}/camhub/reolink/acc?authcode=${AUTHCODE}`);
    const disarmed = nextMessage('h2');
    getNode('arm').receive({ payload: 'disarm' });
    assert.deepEqual((await disarmed).payload, { armed: false, mode: null });
    // Someone arms it in the Reolink app; camhub has not heard of it.
    const res = await fetch(`${sim.url}/v1.0/devices/${U.fixed}/settings/alarm`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    assert.equal(res.status, 200);
    const out = nextMessage('h1');
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'people' });
    assert.equal(((await out).payload as { armed: unknown }).armed, true);
  });
});
