import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';
import {
  getNode,
  load,
  nextCaught,
  nextMessage,
  serveHttpAdmin,
  unload,
  type FlowNode,
} from '../helpers/nodered';
import { connectNetatmo } from '../helpers/netatmo';

const I = NETATMO_IDS;

interface Item {
  id: string;
  camera: { id: string; name: string };
  start: string;
  labels: string[];
  eventId?: string;
  thumbnailUrl?: string;
}

describe('camhub-recordings on Netatmo in a Node-RED runtime', function () {
  let sim: NetatmoSim;
  let admin: { url: string; close: () => Promise<void> } | undefined;
  let stateDir: string;

  before(async () => {
    sim = await startNetatmoSim();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-netatmo-rec-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await admin?.close();
    admin = undefined;
    await unload();
    sim.reset();
    fs.rmSync(stateDir, { recursive: true, force: true });
    delete process.env.CAMHUB_STATE_DIR;
  });

  async function start(props: Record<string, unknown> = {}): Promise<void> {
    const flow: FlowNode[] = [
      {
        id: 'acc',
        type: 'camhub-netatmo',
        baseUrl: sim.url,
        timeout: 5,
        pollInterval: 60,
        commandTimeout: 1.5,
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
    await load(flow, { acc: { clientId: sim.clientId, clientSecret: sim.clientSecret } });
    admin = await serveHttpAdmin();
    await connectNetatmo(admin.url, sim);
  }

  async function control(p: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${sim.url}${p}`, { method: 'POST', body: JSON.stringify(body) });
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

  it('lists the event videos of a camera newest first across getevents pages, with labels', async () => {
    await start({ camera: I.presence, limit: 100 });
    for (let i = 0; i < 30; i++)
      await sim.trigger(I.presence, { type: i % 2 ? 'vehicle' : 'human' });
    for (let i = 0; i < 30; i++) await sim.trigger(I.welcome, { type: 'movement' });
    const msg = await ask('list');
    const items = msg.payload as Item[];
    const expected = sim.state.events.filter((e) => e.module_id === I.presence && e.video_id);
    assert.equal(items.length, expected.length);
    assert.ok(items.length >= 30);
    assert.ok(items.every((i) => i.camera.id === I.presence));
    const starts = items.map((i) => i.start);
    assert.deepEqual(starts, [...starts].sort().reverse());
    assert.ok(items.some((i) => i.labels.includes('vehicle')));
    assert.ok(items.some((i) => i.labels.includes('person')));
    assert.match(items[0].thumbnailUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(items[0].eventId);
    const pages = sim.requests({ path: '/api/getevents' }).filter((r) => r.query.event_id);
    assert.ok(pages.length >= 1, 'followed the event_id cursor');
  });

  it('a camera that went away since the last list is OFFLINE, its videos being on it; back, it lists again', async () => {
    await start({ camera: I.welcome });
    await sim.trigger(I.welcome, { type: 'movement' });
    assert.ok(((await ask('list')).payload as Item[]).length >= 1);
    await sim.disconnect(I.welcome);
    const err = await fails('list');
    assert.equal(err.code, 'OFFLINE', err.message);
    await sim.reconnect(I.welcome);
    assert.ok(((await ask('list')).payload as Item[]).length >= 1);
  });

  it('plays a video as HLS from the camera; download is NOT_SUPPORTED naming play', async () => {
    await start({ camera: I.welcome });
    await sim.trigger(I.welcome, { type: 'movement' });
    const id = ((await ask('list')).payload as Item[])[0].id;
    const msg = await ask({ action: 'play', id });
    const p = msg.payload as { url: string; protocol: string; expiresAt: null };
    assert.equal(p.protocol, 'hls');
    assert.equal(p.expiresAt, null);
    const videoId = id.split('|')[1];
    assert.match(p.url, new RegExp(`/vod/${videoId}/files/high/index\\.m3u8$`));
    const playlist = await (await fetch(p.url)).text();
    assert.match(playlist, /#EXT-X-ENDLIST/);

    const err = await fails({ action: 'download', id });
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /"play"/);
  });

  it('an event wired in gets its video once the camera stops recording, TIMEOUT when it never does', async () => {
    await start();
    await control('/_sim/videos', { recordingMs: 700 });
    const t = await sim.trigger(I.welcome, { type: 'movement' });
    assert.equal(t.event?.video_status, 'recording');
    const event = {
      vendor: 'netatmo',
      camera: { id: I.welcome, name: 'x' },
      type: 'motion',
      time: new Date((t.event?.time ?? 0) * 1000).toISOString(),
      eventId: t.event?.id,
      raw: {},
    };
    const msg = await ask(event, { camera: { id: I.welcome } });
    assert.match((msg.payload as { url: string }).url, new RegExp(`/vod/${t.event?.video_id}/`));

    const never = await sim.trigger(I.welcome, { type: 'movement' });
    await control(`/_sim/videos/${never.event?.video_id}`, { status: 'recording' });
    const err = await fails(
      { eventId: never.event?.id, clip: { ready: false } },
      { camera: I.welcome },
    );
    assert.equal(err.code, 'TIMEOUT');
  });

  it("camera event -> recordings: the event node's clip, played once the camera stops recording", async () => {
    const flow: FlowNode[] = [
      {
        id: 'acc',
        type: 'camhub-netatmo',
        baseUrl: sim.url,
        timeout: 5,
        pollInterval: 0.1,
        commandTimeout: 5,
      },
      {
        id: 'ev',
        type: 'camhub-event',
        account: 'acc',
        camera: I.welcome,
        types: [],
        wires: [['n1', 'h2']],
      },
      { id: 'n1', type: 'camhub-recordings', account: 'acc', camera: '', wires: [['h1']] },
      { id: 'h1', type: 'helper' },
      { id: 'h2', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
      { id: 'c1', type: 'helper' },
    ];
    await load(flow, { acc: { clientId: sim.clientId, clientSecret: sim.clientSecret } });
    admin = await serveHttpAdmin();
    await connectNetatmo(admin.url, sim);
    await control('/_sim/videos', { recordingMs: 800 });
    // Once the poller has asked once, a new event is news to it.
    while (sim.requests({ path: '/api/getevents' }).length === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const event = nextMessage('h2', 15_000);
    const out = nextMessage('h1', 15_000);
    const t = await sim.trigger(I.welcome, { type: 'movement' });
    const e = await event;
    const clip = (e.payload as { clip?: { id: string; ready: boolean } }).clip;
    // Still recording when the event goes out: the recordings node waits for it.
    assert.deepEqual(clip, { id: t.event?.video_id, ready: false });
    const msg = await out;
    assert.match((msg.payload as { url: string }).url, new RegExp(`/vod/${t.event?.video_id}/`));
  });

  it('errors: a camera without a card is NOT_SUPPORTED, a deleted video says list again, days NOT_SUPPORTED', async () => {
    await start({ camera: I.welcome });
    await sim.trigger(I.welcome, { type: 'movement' });
    const items = (await ask('list')).payload as Item[];
    await control(`/_sim/videos/${items[0].id.split('|')[1]}`, { status: 'deleted' });
    let err = await fails({ action: 'play', id: items[0].id });
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, /list the recordings again/);

    await control(`/_sim/cameras/${I.welcome}/sd`, { status: 1 });
    await unload();
    await admin?.close();
    await start({ camera: I.welcome });
    err = await fails('list');
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /no micro SD card/);
    err = await fails('days');
    assert.equal(err.code, 'NOT_SUPPORTED');
    await unload();
    await admin?.close();
    await start();
    err = await fails('list', { camera: I.doorbell });
    assert.equal(err.code, 'NOT_SUPPORTED');
    err = await fails('list', { camera: '70:ee:50:99:99:99' });
    assert.equal(err.code, 'UNKNOWN_CAMERA');
    const ok = await ask('list', { camera: I.presence });
    assert.ok(Array.isArray(ok.payload));
  });
});
