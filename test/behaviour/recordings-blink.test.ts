import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../simulator/blink';
import { readExamples } from '../../scripts/demo-flows';
import {
  CORE_NODES,
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  unload,
  type FlowNode,
} from '../helpers/nodered';
import { setEnv } from '../helpers/env';

const ID = BLINK_IDS;
const CREDS = { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } };

interface Item {
  id: string;
  camera: { id: string; name: string };
  start: string;
  duration: number;
  labels: string[];
  eventId?: string;
}

describe('camhub-recordings on Blink in a Node-RED runtime', function () {
  let sim: BlinkSim;
  let stateDir: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    // Small pages, so a list has to follow several.
    sim = await startBlinkSim({ mediaPageSize: 5 });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-blink-rec-'));
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
  });

  function flow(props: Record<string, unknown> = {}): FlowNode[] {
    return [
      {
        id: 'acc',
        type: 'camhub-blink',
        baseUrl: sim.url,
        pollInterval: 30,
        commandPoll: 0.02,
        commandSpacing: 0.01,
        commandTimeout: 1.5,
        timeout: 5,
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

  /** 12 porch clips and 4 shed clips over the last 20 hours. */
  async function seed(): Promise<number[]> {
    const now = Date.now();
    const porch: number[] = [];
    for (let i = 0; i < 12; i++) {
      const at = now - 30_000 - i * 90 * 60_000;
      porch.push(at);
      await control('/_sim/blink/media', { deviceId: Number(ID.porch), at });
      if (i < 4) await control('/_sim/blink/media', { deviceId: Number(ID.shed), at: at - 1000 });
    }
    return porch;
  }

  it('lists a camera clips newest first across media/changed pages, up to the limit', async () => {
    const porch = await seed();
    await load(flow({ camera: ID.porch, limit: 10 }), CREDS);
    const msg = await ask('list');
    const items = msg.payload as Item[];
    assert.equal(items.length, 10);
    assert.deepEqual(
      items.map((i) => Date.parse(i.start)),
      porch.slice(0, 10).map((t) => Math.floor(t / 1000) * 1000),
    );
    assert.ok(items.every((i) => i.camera.id === ID.porch));
    assert.deepEqual(items[0].labels, ['motion']);
    assert.match(items[0].eventId ?? '', /^\d+$/);
    const pages = sim.requests({ path: /media\/changed$/ }).map((r) => r.query.page);
    assert.ok(pages.includes('3'), `followed the pages: ${pages.join(',')}`);
  });

  it('downloads a clip with the account token; there is no play (the link needs the token)', async () => {
    await seed();
    await load(flow({ camera: ID.porch }), CREDS);
    const id = ((await ask('list')).payload as Item[])[0].id;
    const got = await ask({ action: 'download', id });
    assert.equal((got.payload as Buffer).toString('latin1', 4, 8), 'ftyp');
    assert.equal(got.contentType, 'video/mp4');
    assert.match(String(got.filename), /\.mp4$/);
    const clip = sim.requests({ path: /\/media\/clip\/\d+\.mp4$/ });
    assert.equal(clip.length, 1);
    assert.equal(clip[0].authScheme, 'Bearer');
    const mediaId = id.split('|')[1].split(':')[0];
    assert.match(
      clip[0].path,
      new RegExp(`/api/v2/accounts/${ID.account}/media/clip/${mediaId}\\.mp4$`),
    );

    // The clip URL refuses a caller without the token.
    const anon = await fetch(`${sim.url}${clip[0].path}`);
    assert.equal(anon.status, 401);

    const err = await fails({ action: 'play', id });
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /"download"/);
  });

  it('caps the download at maxBytes with nothing sent, then works; a slow one is TIMEOUT; a deleted one says list again', async () => {
    await seed();
    await load(flow({ camera: ID.porch, maxBytes: 50_000 }), CREDS);
    const items = (await ask('list')).payload as Item[];
    await control('/_sim/blink/media-files', { bytes: 3_000_000 });
    const sent = collect('h1');
    let err = await fails({ action: 'download', id: items[0].id });
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, /larger than the limit of 50000 bytes/);
    assert.equal(sent.msgs.length, 0);
    sent.stop();

    await control('/_sim/blink/media-files', { bytes: 40_000, trickleMs: 300 });
    err = await fails({ action: 'download', id: items[0].id });
    assert.equal(err.code, 'TIMEOUT');
    await control('/_sim/blink/media-files', { bytes: 0, trickleMs: 0 });

    const mediaId = items[1].id.split('|')[1].split(':')[0];
    await control(`/_sim/blink/media/${mediaId}`, { deleted: true });
    err = await fails({ action: 'download', id: items[1].id });
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, /list the recordings again/);

    // The entry is still listed but its file is lost: Blink's 404, said as "list again".
    const lost = items[2].id.split('|')[1].split(':')[0];
    await control(`/_sim/blink/media/${lost}`, { missing: true });
    err = await fails({ action: 'download', id: items[2].id });
    assert.equal(err.code, 'CLOUD_ERROR');
    assert.match(err.message, /gone or its link expired; list the recordings again/);

    const ok = await ask({ action: 'download', id: items[0].id });
    assert.ok(Buffer.isBuffer(ok.payload));
  });

  it('an event wired in gets its clip once the upload is done, and TIMEOUT when it never is', async () => {
    await load(flow(), CREDS);
    const entry = await control('/_sim/blink/media', {
      deviceId: Number(ID.porch),
      uploadMs: 700,
    });
    const event = {
      vendor: 'blink',
      camera: { id: ID.porch, name: 'Porch' },
      type: 'motion',
      time: new Date(Date.parse(String(entry.created_at))).toISOString(),
      eventId: String(entry.id),
      raw: {
        id: entry.id,
        created_at: entry.created_at,
        device_id: entry.device_id,
        source: 'pir',
      },
    };
    const msg = await ask(event, { camera: { id: ID.porch } });
    assert.equal((msg.payload as Buffer).toString('latin1', 4, 8), 'ftyp');
    assert.equal(msg.contentType, 'video/mp4');

    const never = await control('/_sim/blink/media', { deviceId: Number(ID.porch) });
    await control(`/_sim/blink/media/${String(never.id)}`, { uploaded: false });
    const err = await fails(
      {
        eventId: String(never.id),
        time: new Date().toISOString(),
        clip: { id: String(never.id), ready: false },
      },
      { camera: ID.porch },
    );
    assert.equal(err.code, 'TIMEOUT');
  });

  it('errors: days NOT_SUPPORTED, to before from, UNKNOWN_CAMERA; keeps working', async () => {
    await load(flow(), CREDS);
    let err = await fails('days', { camera: ID.porch });
    assert.equal(err.code, 'NOT_SUPPORTED');
    err = await fails(
      { action: 'list', from: '2026-02-02', to: '2026-02-01' },
      { camera: ID.porch },
    );
    assert.equal(err.code, 'INVALID_INPUT');
    err = await fails('list', { camera: '999999' });
    assert.equal(err.code, 'UNKNOWN_CAMERA');
    const ok = await ask('list', { camera: ID.porch });
    assert.ok(Array.isArray(ok.payload));
  });

  it('the recipe: motion -> its clip (still uploading at first) -> Telegram sendVideo', async () => {
    // A stand-in for api.telegram.org that keeps what it was sent.
    const got: { url: string; type: string; body: Buffer }[] = [];
    const telegram = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({
          url: req.url ?? '',
          type: String(req.headers['content-type']),
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => telegram.listen(0, '127.0.0.1', r));
    const env = { ...process.env };
    process.env.TELEGRAM_BOT_TOKEN = '123:test-token';
    process.env.TELEGRAM_CHAT_ID = '42';
    process.env.TELEGRAM_API_URL = `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;
    try {
      const example = readExamples(path.join(__dirname, '..', '..', 'examples')).find((e) =>
        e.file.startsWith('09 - '),
      );
      assert.ok(example);
      const flow = example.nodes.map((n): FlowNode => {
        if (n.type === 'camhub-blink')
          return { ...n, baseUrl: sim.url, pollInterval: 0.2, commandTimeout: 3 };
        if (n.type === 'debug' || n.type === 'catch')
          return { id: n.id, z: n.z, type: 'helper', wires: [] };
        return n;
      });
      const account = flow.find((n) => n.type === 'camhub-blink')!;
      const answer = flow.find((n) => n.type === 'helper' && n.id.endsWith('07'))!;
      await load(flow, { [account.id]: CREDS.acc }, CORE_NODES);
      const out = nextMessage(answer.id, 20_000);
      // Once the event node's poller has asked once, a new clip is news to it.
      while (sim.requests({ path: /media\/changed$/ }).length === 0) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await control('/_sim/blink/media', { deviceId: Number(ID.porch), uploadMs: 800 });
      const msg = await out;
      assert.equal(msg.statusCode, 200);
      assert.equal(got.length, 1);
      assert.equal(got[0].url, '/bot123:test-token/sendVideo');
      assert.match(got[0].type, /^multipart\/form-data; boundary=/);
      const body = got[0].body.toString('latin1');
      assert.match(body, /name="chat_id"\r\n\r\n42/);
      assert.match(body, /name="video"; filename="Porch_[^"]+\.mp4"/);
      assert.match(body, /Content-Type: video\/mp4/);
      assert.ok(body.includes('ftyp'));
    } finally {
      for (const k of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_CHAT_ID', 'TELEGRAM_API_URL']) {
        if (env[k] === undefined) delete process.env[k];
        else process.env[k] = env[k];
      }
      await new Promise<void>((r) => telegram.close(() => r()));
    }
  });
});
