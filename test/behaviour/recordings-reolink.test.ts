import assert from 'node:assert/strict';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import { parseLocal } from '../../nodes/vendors/reolink/recordings';
import { getNode, load, nextCaught, nextMessage, singleNodeFlow, unload } from '../helpers/nodered';

const U = REOLINK_UIDS;

interface Item {
  id: string;
  camera: { id: string; name: string };
  start: string;
  end: string;
  duration: number;
  labels: string[];
}

describe('camhub-recordings on Reolink (ROP) in a Node-RED runtime', function () {
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim();
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  /** What the simulated card holds for a camera, mainStream channel 0, as epoch ms. */
  function onCard(uid: string): { start: number; end: number; fileName: string }[] {
    const d = sim.state.devices.get(uid)!;
    return d.recordings
      .filter((r) => r.channel === 0 && r.streamType === 'mainStream')
      .map((r) => ({
        start: parseLocal(r.startTime),
        end: parseLocal(r.endTime),
        fileName: r.fileName,
      }));
  }

  async function ask(payload: unknown, extra: Record<string, unknown> = {}) {
    const out = nextMessage('h1');
    getNode('n1').receive({ payload, ...extra });
    return out;
  }

  it('lists the last 24 hours newest first, following next_token across two days, up to the limit', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.ptzOutdoor, limit: 70 }));
    const now = Date.now();
    const msg = await ask('list');
    const items = msg.payload as Item[];
    const expected = onCard(U.ptzOutdoor)
      .filter((r) => r.start >= now - 86_400_000 && r.start <= now)
      .sort((a, b) => b.start - a.start)
      .slice(0, 70);
    assert.equal(items.length, expected.length);
    assert.ok(items.length > 40, 'more than one page');
    assert.deepEqual(
      items.map((i) => i.id),
      expected.map((r) => `${U.ptzOutdoor}|${r.fileName}`),
    );
    const first = items[0];
    assert.deepEqual(first.camera, { id: U.ptzOutdoor, name: 'Front Yard' });
    assert.equal(first.start, new Date(expected[0].start).toISOString());
    assert.equal(first.duration, Math.round((expected[0].end - expected[0].start) / 1000));
    assert.deepEqual(first.labels, []);
    const paged = sim.requests({ path: /\/records$/ }).filter((r) => r.query.next_token);
    assert.ok(paged.length >= 1, 'asked for a second page with next_token');
    assert.deepEqual(msg.camera, { id: U.ptzOutdoor, name: 'Front Yard', vendor: 'reolink' });
  });

  it('takes from/to as ISO or epoch ms, and lists every camera when none is given', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { limit: 1000 }));
    const now = Date.now();
    const from = now - 3 * 86_400_000;
    const msg = await ask({ action: 'list', from: new Date(from).toISOString(), to: now });
    const items = msg.payload as Item[];
    const cams = new Set(items.map((i) => i.camera.id));
    for (const uid of [U.ptzOutdoor, U.ptzIndoor, U.fixed, U.battery]) {
      assert.ok(cams.has(uid), `${uid} listed`);
      const expected = onCard(uid).filter((r) => r.start >= from - 1000 && r.start <= now);
      assert.equal(items.filter((i) => i.camera.id === uid).length, expected.length, uid);
    }
    const starts = items.map((i) => i.start);
    assert.deepEqual(starts, [...starts].sort().reverse());
  });

  it('lists every camera but one without a card, rather than failing them all', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { limit: 1000 }));
    await fetch(`${sim.url}/_sim/devices/${U.battery}/sdcard`, {
      method: 'POST',
      body: JSON.stringify({ present: false }),
    });
    const msg = await ask('list');
    const cams = new Set((msg.payload as Item[]).map((i) => i.camera.id));
    assert.ok(!cams.has(U.battery));
    assert.ok(cams.has(U.fixed) && cams.has(U.ptzOutdoor));
  });

  it('reads the calendar: the days of a month as YYYY-MM-DD', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.ptzOutdoor }));
    const today = new Date();
    const y = today.getFullYear();
    const m = today.getMonth() + 1;
    const msg = await ask({ action: 'days', year: y, month: m });
    const prefix = `${y}-${String(m).padStart(2, '0')}-`;
    const expected = [
      ...new Set(
        sim.state.devices
          .get(U.ptzOutdoor)!
          .recordings.filter((r) => r.channel === 0 && r.startTime.startsWith(prefix))
          .map((r) => r.startTime.slice(0, 10)),
      ),
    ].sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(msg.payload, expected);
  });

  it('plays a listed recording through a records play-session, and refuses download naming play', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.fixed }));
    const list = await ask('list');
    const id = (list.payload as Item[])[0].id;
    const played = await ask({ action: 'play', id });
    const p = played.payload as { url: string; protocol: string; expiresAt: string };
    assert.deepEqual(Object.keys(p).sort(), ['expiresAt', 'protocol', 'url']);
    assert.match(p.url, /^rtsp:\/\//);
    assert.equal(p.protocol, 'rtsp');
    assert.ok(Date.parse(p.expiresAt) > Date.now());
    const sessions = sim.requests({ path: /\/records\/play-session$/ });
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].status, 200);

    const caught = nextCaught('c1');
    getNode('n1').receive({ payload: { action: 'download', id } });
    const err = await caught;
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /"play"/);
  });

  it('gives the recording running at an event wired in', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url));
    const rec = onCard(U.fixed).sort((a, b) => b.start - a.start)[0];
    const time = new Date(rec.start + 1000).toISOString();
    const out = nextMessage('h1');
    getNode('n1').receive({
      payload: {
        vendor: 'reolink',
        camera: { id: U.fixed, name: 'Driveway' },
        type: 'motion',
        time,
        eventId: 'e1:motion',
        raw: {},
      },
      camera: { id: U.fixed, name: 'Driveway', vendor: 'reolink' },
    });
    const msg = await out;
    assert.match((msg.payload as { url: string }).url, /^rtsp:\/\//);
    const body = sim.requests({ path: /\/records\/play-session$/ })[0];
    assert.equal((body.body as { fileName: string }).fileName, rec.fileName);
  });

  it("waits for an alarm's file while the camera still writes it, and TIMEOUT when it outlasts the timeout", async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url));
    await fetch(`${sim.url}/_sim/alarm-recording`, {
      method: 'POST',
      body: JSON.stringify({ seconds: 2 }),
    });
    const event = (time: string) => ({
      payload: {
        vendor: 'reolink',
        camera: { id: U.fixed, name: 'Driveway' },
        type: 'motion',
        time,
        eventId: `${time}:motion`,
        raw: {},
      },
      camera: { id: U.fixed, name: 'Driveway', vendor: 'reolink' },
    });
    const at = new Date().toISOString();
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'none' });
    const out = nextMessage('h1');
    getNode('n1').receive(event(at));
    const msg = await out;
    assert.match((msg.payload as { url: string }).url, /^rtsp:/);
    const played = sim.requests({ path: /\/records\/play-session$/ })[0].body as {
      fileName: string;
    };
    const file = sim.state.devices
      .get(U.fixed)!
      .recordings.find((r) => r.fileName === played.fileName)!;
    assert.ok(parseLocal(file.endTime) - parseLocal(file.startTime) === 2000, 'the alarm file');
    assert.ok(
      sim.requests({ path: /\/records$/ }).length >= 2,
      'asked again while the file was written',
    );

    // A file longer than the account's timeout (5 s) is not there in time.
    await fetch(`${sim.url}/_sim/alarm-recording`, {
      method: 'POST',
      body: JSON.stringify({ seconds: 60 }),
    });
    const later = new Date(Date.now() + 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1000));
    await sim.trigger(U.fixed, { status: 'MD', aiType: 'none' });
    const caught = nextCaught('c1', 20_000);
    getNode('n1').receive(event(later));
    const err = await caught;
    assert.equal(err.code, 'TIMEOUT');
  });

  it('NOT_SUPPORTED for a camera without an SD card, then works once it has one', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.battery }));
    await fetch(`${sim.url}/_sim/devices/${U.battery}/sdcard`, {
      method: 'POST',
      body: JSON.stringify({ present: false }),
    });
    let caught = nextCaught('c1');
    getNode('n1').receive({ payload: 'list' });
    let err = await caught;
    assert.equal(err.code, 'NOT_SUPPORTED');
    assert.match(err.message, /micro SD card/);
    caught = nextCaught('c1');
    getNode('n1').receive({ payload: { action: 'days', year: 2026, month: 1 } });
    err = await caught;
    assert.equal(err.code, 'NOT_SUPPORTED');
    await fetch(`${sim.url}/_sim/devices/${U.battery}/sdcard`, {
      method: 'POST',
      body: JSON.stringify({ present: true }),
    });
    const msg = await ask('list');
    assert.ok(Array.isArray(msg.payload));
  });

  it('INVALID_INPUT for to before from, a range ROP cannot answer, a bad action; UNKNOWN_CAMERA; and keeps working', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.fixed }));
    const cases: [unknown, string, RegExp, Record<string, unknown>?][] = [
      [
        { action: 'list', from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' },
        'INVALID_INPUT',
        /before "from"/,
      ],
      [{ action: 'list', from: 0, to: Date.now() }, 'INVALID_INPUT', /31 days/],
      ['rewind', 'INVALID_INPUT', /list, days, play, download/],
      [{ action: 'list', from: 'yesterday' }, 'INVALID_INPUT', /ISO 8601/],
      [{ action: 'play' }, 'INVALID_INPUT', /id/],
      [{ action: 'play', id: 'nope' }, 'INVALID_INPUT', /not a recording id/],
    ];
    for (const [payload, code, re] of cases) {
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload });
      const err = await caught;
      assert.equal(err.code, code, JSON.stringify(payload));
      assert.match(err.message, re);
    }
    await unload();
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: 'AAAAAAAAAAAAAAAA' }));
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload: 'list' });
    assert.equal((await caught).code, 'UNKNOWN_CAMERA');
    await unload();
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.fixed }));
    const msg = await ask('list');
    assert.ok((msg.payload as Item[]).length > 0);
  });

  it('a file overwritten since it was listed is INVALID_INPUT saying to list again', async () => {
    await load(singleNodeFlow('camhub-recordings', sim.url, { camera: U.fixed }));
    const list = await ask('list');
    const item = (list.payload as Item[])[0];
    const fileName = item.id.slice(item.id.indexOf('|') + 1);
    await fetch(`${sim.url}/_sim/devices/${U.fixed}/recordings/delete`, {
      method: 'POST',
      body: JSON.stringify({ fileName }),
    });
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload: { action: 'play', id: item.id } });
    const err = await caught;
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, /List the recordings again/);
  });
});
