import assert from 'node:assert/strict';
import net from 'node:net';
import { SimControlError, SimServer } from '../../simulator/common';
import { jsonInit } from './helpers';

describe('SimServer framework', function () {
  this.timeout(5000);
  let sim: SimServer;
  let url: string;
  let online: Record<string, boolean>;

  beforeEach(async () => {
    online = { cam1: true };
    sim = new SimServer({
      name: 'test',
      hooks: {
        devices: () => Object.entries(online).map(([id, on]) => ({ id, online: on })),
        setOnline: (id, on) => {
          if (!(id in online)) return false;
          online[id] = on;
          return true;
        },
        reset: () => {
          online = { cam1: true };
        },
        trigger: (event) => {
          if (event.camera !== 'cam1') throw new SimControlError(404, 'unknown camera');
          return { fired: event.type };
        },
      },
    });
    sim.route('GET', '/things/:id/parts/:part', (req, res) => {
      res.json(200, { params: req.params, q: req.query.get('q') });
    });
    sim.route('POST', '/echo', (req, res) => {
      res.buffer(201, req.body, 'application/octet-stream');
    });
    sim.route('GET', '/boom', () => {
      throw new Error('kaput');
    });
    url = await sim.start();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('binds to 127.0.0.1 on an ephemeral port and routes with params', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/things/a%20b/parts/7?q=x`);
    assert.deepEqual(await res.json(), { params: { id: 'a b', part: '7' }, q: 'x' });
    const echo = await fetch(`${url}/echo`, { method: 'POST', body: 'raw bytes' });
    assert.equal(echo.status, 201);
    assert.equal(await echo.text(), 'raw bytes');
    assert.equal((await fetch(`${url}/things/a`)).status, 404);
    assert.equal((await fetch(`${url}/boom`)).status, 500);
  });

  it('offers the shared control API', async () => {
    assert.deepEqual(await (await fetch(`${url}/_sim/devices`)).json(), [
      { id: 'cam1', online: true },
    ]);
    assert.equal((await fetch(`${url}/_sim/devices/cam1/offline`, { method: 'POST' })).status, 200);
    assert.equal(online.cam1, false);
    assert.equal((await fetch(`${url}/_sim/devices/nope/offline`, { method: 'POST' })).status, 404);
    const cb = await fetch(
      `${url}/_sim/callback`,
      jsonInit('PUT', { url: 'http://127.0.0.1:1/x' }),
    );
    assert.equal(cb.status, 200);
    assert.equal(sim.callbackUrl, 'http://127.0.0.1:1/x');
    assert.equal(
      (await fetch(`${url}/_sim/callback`, jsonInit('PUT', { url: 'ftp://x' }))).status,
      400,
    );
    const ev = await fetch(
      `${url}/_sim/events`,
      jsonInit('POST', { camera: 'cam1', type: 'motion' }),
    );
    assert.deepEqual(await ev.json(), { fired: 'motion' });
    assert.equal(
      (await fetch(`${url}/_sim/events`, jsonInit('POST', { camera: 'x' }))).status,
      404,
    );
    assert.equal((await fetch(`${url}/_sim/events`, jsonInit('POST', {}))).status, 400);
    await fetch(`${url}/_sim/reset`, { method: 'POST' });
    assert.equal(online.cam1, true);
    assert.equal(sim.callbackUrl, null);
  });

  it('keeps passwords, client secrets and tokens out of the request log', async () => {
    sim.clearRequests();
    await fetch(
      `${url}/echo`,
      jsonInit('POST', { email: 'me@example.com', password: 'pw-1', nested: { authToken: 't-1' } }),
    );
    await fetch(`${url}/echo?access_token=t-2&home_id=h1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=t-3&client_id=id&client_secret=s-1',
    });
    const log = JSON.stringify(sim.requests());
    for (const secret of ['pw-1', 't-1', 't-2', 't-3', 's-1']) {
      assert.doesNotMatch(log, new RegExp(secret));
    }
    const [json, form] = sim.requests();
    assert.deepEqual(json.body, {
      email: 'me@example.com',
      password: '[redacted]',
      nested: { authToken: '[redacted]' },
    });
    assert.deepEqual(form.query, { access_token: '[redacted]', home_id: 'h1' });
    assert.match(String(form.body), /grant_type=refresh_token&refresh_token=%5Bredacted%5D/);
    assert.match(String(form.body), /client_id=id/);
    sim.clearRequests();
  });

  it('filters the request log and excludes control calls', async () => {
    await fetch(`${url}/things/1/parts/2`);
    await fetch(`${url}/echo`, jsonInit('POST', { a: 1 }));
    await fetch(`${url}/_sim/requests`);
    assert.equal(sim.requests().length, 2);
    const posts = sim.requests({ method: 'post' });
    assert.equal(posts.length, 1);
    assert.deepEqual(posts[0].body, { a: 1 });
    assert.equal(sim.requests({ path: /^\/things\// }).length, 1);
    const viaHttp = (await (await fetch(`${url}/_sim/requests?path=/echo`)).json()) as unknown[];
    assert.equal(viaHttp.length, 1);
  });

  it('matches faults by method and regex, in order', async () => {
    sim.addFault({ path: '^/things/\\d+/', method: 'GET', status: 503, body: 'busy' });
    sim.addFault({ path: '/things', status: 418 });
    assert.equal((await fetch(`${url}/things/x/parts/1`)).status, 418);
    const busy = await fetch(`${url}/things/1/parts/1`);
    assert.equal(busy.status, 503);
    assert.equal(await busy.text(), 'busy');
    assert.equal((await fetch(`${url}/things/1/parts/1`)).status, 200);
    assert.deepEqual(sim.pendingFaults(), []);
  });

  it('closes promptly even with idle and half-sent connections open', async () => {
    const { port } = new URL(url);
    const idle = net.connect(Number(port), '127.0.0.1');
    const partial = net.connect(Number(port), '127.0.0.1');
    await Promise.all(
      [idle, partial].map(
        (s) => new Promise<void>((resolve) => s.once('connect', () => resolve())),
      ),
    );
    partial.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    const started = Date.now();
    await sim.close();
    assert.ok(Date.now() - started < 1000);
    idle.destroy();
    partial.destroy();
  });
});
