import assert from 'node:assert/strict';
import { ARLO_IDS, ARLO_USER, startArloSim, type ArloSim } from '../../simulator/arlo';
import {
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  unload,
  type FlowNode,
} from '../helpers/nodered';

const CREDS = { acc: { email: ARLO_USER.email, password: ARLO_USER.password } };
const U = ARLO_IDS;

interface Item {
  id: string;
  camera: { id: string; name: string };
  start: string;
  end: string;
  duration: number;
  labels: string[];
  thumbnailUrl?: string;
}

let stateDir = 0;

describe('camhub-recordings on Arlo in a Node-RED runtime', function () {
  let sim: ArloSim;

  before(async () => {
    sim = await startArloSim({ subscriptionTtlMs: 1000 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-arlo-rec-${process.pid}-${++stateDir}`;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  function flow(props: Record<string, unknown> = {}): FlowNode[] {
    return [
      {
        id: 'acc',
        type: 'camhub-arlo',
        baseUrl: sim.url,
        authUrl: sim.authUrl,
        timeout: 5,
        commandTimeout: 1.5,
        heartbeat: 0.3,
      },
      {
        id: 'n1',
        type: 'camhub-recordings',
        account: 'acc',
        camera: '',
        wires: [['h1']],
        ...props,
      },
      { id: 'h1', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
      { id: 'c1', type: 'helper' },
    ];
  }

  async function control(path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  }

  async function ask(payload: unknown, extra: Record<string, unknown> = {}) {
    const out = nextMessage('h1');
    getNode('n1').receive({ payload, ...extra });
    return out;
  }

  async function fails(payload: unknown, extra: Record<string, unknown> = {}) {
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload, ...extra });
    return caught;
  }

  /** 30 clips of the front door over the last 36 hours, every 72 minutes, some labelled. */
  async function seed(): Promise<number[]> {
    const now = Date.now();
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const at = now - 60_000 - i * 72 * 60_000;
      times.push(at);
      await control('/_sim/library', {
        cameraId: U.frontDoor,
        createdMs: at,
        seconds: 10 + i,
        objCategory: i % 3 === 0 ? 'Person' : undefined,
      });
    }
    await control('/_sim/library', { cameraId: U.backYard, createdMs: now - 5 * 60_000 });
    return times;
  }

  it('lists a camera library over the date range, newest first, with labels and thumbnails, up to the limit', async () => {
    const times = await seed();
    await load(flow({ camera: U.frontDoor, limit: 15 }), CREDS);
    const msg = await ask('list');
    const items = msg.payload as Item[];
    const inDay = times.filter((t) => t >= Date.now() - 86_400_000 - 5_000);
    assert.equal(items.length, Math.min(15, inDay.length));
    assert.deepEqual(
      items.map((i) => Date.parse(i.start)),
      inDay.slice(0, 15),
    );
    assert.deepEqual(items[0].camera.id, U.frontDoor);
    assert.deepEqual(items[0].labels, ['person']);
    assert.deepEqual(items[1].labels, ['motion']);
    assert.equal(items[0].duration, 10);
    assert.equal(Date.parse(items[0].end) - Date.parse(items[0].start), 10_000);
    assert.match(items[0].thumbnailUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/_s3\/library\/thumb\//);
    const calls = sim.requests({ path: '/hmsweb/users/library' });
    assert.equal(calls.length, 1);
    assert.match(String((calls[0].body as { dateFrom: string }).dateFrom), /^\d{8}$/);

    const all = await ask({ action: 'list', from: Date.now() - 2 * 86_400_000 }, { camera: '' });
    assert.ok(Array.isArray(all.payload));
  });

  it('lists every camera of the account when none is given', async () => {
    await seed();
    await load(flow({ limit: 100 }), CREDS);
    const msg = await ask({ action: 'list', from: Date.now() - 2 * 86_400_000 });
    const cams = new Set((msg.payload as Item[]).map((i) => i.camera.id));
    assert.deepEqual([...cams].sort(), [U.backYard, U.frontDoor].sort());
    assert.equal((msg.payload as Item[])[0].camera.id, U.frontDoor);
  });

  it('plays as a presigned https MP4 link, and downloads the file as a Buffer', async () => {
    await seed();
    await load(flow({ camera: U.frontDoor }), CREDS);
    const list = await ask('list');
    const id = (list.payload as Item[])[0].id;
    const played = await ask({ action: 'play', id });
    const p = played.payload as { url: string; protocol: string; expiresAt: string };
    assert.equal(p.protocol, 'https');
    assert.ok(Date.parse(p.expiresAt) > Date.now());
    const file = await fetch(p.url);
    assert.equal(file.headers.get('content-type'), 'video/mp4');

    const got = await ask({ action: 'download', id });
    const data = got.payload as Buffer;
    assert.ok(Buffer.isBuffer(data));
    assert.equal(data.toString('latin1', 4, 8), 'ftyp');
    assert.equal(got.contentType, 'video/mp4');
    assert.match(String(got.filename), /^Front_door_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.mp4$/);
    assert.deepEqual(got.camera, { id: U.frontDoor, name: 'Front door', vendor: 'arlo' });
  });

  it('refuses a file beyond maxBytes with nothing sent, and the next download works', async () => {
    await seed();
    await load(flow({ camera: U.frontDoor, maxBytes: 100_000 }), CREDS);
    const id = ((await ask('list')).payload as Item[])[0].id;
    await control('/_sim/library-files', { bytes: 5_000_000 });
    const sent = collect('h1');
    const err = await fails({ action: 'download', id });
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, /larger than the limit of 100000 bytes/);
    assert.equal(sent.msgs.length, 0);
    sent.stop();
    await control('/_sim/library-files', { bytes: 0 });
    const ok = await ask({ action: 'download', id });
    assert.ok((ok.payload as Buffer).length < 100_000);
  });

  it('a slow download ends in TIMEOUT at the command timeout; a missing or expired file says to list again', async () => {
    await seed();
    await load(flow({ camera: U.frontDoor }), CREDS);
    const id = ((await ask('list')).payload as Item[])[0].id;
    await control('/_sim/library-files', { trickleMs: 200, bytes: 200_000 });
    let err = await fails({ action: 'download', id });
    assert.equal(err.code, 'TIMEOUT');
    await control('/_sim/library-files', { trickleMs: 0, bytes: 0 });

    const name = id.slice(id.lastIndexOf(':') + 1);
    await control(`/_sim/library/${name}`, { missing: true });
    err = await fails({ action: 'download', id });
    assert.equal(err.code, 'CLOUD_ERROR');
    assert.match(err.message, /gone or its link expired; list the recordings again/);
    await control(`/_sim/library/${name}`, { missing: false });

    await control('/_sim/library-files', { urlTtlSec: 0 });
    err = await fails({ action: 'download', id });
    assert.match(err.message, /link expired/);
    await control('/_sim/library-files', { urlTtlSec: 3600 });
    const ok = await ask({ action: 'download', id });
    assert.ok(Buffer.isBuffer(ok.payload));
  });

  it("gives an event's clip once it is uploaded, and TIMEOUT when it never is", async () => {
    await load(flow(), CREDS);
    const now = Date.now();
    await control('/_sim/library', { cameraId: U.backYard, createdMs: now + 200, readyInMs: 700 });
    const event = {
      vendor: 'arlo',
      camera: { id: U.backYard, name: 'Back Yard' },
      type: 'motion',
      time: new Date(now).toISOString(),
      eventId: 'web!1:motion',
      raw: {
        resource: `cameras/${U.backYard}`,
        action: 'is',
        properties: { motionDetected: true },
      },
    };
    const camera = { id: U.backYard, name: 'Back Yard', vendor: 'arlo' };
    const msg = await ask(event, { camera });
    assert.equal((msg.payload as { protocol: string }).protocol, 'https');
    assert.ok(sim.requests({ path: '/hmsweb/users/library' }).length >= 1);

    await control('/_sim/library', {
      cameraId: U.frontDoor,
      createdMs: Date.now(),
      readyInMs: 600_000,
    });
    const err = await fails(
      { ...event, camera: { id: U.frontDoor, name: 'Front Door' }, time: new Date().toISOString() },
      { camera: { id: U.frontDoor } },
    );
    assert.equal(err.code, 'TIMEOUT');
    assert.match(err.message, /command timeout/);
  });

  it('takes payload.clip and a smart library/add event, and downloads when the node says so', async () => {
    await seed();
    await load(flow({ camera: U.frontDoor, action: 'download' }), CREDS);
    const list = (await ask('list')).payload as Item[];
    const msg = await ask({ eventId: 'x', clip: { id: list[2].id, ready: true } });
    assert.equal((msg.payload as Buffer).toString('latin1', 4, 8), 'ftyp');

    const item = await control('/_sim/library', {
      cameraId: U.frontDoor,
      objCategory: 'Vehicle',
    });
    const smart = await ask({
      vendor: 'arlo',
      type: 'vehicle',
      eventId: 't:vehicle',
      time: new Date().toISOString(),
      raw: { resource: 'library', action: 'add', properties: item },
    });
    assert.ok(Buffer.isBuffer(smart.payload));

    // The event node's own shape: payload.clip names the library item, raw is the item.
    const named = await control('/_sim/library', { cameraId: U.frontDoor, objCategory: 'Animal' });
    const viaClip = await ask({
      vendor: 'arlo',
      type: 'animal',
      eventId: `library:${U.frontDoor}:${String(named.name)}`,
      time: new Date().toISOString(),
      clip: { id: named.name, ready: true },
      raw: named,
    });
    assert.equal((viaClip.payload as Buffer).toString('latin1', 4, 8), 'ftyp');
    const list2 = (await ask('list')).payload as Item[];
    assert.ok(list2.some((i) => i.labels.includes('animal')));
  });

  it('errors: days NOT_SUPPORTED naming list, UNKNOWN_CAMERA, to before from', async () => {
    await load(flow({ camera: U.frontDoor }), CREDS);
    let err = await fails('days');
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /"list"/);
    err = await fails({ action: 'list', from: Date.now(), to: Date.now() - 1000 });
    assert.equal(err.code, 'INVALID_INPUT');
    err = await fails({ action: 'play', id: `${U.frontDoor}|nonsense` });
    assert.equal(err.code, 'INVALID_INPUT');
  });

  it('lists and downloads the cloud clips of a camera that is offline now', async () => {
    await seed();
    sim.setOnline(U.frontDoor, false);
    await load(flow({ camera: U.frontDoor }), CREDS);
    const items = (await ask('list')).payload as Item[];
    assert.ok(items.length > 0);
    const got = await ask({ action: 'download', id: items[0].id });
    assert.equal((got.payload as Buffer).toString('latin1', 4, 8), 'ftyp');
  });

  it('UNKNOWN_CAMERA for a camera the account lacks, then keeps working', async () => {
    await load(flow(), CREDS);
    const err = await fails('list', { camera: 'NOPE0000000' });
    assert.equal(err.code, 'UNKNOWN_CAMERA');
    const ok = await ask('list', { camera: U.frontDoor });
    assert.ok(Array.isArray(ok.payload));
  });
});
