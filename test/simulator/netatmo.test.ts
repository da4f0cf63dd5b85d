import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decode } from 'jpeg-js';
import { NETATMO_IDS, sign, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';
import { startReceiver, type Receiver } from './helpers';

const I = NETATMO_IDS;
const REDIRECT = 'http://127.0.0.1:1/callback';

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expire_in: number;
  scope: string[];
}

/** Runs the authorization-code flow the way a browser would: page, Accept, redirect, token. */
async function connect(
  sim: NetatmoSim,
  scope = 'read_camera write_camera read_presence write_presence read_doorbell',
): Promise<Tokens> {
  const q = new URLSearchParams({
    client_id: sim.clientId,
    redirect_uri: REDIRECT,
    scope,
    state: 'st4te',
  });
  const page = await fetch(`${sim.url}/oauth2/authorize?${q}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<button[^>]*id="accept"/);
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], m[2].replace(/&amp;/g, '&'));
  }
  form.set('decision', 'accept');
  const accepted = await fetch(`${sim.url}/oauth2/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  assert.equal(accepted.status, 302);
  const back = new URL(accepted.headers.get('location') ?? '');
  assert.equal(back.searchParams.get('state'), 'st4te');
  const code = back.searchParams.get('code') ?? '';
  const res = await token(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  assert.equal(res.status, 200);
  return (await res.json()) as Tokens;
}

function token(sim: NetatmoSim, fields: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      ...fields,
    }),
  });
}

describe('Netatmo simulator', function () {
  let sim: NetatmoSim;
  let t: Tokens;
  const api = (
    method: string,
    access: string,
    init: RequestInit & { query?: Record<string, string> } = {},
  ) =>
    fetch(`${sim.url}/api/${method}?${new URLSearchParams(init.query ?? {})}`, {
      ...init,
      headers: { Authorization: `Bearer ${access}`, ...(init.headers as Record<string, string>) },
    });

  beforeEach(async () => {
    sim = await startNetatmoSim();
    t = await connect(sim);
  });
  afterEach(async () => {
    await sim.close();
  });

  it('issues 3 h tokens and rotates the refresh token; the old one then gets invalid_grant', async () => {
    assert.equal(t.expires_in, 10800);
    assert.equal(t.expire_in, 10800);
    const next = await token(sim, { grant_type: 'refresh_token', refresh_token: t.refresh_token });
    const rotated = (await next.json()) as Tokens;
    assert.notEqual(rotated.refresh_token, t.refresh_token);
    const again = await token(sim, { grant_type: 'refresh_token', refresh_token: t.refresh_token });
    assert.equal(again.status, 400);
    assert.deepEqual(await again.json(), { error: 'invalid_grant' });
    const old = await api('homesdata', t.access_token);
    assert.equal(old.status, 403);
    assert.equal(((await old.json()) as { error: { code: number } }).error.code, 2);
    assert.equal((await api('homesdata', rotated.access_token)).status, 200);
    const pw = await token(sim, { grant_type: 'password', username: 'a', password: 'b' });
    assert.equal(pw.status, 400);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const res = await fetch(`${sim.url}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sim.clientId,
        client_secret: 'nope',
        refresh_token: t.refresh_token,
      }),
    });
    assert.deepEqual(await res.json(), { error: 'invalid_client' });
  });

  it('answers an expired token with code 3 and a missing scope with code 13', async () => {
    sim.expireAccessTokens();
    const res = await api('homesdata', t.access_token);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: { code: 3, message: 'Access token expired' } });
    const narrow = await connect(sim, 'read_camera');
    const set = await api('setstate', narrow.access_token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        home: { id: I.home, modules: [{ id: I.welcome, monitoring: 'off' }] },
      }),
    });
    assert.equal(set.status, 403);
    assert.equal(((await set.json()) as { error: { code: number } }).error.code, 13);
  });

  it('lists homes and a status with vpn_url, is_local, monitoring, sd and power, floodlight', async () => {
    const homes = (await (await api('homesdata', t.access_token)).json()) as {
      body: {
        homes: {
          id: string;
          modules: { id: string; type: string }[];
          persons: { pseudo?: string }[];
        }[];
      };
    };
    assert.equal(homes.body.homes.length, 2);
    assert.deepEqual(
      homes.body.homes[0].modules.map((m) => m.type),
      ['NACamera', 'NOC', 'NDB', 'NPC'],
    );
    assert.deepEqual(
      homes.body.homes[0].persons.map((p) => p.pseudo),
      ['Alice', 'Bob', undefined],
    );
    const st = (await (
      await api('homestatus', t.access_token, { query: { home_id: I.home } })
    ).json()) as {
      body: { home: { modules: Record<string, unknown>[] } };
    };
    const [welcome, presence, doorbell] = st.body.home.modules;
    assert.equal(welcome.monitoring, 'on');
    assert.equal(welcome.sd_status, 4);
    assert.equal(welcome.alim_status, 2);
    assert.equal(welcome.is_local, true);
    assert.match(
      String(welcome.vpn_url),
      /\/restricted\/10\.255\.\d+\.\d+\/[0-9a-f]{32}\/[\w-]+,,$/,
    );
    assert.equal(presence.floodlight, 'auto');
    assert.equal(doorbell.monitoring, undefined);
    const missing = await api('homestatus', t.access_token);
    assert.equal(((await missing.json()) as { error: { code: number } }).error.code, 10);
  });

  it('reports a disconnected camera in errors[] with code 6 and gives it a new vpn_url on reconnect', async () => {
    const status = async () =>
      (await (await api('homestatus', t.access_token, { query: { home_id: I.home } })).json()) as {
        body: {
          home: { modules: { id: string; vpn_url: string }[] };
          errors?: { code: number; id: string }[];
        };
      };
    const before = (await status()).body.home.modules.find((m) => m.id === I.welcome)!.vpn_url;
    await sim.disconnect(I.welcome);
    const during = await status();
    assert.deepEqual(during.body.errors, [{ code: 6, id: I.welcome }]);
    assert.equal((await fetch(`${before}/live/snapshot_720.jpg`)).status, 404);
    await sim.reconnect(I.welcome);
    const after = (await status()).body.home.modules.find((m) => m.id === I.welcome)!.vpn_url;
    assert.notEqual(after, before);
    const snap = await fetch(`${after}/live/snapshot_720.jpg`);
    assert.equal(snap.headers.get('content-type'), 'image/jpeg');
    const img = decode(Buffer.from(await snap.arrayBuffer()));
    assert.ok(img.width > 0);
  });

  it('serves ping, an HLS playlist per quality and the local address only on the LAN', async () => {
    const st = (await (
      await api('homestatus', t.access_token, { query: { home_id: I.home } })
    ).json()) as {
      body: { home: { modules: { id: string; vpn_url: string }[] } };
    };
    const vpn = st.body.home.modules[0].vpn_url;
    const ping = (await (await fetch(`${vpn}/command/ping`, { method: 'POST' })).json()) as {
      local_url: string;
    };
    assert.match(ping.local_url, /\/local\/[0-9a-f]{32}$/);
    const local = await fetch(`${ping.local_url}/live/snapshot_720.jpg`);
    assert.equal(local.status, 200);
    const m3u8 = await fetch(`${vpn}/live/files/high/index.m3u8`);
    assert.equal(m3u8.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    const text = await m3u8.text();
    assert.match(
      text,
      /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:\d+\n#EXTINF:2\.000,\nsegment_high_\d+\.ts/,
    );
    const seg = text.split('\n').find((l) => l.endsWith('.ts'))!;
    const ts = Buffer.from(await (await fetch(`${vpn}/live/files/high/${seg}`)).arrayBuffer());
    assert.equal(ts[0], 0x47);
    assert.equal((await fetch(`${vpn}/live/files/ultra/index.m3u8`)).status, 404);
    sim.setLanReachable(I.welcome, false);
    await assert.rejects(fetch(`${ping.local_url}/command/ping`, { method: 'POST' }));
  });

  it('sets monitoring with a JSON body and reports per-module failures inside status ok', async () => {
    await sim.disconnect(I.indoor);
    const res = await api('setstate', t.access_token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        home: {
          id: I.home,
          modules: [
            { id: I.welcome, monitoring: 'off' },
            { id: I.indoor, monitoring: 'on' },
          ],
        },
      }),
    });
    const body = (await res.json()) as {
      status: string;
      body: { errors: { code: number; id: string }[] };
    };
    assert.equal(res.status, 200);
    assert.equal(body.status, 'ok');
    assert.deepEqual(
      body.body.errors.map((e) => [e.code, e.id]),
      [[6, I.indoor]],
    );
    assert.equal(sim.state.modules.get(I.welcome)?.monitoring, 'off');
    const bad = await api('setstate', t.access_token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        home: { id: I.home, modules: [{ id: I.doorbell, monitoring: 'on' }] },
      }),
    });
    assert.equal(((await bad.json()) as { error: { code: number } }).error.code, 21);
  });

  it('pages getevents backwards with event_id and nests outdoor sub-events', async () => {
    for (let i = 0; i < 3; i++) await sim.trigger(I.welcome, { type: 'movement' });
    await sim.trigger(I.presence, { type: 'vehicle' });
    const page = async (cursor?: string) =>
      (
        (await (
          await api('getevents', t.access_token, {
            query: { home_id: I.home, size: '2', ...(cursor ? { event_id: cursor } : {}) },
          })
        ).json()) as {
          body: {
            home: { events: { id: string; type: string; subevents?: { type: string }[] }[] };
          };
        }
      ).body.home.events;
    const first = await page();
    assert.deepEqual(
      first.map((e) => e.type),
      ['outdoor', 'movement'],
    );
    assert.equal(first[0].subevents?.[0].type, 'vehicle');
    const second = await page(first[1].id);
    assert.deepEqual(
      second.map((e) => e.type),
      ['movement', 'movement'],
    );
    const third = await page(second[1].id);
    assert.equal(third.length, 0);
  });

  it('activates a webhook, then signs each push with the client secret', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      const add = await api('addwebhook', t.access_token, {
        method: 'POST',
        body: new URLSearchParams({ url: receiver.url }),
      });
      assert.equal(add.status, 200);
      // The activation call is sent after the reply; wait for it so the order below is fixed.
      while (receiver.received.length < 1) await new Promise((r) => setTimeout(r, 10));
      await sim.trigger(I.welcome, { type: 'person', known: true });
      await sim.trigger(I.presence, { type: 'animal' });
      await sim.trigger(I.doorbell, { type: 'doorbell' });
      const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
      assert.deepEqual(
        bodies.map((b) => b.push_type),
        ['webhook_activation', 'NACamera-person', 'NOC-animal', 'NDB-incoming_call'],
      );
      for (const r of receiver.received) {
        const expected = createHmac('sha256', sim.clientSecret).update(r.body).digest('hex');
        assert.equal(r.headers['x-netatmo-secret'], expected);
        assert.equal(sign(r.body, sim.clientSecret), expected);
      }
      assert.equal((bodies[1].persons as { is_known: boolean }[])[0].is_known, true);
      assert.equal(bodies[1].time, undefined);
    } finally {
      await receiver.close();
    }
  });

  it("serves an event's snapshot_url as a public link, and its id and key through getcamerapicture with the token", async () => {
    const receiver: Receiver = await startReceiver();
    try {
      sim.setCallback(receiver.url);
      await sim.trigger(I.welcome, { type: 'movement' });
      const push = JSON.parse(receiver.received[0].body) as Record<string, string>;
      const pic = await fetch(push.snapshot_url);
      assert.equal(pic.status, 200);
      assert.equal(pic.headers.get('content-type'), 'image/jpeg');
      assert.equal(Buffer.from(await pic.arrayBuffer())[0], 0xff);
      const wrong = await fetch(push.snapshot_url.replace(/[0-9a-f](\.jpg)$/, 'x$1'));
      assert.equal(wrong.status, 404);
      const query = { image_id: push.snapshot_id, key: push.snapshot_key };
      assert.equal(
        (await fetch(`${sim.url}/api/getcamerapicture?${new URLSearchParams(query)}`)).status,
        401,
      );
      const byId = await api('getcamerapicture', t.access_token, { query });
      assert.equal(byId.status, 200);
      assert.equal(Buffer.from(await byId.arrayBuffer())[1], 0xd8);
    } finally {
      await receiver.close();
    }
  });

  it('writes pushes as Netatmo does, with escaped slashes, and signs exactly those bytes', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      await api('addwebhook', t.access_token, {
        method: 'POST',
        body: new URLSearchParams({ url: receiver.url }),
      });
      while (receiver.received.length < 1) await new Promise((r) => setTimeout(r, 10));
      await sim.trigger(I.welcome, { type: 'movement' });
      const push = receiver.received[1];
      assert.match(push.body, /"snapshot_url":"http:\\\/\\\//);
      assert.doesNotMatch(push.body, /https?:\/\//);
      assert.equal(
        push.headers['x-netatmo-secret'],
        createHmac('sha256', sim.clientSecret).update(push.body).digest('hex'),
      );
      // A receiver that re-serialises the parsed body gets other bytes.
      assert.notEqual(JSON.stringify(JSON.parse(push.body)), push.body);
    } finally {
      await receiver.close();
    }
  });

  it('bans a webhook after five failed pushes in a row: addwebhook then does nothing until the ban lapses', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      receiver.status = (r) => (r.body.includes('webhook_activation') ? 200 : 500);
      const add = () =>
        api('addwebhook', t.access_token, {
          method: 'POST',
          body: new URLSearchParams({ url: receiver.url }),
        });
      await add();
      while (receiver.received.length < 1) await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 5; i++) {
        const r = await sim.trigger(I.welcome, { type: 'movement' });
        assert.equal(r.deliveries[0].status, 500);
      }
      // Banned: the registration is gone, pushes stop, and a new addwebhook is answered but idle.
      assert.deepEqual(await (await fetch(`${sim.url}/_sim/webhooks`)).json(), {});
      assert.equal((await sim.trigger(I.welcome, { type: 'movement' })).deliveries.length, 0);
      receiver.status = () => 200;
      assert.equal((await add()).status, 200);
      await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(receiver.received.length, 6);
      // Lifted by hand: the next addwebhook is activated again.
      assert.equal((await fetch(`${sim.url}/_sim/webhooks/ban`, { method: 'DELETE' })).status, 200);
      await add();
      while (receiver.received.length < 7) await new Promise((r) => setTimeout(r, 10));
      assert.match(receiver.received[6].body, /webhook_activation/);
    } finally {
      await receiver.close();
    }
  });

  it('drops a registration silently on /_sim/webhooks/deactivate', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      await api('addwebhook', t.access_token, {
        method: 'POST',
        body: new URLSearchParams({ url: receiver.url }),
      });
      while (receiver.received.length < 1) await new Promise((r) => setTimeout(r, 10));
      const res = await fetch(`${sim.url}/_sim/webhooks/deactivate`, { method: 'POST' });
      assert.deepEqual(await res.json(), { dropped: [sim.clientId] });
      assert.equal((await sim.trigger(I.welcome, { type: 'movement' })).deliveries.length, 0);
      assert.equal(receiver.received.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('enforces the per-user quota with HTTP 429 and code 26', async () => {
    sim.state.quota = [{ limit: 2, windowMs: 60_000 }];
    assert.equal((await api('homesdata', t.access_token)).status, 200);
    assert.equal((await api('homesdata', t.access_token)).status, 200);
    const third = await api('homesdata', t.access_token);
    assert.equal(third.status, 429);
    assert.deepEqual(await third.json(), {
      error: { code: 26, message: 'Maximum api usage reached' },
    });
  });
});
