import assert from 'node:assert/strict';
import { decode } from 'jpeg-js';
import {
  REOLINK_UIDS,
  frequentRequestFault,
  gatewayFault,
  startReolinkSim,
  type AlarmDelivery,
  type ReolinkDeviceView,
  type ReolinkSim,
} from '../../simulator/reolink';
import { startAll } from '../../simulator';
import type { RequestLogEntry } from '../../simulator/common';
import { json, jsonInit, startReceiver, type ErrorBody, type Receiver } from './helpers';

const { ptzOutdoor, ptzIndoor, fixed, battery, offline } = REOLINK_UIDS;
const dev = (uid: string): string => `/v1.0/devices/${uid}`;
const snapPath = (uid: string, stream = 'mainStream', channel = 0): string =>
  `${dev(uid)}/snap/snapshot.jpg?channel=${channel}&stream_type=${stream}`;

async function expectError(res: Response, status: number, symbol: string): Promise<void> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = await json<ErrorBody>(res);
  assert.equal(body.error.symbol, symbol);
  assert.equal(typeof body.error.message, 'string');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Reolink ROP simulator', function () {
  this.timeout(10000);
  let sim: ReolinkSim;
  const api = (path: string, init?: RequestInit): Promise<Response> =>
    fetch(`${sim.url}${path}`, init);
  const view = (uid: string): ReolinkDeviceView => {
    const found = sim.devices().find((d) => d.uid === uid);
    assert.ok(found, `device ${uid} seeded`);
    return found;
  };

  beforeEach(async () => {
    sim = await startReolinkSim({ playSessionTtlSec: 1 });
  });
  afterEach(async () => {
    await sim.close();
  });

  describe('devices and settings', () => {
    it('lists only online devices with uid, family, model and firmware', async () => {
      const res = await api('/v1.0/devices');
      assert.equal(res.status, 200);
      const body = await json<{ totalRows: number; items: Record<string, string>[] }>(res);
      assert.equal(body.totalRows, 4);
      assert.deepEqual(
        body.items.map((d) => d.uid),
        [ptzOutdoor, ptzIndoor, fixed, battery],
      );
      for (const item of body.items) {
        assert.deepEqual(Object.keys(item).sort(), ['family', 'firmware', 'model', 'uid']);
        assert.match(item.uid, /^[A-Z0-9]{16}$/);
      }
      assert.equal(body.items.find((d) => d.uid === battery)?.family, 'battery');

      sim.setOnline(offline, true);
      const again = await json<{ totalRows: number }>(await api('/v1.0/devices'));
      assert.equal(again.totalRows, 5);
    });

    it('answers 404 device_offline for offline and unknown uids, 400 for malformed ones', async () => {
      await expectError(await api(`${dev(offline)}/settings/alarm`), 404, 'device_offline');
      await expectError(
        await api(`${dev('0000000000000000')}/settings/alarm`),
        404,
        'device_offline',
      );
      await expectError(
        await api(`${dev('952700000a5s348e')}/settings/alarm`),
        400,
        'invalid_parameter',
      );
      await fetch(`${sim.url}/_sim/devices/${ptzOutdoor}/offline`, { method: 'POST' });
      await expectError(await api(snapPath(ptzOutdoor)), 404, 'device_offline');
      await fetch(`${sim.url}/_sim/devices/${ptzOutdoor}/online`, { method: 'POST' });
      assert.equal((await api(snapPath(ptzOutdoor))).status, 200);
    });

    it('answers unknown routes and wrong methods with resource not found', async () => {
      for (const res of [
        await api('/v1.0/nothing'),
        await api(`${dev(ptzOutdoor)}/ptz/rotate`, jsonInit('PATCH', { channel: 0 })),
        await api(`${dev(ptzOutdoor)}/records/calendar/?channel=0&year=2024&month=1`),
      ]) {
        assert.equal(res.status, 404);
        assert.deepEqual(await res.json(), { message: 'resource not found.' });
      }
    });

    it('gets and sets the display name with strict validation', async () => {
      const path = `${dev(fixed)}/settings/general-config`;
      assert.deepEqual(await json(await api(path)), { deviceName: 'Driveway' });
      const put = await api(path, jsonInit('PUT', { deviceName: 'Side Gate-2' }));
      assert.deepEqual(await json(put), { message: 'ok' });
      assert.deepEqual(await json(await api(path)), { deviceName: 'Side Gate-2' });
      await expectError(
        await api(path, jsonInit('PUT', { deviceName: ' lead' })),
        400,
        'invalid_parameter',
      );
      await expectError(
        await api(path, jsonInit('PUT', { deviceName: 'x'.repeat(32) })),
        400,
        'invalid_parameter',
      );
    });

    it('stores alarm enabled as a boolean, accepting the string form', async () => {
      const path = `${dev(ptzOutdoor)}/settings/alarm`;
      assert.deepEqual(await json(await api(path)), { enabled: true });
      assert.deepEqual(await json(await api(path, jsonInit('PUT', { enabled: 'false' }))), {
        message: 'ok',
      });
      assert.deepEqual(await json(await api(path)), { enabled: false });
      await api(path, jsonInit('PUT', { enabled: 'true' }));
      assert.deepEqual(await json(await api(path)), { enabled: true });
      await api(path, jsonInit('PUT', { enabled: false }));
      assert.equal(view(ptzOutdoor).alarmEnabled, false);
      await expectError(
        await api(path, jsonInit('PUT', { enabled: 'yes' })),
        400,
        'invalid_parameter',
      );
      await expectError(await api(path, jsonInit('PUT', '{"enabled":')), 400, 'invalid_parameter');
      await expectError(await api(path, jsonInit('PUT', {})), 400, 'invalid_parameter');
    });

    it('serves battery state and PIR only for battery cameras', async () => {
      assert.deepEqual(await json(await api(`${dev(battery)}/states/battery`)), {
        percent: 78,
        chargeStatus: 'none',
      });
      await expectError(await api(`${dev(fixed)}/states/battery`), 400, 'cmd_not_support');
      const pir = `${dev(battery)}/settings/pir-config`;
      assert.deepEqual(await json(await api(pir)), {
        enabled: true,
        sensitivity: 80,
        reduceMistakes: true,
      });
      const next = { enabled: false, sensitivity: 20, reduceMistakes: false };
      assert.deepEqual(await json(await api(pir, jsonInit('PUT', next))), { message: 'ok' });
      assert.deepEqual(await json(await api(pir)), next);
      await expectError(
        await api(pir, jsonInit('PUT', { ...next, sensitivity: 101 })),
        400,
        'invalid_parameter',
      );
      await expectError(await api(`${dev(fixed)}/settings/pir-config`), 400, 'cmd_not_support');
    });

    it('fails once with wake_up_timeout while a battery camera sleeps', async () => {
      const res = await fetch(
        `${sim.url}/_sim/devices/${battery}/asleep`,
        jsonInit('POST', { asleep: true }),
      );
      assert.equal(res.status, 200);
      assert.equal(view(battery).asleep, true);
      await expectError(await api(`${dev(battery)}/states/battery`), 400, 'wake_up_timeout');
      assert.equal((await api(`${dev(battery)}/states/battery`)).status, 200);
      assert.equal(view(battery).asleep, false);
      assert.throws(() => sim.setAsleep(fixed, true));
    });
  });

  describe('snapshots', () => {
    it('returns a decodable JPEG that changes on every call', async () => {
      const first = await api(snapPath(ptzOutdoor));
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-type'), 'image/jpeg');
      const a = Buffer.from(await first.arrayBuffer());
      const b = Buffer.from(await (await api(snapPath(ptzOutdoor))).arrayBuffer());
      for (const jpg of [a, b]) {
        assert.deepEqual([...jpg.subarray(0, 2)], [0xff, 0xd8]);
        assert.deepEqual([...jpg.subarray(-2)], [0xff, 0xd9]);
      }
      const img = decode(a, { useTArray: true });
      assert.equal(img.width, 320);
      assert.equal(img.height, 180);
      assert.notDeepEqual(a, b);
      const sub = decode(
        Buffer.from(await (await api(snapPath(battery, 'subStream'))).arrayBuffer()),
      );
      assert.equal(sub.width, 160);
      assert.equal(view(ptzOutdoor).snapshots, 2);
    });

    it('rejects a concurrent snapshot of the same device with duplicate_snap', async () => {
      const [one, two, other] = await Promise.all([
        api(snapPath(ptzOutdoor)),
        api(snapPath(ptzOutdoor)),
        api(snapPath(fixed)),
      ]);
      const statuses = [one.status, two.status].sort();
      assert.deepEqual(statuses, [200, 400]);
      await expectError(one.status === 400 ? one : two, 400, 'duplicate_snap');
      await (one.status === 200 ? one : two).arrayBuffer();
      assert.equal(other.status, 200, 'the lock is per device');
      await other.arrayBuffer();
      assert.equal((await api(snapPath(ptzOutdoor))).status, 200, 'the lock is released');
    });

    it('validates channel and stream type', async () => {
      await expectError(
        await api(`${dev(fixed)}/snap/snapshot.jpg?channel=0`),
        400,
        'invalid_parameter',
      );
      await expectError(await api(snapPath(fixed, 'mainstream')), 400, 'invalid_parameter');
      await expectError(await api(snapPath(fixed, 'mainStream', 32)), 400, 'invalid_parameter');
      await expectError(
        await api(snapPath(fixed, 'mainStream', 1)),
        404,
        'device_channel_not_found',
      );
      await expectError(
        await api(snapPath(battery, 'externStream')),
        400,
        'stream_type_not_support',
      );
    });
  });

  describe('live and playback sessions', () => {
    interface PlayBody {
      playURL: string;
      expiredIn: number;
    }
    const live = async (uid: string, streamType: string): Promise<Response> =>
      api(`${dev(uid)}/live/play-session`, jsonInit('POST', { channel: 0, streamType }));

    it('reuses the play URL per (uid, channel, stream) and drops it after expiredIn', async () => {
      const a = await json<PlayBody>(await live(ptzOutdoor, 'mainStream'));
      assert.equal(a.expiredIn, 1);
      const m =
        /^rtsp:\/\/127\.0\.0\.1:61008\/v1\.0\/live\/([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(
          a.playURL,
        );
      assert.ok(m, a.playURL);
      const claims = JSON.parse(Buffer.from(m[1], 'base64url').toString()) as Record<
        string,
        unknown
      >;
      assert.equal(claims.uid, ptzOutdoor);
      const b = await json<PlayBody>(await live(ptzOutdoor, 'mainStream'));
      assert.equal(b.playURL, a.playURL);
      const sub = await json<PlayBody>(await live(ptzOutdoor, 'subStream'));
      assert.notEqual(sub.playURL, a.playURL);
      await sleep(1100);
      const c = await json<PlayBody>(await live(ptzOutdoor, 'mainStream'));
      assert.notEqual(c.playURL, a.playURL);
    });

    it('keeps a session that a player started', async () => {
      const a = await json<PlayBody>(await live(fixed, 'externStream'));
      const res = await fetch(
        `${sim.url}/_sim/sessions/played`,
        jsonInit('POST', { playURL: a.playURL }),
      );
      assert.equal(res.status, 200);
      await sleep(1100);
      assert.equal((await json<PlayBody>(await live(fixed, 'externStream'))).playURL, a.playURL);
    });

    it('validates the play-session body', async () => {
      const path = `${dev(ptzOutdoor)}/live/play-session`;
      await expectError(
        await api(path, jsonInit('POST', { streamType: 'mainStream' })),
        400,
        'invalid_parameter',
      );
      await expectError(
        await api(path, jsonInit('POST', { channel: '0', streamType: 'mainStream' })),
        400,
        'invalid_parameter',
      );
      await expectError(await api(path, jsonInit('POST', 'not json')), 400, 'invalid_parameter');
      await expectError(await live(battery, 'externStream'), 400, 'stream_type_not_support');
    });

    it('pages recordings 40 at a time with next_token and opens playback', async () => {
      const busiest = view(ptzOutdoor).recordDays.find((d) => d.count === 95);
      assert.ok(busiest, 'one day has 95 recordings');
      const base =
        `${dev(ptzOutdoor)}/records?channel=0&stream_type=mainStream&record_date=${busiest.date}` +
        '&start_at=00%3A00%3A00&end_at=23%3A59%3A59';
      interface Page {
        nextToken?: string;
        totalRows: number;
        items: { startTime: string; fileName: string; streamType: string }[];
      }
      const pages: Page[] = [];
      let token: string | undefined;
      do {
        const res = await api(token ? `${base}&next_token=${token}` : base);
        assert.equal(res.status, 200);
        const page = await json<Page>(res);
        pages.push(page);
        token = page.nextToken;
        if (token) assert.ok(token.length <= 64);
      } while (token && pages.length < 10);
      assert.deepEqual(
        pages.map((p) => p.items.length),
        [40, 40, 15],
      );
      assert.ok(pages.every((p) => p.totalRows === 95));
      const times = pages.flatMap((p) => p.items.map((i) => i.startTime));
      assert.equal(new Set(times).size, 95);
      assert.deepEqual([...times].sort(), times);
      assert.ok(times.every((t) => t.startsWith(busiest.date)));

      await expectError(await api(`${base}&next_token=bad!`), 400, 'invalid_parameter');
      await expectError(
        await api(base.replace('mainStream', 'externStream')),
        400,
        'invalid_parameter',
      );

      const [year, month, day] = busiest.date.split('-').map(Number);
      const cal = await json<{ totalRows: number; items: { channel: number; date: number }[] }>(
        await api(`${dev(ptzOutdoor)}/records/calendar?channel=0&year=${year}&month=${month}`),
      );
      assert.ok(cal.items.some((i) => i.date === day && i.channel === 0));
      assert.equal(cal.totalRows, cal.items.length);

      const fileName = pages[0].items[0].fileName;
      const play = await api(
        `${dev(ptzOutdoor)}/records/play-session`,
        jsonInit('POST', { channel: 0, fileName }),
      );
      const body = await json<PlayBody>(play);
      assert.match(body.playURL, /^rtsp:\/\/127\.0\.0\.1:61008\/v1\.0\/records\//);
      await expectError(
        await api(
          `${dev(ptzOutdoor)}/records/play-session`,
          jsonInit('POST', { channel: 0, fileName: '/x.mp4' }),
        ),
        400,
        'invalid_filename',
      );
    });
  });

  describe('PTZ', () => {
    const rotate = (uid: string, body: unknown): Promise<Response> =>
      api(`${dev(uid)}/ptz/rotate`, jsonInit('POST', body));
    const step = (uid: string, axis: string, action: string): Promise<Response> =>
      api(`${dev(uid)}/ptz/${axis}`, jsonInit('PATCH', { channel: 0, action }));

    it('rotates with POST and keeps moving until direction none', async () => {
      const before = view(ptzOutdoor).ptz;
      assert.ok(before);
      const res = await rotate(ptzOutdoor, { channel: 0, direction: 'rightUp', speed: 64 });
      assert.deepEqual(await json(res), { message: 'ok' });
      assert.equal(view(ptzOutdoor).ptz?.direction, 'rightUp');
      assert.equal(view(ptzOutdoor).ptz?.moving, true);
      await sleep(200);
      await rotate(ptzOutdoor, { channel: 0, direction: 'none', speed: 1 });
      const after = view(ptzOutdoor).ptz;
      assert.ok(after);
      assert.equal(after.moving, false);
      assert.ok(after.pan > before.pan && after.tilt > before.tilt);
    });

    it('steps zoom and focus with PATCH', async () => {
      await step(ptzOutdoor, 'zoom', 'inc');
      assert.deepEqual(await json(await step(ptzOutdoor, 'zoom', 'inc')), { message: 'ok' });
      await step(ptzOutdoor, 'focus', 'dec');
      const ptz = view(ptzOutdoor).ptz;
      assert.equal(ptz?.zoom, 2);
      assert.equal(ptz?.focus, 15);
      await expectError(await step(ptzOutdoor, 'zoom', 'in'), 400, 'invalid_parameter');
    });

    it('enforces each model’s capabilities', async () => {
      await expectError(
        await rotate(ptzIndoor, { channel: 0, direction: 'leftUp', speed: 10 }),
        400,
        'direction_not_support',
      );
      assert.equal(
        (await rotate(ptzIndoor, { channel: 0, direction: 'left', speed: 10 })).status,
        200,
      );
      await expectError(await step(ptzIndoor, 'zoom', 'inc'), 400, 'cmd_not_support');
      await expectError(await step(ptzIndoor, 'focus', 'inc'), 400, 'cmd_not_support');
      await expectError(
        await rotate(fixed, { channel: 0, direction: 'left', speed: 10 }),
        400,
        'cmd_not_support',
      );
    });

    it('validates rotate bodies strictly', async () => {
      for (const body of [
        { direction: 'left', speed: 10 },
        { channel: 0, direction: 'rightUP', speed: 10 },
        { channel: 0, direction: 'None', speed: 10 },
        { channel: 0, direction: 'left', speed: 0 },
        { channel: 0, direction: 'left', speed: 65 },
        { channel: 0, direction: 'left' },
      ]) {
        await expectError(await rotate(ptzOutdoor, body), 400, 'invalid_parameter');
      }
    });
  });

  describe('faults', () => {
    it('injects 429 frequent_request with and without Retry-After', async () => {
      sim.addFault(frequentRequestFault({ retryAfter: 7 }));
      const limited = await api('/v1.0/devices');
      assert.equal(limited.headers.get('retry-after'), '7');
      await expectError(limited, 429, 'frequent_request');

      const res = await fetch(
        `${sim.url}/_sim/faults`,
        jsonInit('POST', { path: '/v1.0/', status: 429 }),
      );
      assert.equal(res.status, 201);
      const bare = await api('/v1.0/devices');
      assert.equal(bare.headers.get('retry-after'), null);
      await expectError(bare, 429, 'frequent_request');
      assert.equal((await api('/v1.0/devices')).status, 200, 'a fault applies once by default');
    });

    it('injects 500, gateway pages and custom bodies for count requests', async () => {
      sim.addFault({
        path: '^/v1\\.0/devices/[A-Z0-9]+/settings/alarm$',
        method: 'GET',
        status: 500,
        count: 2,
      });
      await expectError(await api(`${dev(fixed)}/settings/alarm`), 500, 'server_internal_error');
      assert.equal((await api(`${dev(fixed)}/settings/general-config`)).status, 200);
      await expectError(
        await api(`${dev(ptzOutdoor)}/settings/alarm`),
        500,
        'server_internal_error',
      );
      assert.equal((await api(`${dev(fixed)}/settings/alarm`)).status, 200);

      sim.addFault(gatewayFault(502));
      const gw = await api('/v1.0/devices');
      assert.equal(gw.status, 502);
      assert.match(await gw.text(), /502 Bad Gateway/);

      sim.addFault({
        path: '/v1.0/devices',
        status: 403,
        body: { error: { symbol: 'auth_failed', message: 'x' } },
      });
      await expectError(await api('/v1.0/devices'), 403, 'auth_failed');
    });

    it('sends malformed JSON, delays and resets connections', async () => {
      sim.addFault({ path: '/v1.0/devices', malformed: true });
      const bad = await api('/v1.0/devices');
      assert.equal(bad.status, 200);
      assert.match(bad.headers.get('content-type') ?? '', /application\/json/);
      await assert.rejects(bad.json());

      sim.addFault({ path: '/v1.0/devices', delayMs: 300 });
      const started = Date.now();
      assert.equal((await api('/v1.0/devices')).status, 200);
      assert.ok(Date.now() - started >= 280);

      sim.addFault({ path: '/v1.0/devices', reset: true });
      await assert.rejects(api('/v1.0/devices'));
      assert.equal((await api('/v1.0/devices')).status, 200);
      const log = sim.requests({ path: '/v1.0/devices' });
      assert.deepEqual(
        log.map((e) => [e.status, e.fault]),
        [
          [200, true],
          [200, true],
          [0, true],
          [200, false],
        ],
      );
    });

    it('manages faults and the request log over the control API', async () => {
      const bad = await fetch(`${sim.url}/_sim/faults`, jsonInit('POST', { status: 500 }));
      assert.equal(bad.status, 400);
      await fetch(`${sim.url}/_sim/faults`, jsonInit('POST', { path: '/_sim', status: 500 }));
      assert.equal((await fetch(`${sim.url}/_sim/devices`)).status, 200, 'control API is exempt');
      await fetch(`${sim.url}/_sim/faults`, jsonInit('POST', { path: '/v1.0', status: 500 }));
      await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
      assert.equal((await api('/v1.0/devices')).status, 200);

      await api(`${dev(fixed)}/settings/alarm?x=1`, {
        headers: { Authorization: 'Bearer secret' },
      });
      const log = await json<RequestLogEntry[]>(await fetch(`${sim.url}/_sim/requests`));
      assert.equal(log.length, 2);
      assert.deepEqual(
        { ...log[1], time: undefined },
        {
          method: 'GET',
          path: `${dev(fixed)}/settings/alarm`,
          query: { x: '1' },
          time: undefined,
          status: 200,
          fault: false,
          authScheme: 'Bearer',
        },
      );
      assert.ok(!JSON.stringify(log).includes('secret'));
      await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' });
      assert.deepEqual(sim.requests(), []);
    });

    it('resets state, faults and the log to the seed', async () => {
      await api(
        `${dev(fixed)}/settings/general-config`,
        jsonInit('PUT', { deviceName: 'Renamed' }),
      );
      sim.setOnline(ptzOutdoor, false);
      sim.addFault({ path: '/v1.0/', status: 500 });
      const res = await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.deepEqual(sim.requests(), []);
      assert.equal(view(fixed).deviceName, 'Driveway');
      assert.equal(view(ptzOutdoor).online, true);
      assert.equal((await api('/v1.0/devices')).status, 200);
    });
  });

  describe('events', () => {
    let receiver: Receiver;
    beforeEach(async () => {
      receiver = await startReceiver();
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('posts AItype alarms with the secret in the URL, as the real server does', async () => {
      sim.setCallback(`${receiver.url}/hook?authcode=abc123`);
      const delivery = await sim.trigger(ptzOutdoor);
      assert.equal(delivery.status, 200);
      assert.equal(receiver.received.length, 1);
      const got = receiver.received[0];
      assert.equal(got.method, 'POST');
      assert.equal(got.url, '/hook?authcode=abc123');
      assert.match(got.headers['content-type'] ?? '', /^text\/plain/);
      assert.equal(got.headers.authentication, undefined);
      assert.deepEqual(JSON.parse(got.body), {
        uid: ptzOutdoor,
        channelId: '0',
        status: 'MD',
        AItype: 'people',
      });
    });

    it('uses the seed spelling and bearer header when asked via the control API', async () => {
      const put = await fetch(
        `${sim.url}/_sim/callback`,
        jsonInit('PUT', { url: `${receiver.url}/hook?authcode=abc123` }),
      );
      assert.equal(put.status, 200);
      const res = await fetch(
        `${sim.url}/_sim/events`,
        jsonInit('POST', {
          camera: battery,
          aiType: 'people,vehicle',
          field: 'AItpe',
          auth: 'both',
        }),
      );
      assert.equal(res.status, 200);
      assert.equal((await json<AlarmDelivery>(res)).status, 200);
      const got = receiver.received[0];
      assert.equal(got.url, '/hook?authcode=abc123');
      assert.equal(got.headers.authentication, 'Bearer abc123');
      assert.deepEqual(JSON.parse(got.body), {
        uid: battery,
        channelId: '0',
        status: 'MD',
        AItpe: 'people,vehicle',
      });

      await fetch(
        `${sim.url}/_sim/events`,
        jsonInit('POST', { camera: fixed, type: 'vehicle', auth: 'bearer' }),
      );
      assert.equal(receiver.received[1].url, '/hook');
      assert.equal(receiver.received[1].headers.authentication, 'Bearer abc123');
      assert.equal(JSON.parse(receiver.received[1].body).AItype, 'vehicle');

      const bad = await fetch(
        `${sim.url}/_sim/events`,
        jsonInit('POST', { camera: fixed, aiType: 'cat' }),
      );
      assert.equal(bad.status, 400);
    });

    it('records rejected deliveries and does not retry', async () => {
      receiver.status = (req) => (req.url.includes('authcode=right') ? 200 : 401);
      sim.setCallback(`${receiver.url}/hook?authcode=wrong`);
      const delivery = await sim.trigger(fixed, { aiType: 'dog_cat' });
      assert.equal(delivery.status, 401);
      await sleep(100);
      assert.equal(receiver.received.length, 1);
      const all = await json<AlarmDelivery[]>(await fetch(`${sim.url}/_sim/deliveries`));
      assert.deepEqual(
        all.map((d) => d.status),
        [401],
      );
    });

    it('sends nothing for a disarmed or offline device', async () => {
      sim.setCallback(`${receiver.url}/hook`);
      assert.equal((await sim.trigger(ptzIndoor)).skipped, 'alarm_disabled');
      assert.equal((await sim.trigger(offline)).skipped, 'device_offline');
      await api(`${dev(ptzIndoor)}/settings/alarm`, jsonInit('PUT', { enabled: true }));
      assert.equal((await sim.trigger(ptzIndoor)).status, 200);
      assert.equal(receiver.received.length, 1);
    });
  });

  describe('Basic auth gate', () => {
    let gated: ReolinkSim;
    before(async () => {
      gated = await startReolinkSim({ auth: { username: 'partner', password: 's3cret:x' } });
    });
    after(async () => {
      await gated.close();
    });
    const basic = (user: string, pass: string): Record<string, string> => ({
      Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });

    it('answers 401 with an Nginx page unless the credentials match', async () => {
      for (const headers of [{}, basic('partner', 'wrong')]) {
        const res = await fetch(`${gated.url}/v1.0/devices`, { headers });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), 'Basic realm="ROP"');
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await res.text(), /401 Authorization Required/);
      }
      const ok = await fetch(`${gated.url}/v1.0/devices`, {
        headers: basic('partner', 's3cret:x'),
      });
      assert.equal(ok.status, 200);
      assert.equal((await fetch(`${gated.url}/_sim/devices`)).status, 200);
    });
  });

  describe('startAll', () => {
    it('starts every vendor and closes them', async () => {
      const lines: string[] = [];
      const all = await startAll({ basePort: 0, env: {}, log: (l) => lines.push(l) });
      try {
        assert.ok(all.urls.reolink);
        assert.equal(lines.length, all.sims.length);
        const res = await fetch(`${all.urls.reolink}/v1.0/devices`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      } finally {
        await all.close();
      }
    });
  });
});
