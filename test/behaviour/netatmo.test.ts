import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';
import { demoFlows, readExamples } from '../../scripts/demo-flows';
import {
  CORE_NODES,
  collect,
  getNode,
  helper,
  load,
  nextCaught,
  nextMessage,
  redeploy,
  serveHttpAdmin,
  serveHttpNode,
  unload,
  watchStatus,
  type FlowNode,
} from '../helpers/nodered';

const I = NETATMO_IDS;
type Server = { url: string; close: () => Promise<void> };

/** Waits for a condition the simulator or the runtime reaches by itself; never asserts on time. */
async function until(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Presses "Connect to Netatmo" the way the editor does, then plays the browser: opens the
 * authorize page, submits its form with Accept and follows the redirect back to Node-RED.
 */
async function connect(admin: Server, sim: NetatmoSim, accountId = 'acc'): Promise<string> {
  const redirectUri = `${admin.url}/camhub/netatmo/oauth/callback`;
  const start = await fetch(`${admin.url}/camhub/accounts/${accountId}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirectUri }),
  });
  assert.equal(start.status, 200, await start.clone().text());
  const step = ((await start.json()) as { data: { url: string; next: string } }).data;
  assert.equal(step.next, 'authorize');
  const authorize = new URL(step.url);
  assert.equal(authorize.origin, sim.url);
  assert.equal(authorize.searchParams.get('redirect_uri'), redirectUri);
  assert.ok((authorize.searchParams.get('state') ?? '').length >= 40);
  const html = await (await fetch(step.url)).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], m[2].replace(/&amp;/g, '&'));
  }
  form.set('decision', 'accept');
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const accepted = await fetch(new URL(action, sim.url), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  assert.equal(accepted.status, 302);
  const back = accepted.headers.get('location') ?? '';
  assert.ok(back.startsWith(redirectUri), back);
  const done = await fetch(back);
  const page = await done.text();
  assert.equal(done.status, 200, page);
  return back;
}

const grants = (sim: NetatmoSim, type: string) =>
  sim
    .requests({ path: '/oauth2/token' })
    .filter((r) => (r.body as string).includes(`grant_type=${type}`));

describe('Netatmo in a Node-RED runtime', function () {
  let sim: NetatmoSim;
  let admin: Server | undefined;
  let web: Server | undefined;
  let stateDir: string;

  const account = (extra: Record<string, unknown> = {}): FlowNode => ({
    id: 'acc',
    type: 'camhub-netatmo',
    baseUrl: sim.url,
    timeout: 5,
    pollInterval: 0.1,
    ...extra,
  });
  const creds = (ids = ['acc']) =>
    Object.fromEntries(
      ids.map((id) => [id, { clientId: sim.clientId, clientSecret: sim.clientSecret }]),
    );
  const single = (type: string, props: Record<string, unknown> = {}, acc = {}): FlowNode[] => [
    account(acc),
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
  async function start(flow: FlowNode[]): Promise<void> {
    await load(flow, creds());
    admin = await serveHttpAdmin();
  }
  async function startConnected(flow: FlowNode[]): Promise<void> {
    await start(flow);
    await connect(admin as Server, sim);
  }
  async function send(payload: unknown, extra: Record<string, unknown> = {}) {
    const out = nextMessage('h1');
    getNode('n1').receive({ payload, ...extra });
    return out;
  }
  async function fail(payload: unknown, extra: Record<string, unknown> = {}) {
    const caught = nextCaught('c1');
    getNode('n1').receive({ payload, ...extra });
    return caught;
  }

  before(async () => {
    sim = await startNetatmoSim();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-netatmo-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await admin?.close();
    await web?.close();
    admin = web = undefined;
    await unload();
    sim.reset();
    fs.rmSync(stateDir, { recursive: true, force: true });
    delete process.env.CAMHUB_STATE_DIR;
  });

  describe('connecting', () => {
    it('runs the authorization-code flow from the editor and keeps the tokens encrypted outside the flow', async () => {
      await start(single('camhub-arm', { camera: I.welcome }));
      let err = await fail('status');
      assert.equal(err.code, 'AUTH_REQUIRED');
      assert.match(err.message, /Connect to Netatmo/);
      await connect(admin as Server, sim);
      assert.equal(grants(sim, 'authorization_code').length, 1);
      const msg = await send('status');
      assert.deepEqual(msg.payload, { armed: true, mode: null });
      assert.equal((msg.camera as { name: string }).name, 'Living Room');
      const [saved] = fs.readdirSync(stateDir).filter((f) => f.endsWith('.json'));
      const text = fs.readFileSync(path.join(stateDir, saved), 'utf8');
      const live = sim.tokens().at(-1)!;
      assert.doesNotMatch(text, new RegExp(live.refreshToken.split('|')[1]));
      assert.doesNotMatch(text, new RegExp(sim.clientSecret));
      assert.equal(fs.statSync(path.join(stateDir, saved)).mode & 0o077, 0);
      // The account's state endpoint says connected and carries no token.
      const state = await (await fetch(`${admin!.url}/camhub/accounts/acc/state`)).text();
      assert.match(state, /"connected"/);
      assert.doesNotMatch(state, new RegExp(live.accessToken.split('|')[1]));
      err = await fail('vacation');
      assert.equal(err.code, 'NOT_SUPPORTED');
    });

    it('refuses a callback with an unknown or reused state, a refusal, and a foreign redirect URI', async () => {
      await start(single('camhub-arm', { camera: I.welcome }));
      const stale = await fetch(`${admin!.url}/camhub/netatmo/oauth/callback?code=x&state=forged`);
      assert.equal(stale.status, 400);
      assert.match(await stale.text(), /not started from this Node-RED/);
      const used = await connect(admin as Server, sim);
      const again = await fetch(used);
      assert.equal(again.status, 400);
      assert.equal(grants(sim, 'authorization_code').length, 1);
      const foreign = await fetch(`${admin!.url}/camhub/accounts/acc/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirectUri: 'https://evil.example/steal' }),
      });
      assert.equal(foreign.status, 400);
      assert.match(((await foreign.json()) as { message: string }).message, /oauth\/callback/);
      // Refusing on the Netatmo page comes back as access_denied.
      const step = (await (
        await fetch(`${admin!.url}/camhub/accounts/acc/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirectUri: `${admin!.url}/camhub/netatmo/oauth/callback` }),
        })
      ).json()) as { data: { url: string } };
      const q = new URL(step.data.url).searchParams;
      const refused = await fetch(`${sim.url}/oauth2/authorize`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: q.get('client_id')!,
          redirect_uri: q.get('redirect_uri')!,
          scope: q.get('scope')!,
          state: q.get('state')!,
          decision: 'refuse',
        }),
        redirect: 'manual',
      });
      const denied = await fetch(refused.headers.get('location')!);
      assert.equal(denied.status, 400);
      assert.match(await denied.text(), /refused access/);
    });

    it('refreshes an expired token once for all callers, rotates it, and the old refresh token then fails', async () => {
      await startConnected([
        ...single('camhub-arm', { camera: I.welcome }),
        { id: 'n2', type: 'camhub-snapshot', account: 'acc', camera: I.indoor, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ]);
      await send('status');
      const before = sim.tokens().at(-1)!;
      sim.expireAccessTokens();
      const both = Promise.all([nextMessage('h1'), nextMessage('h2')]);
      getNode('n1').receive({ payload: 'status' });
      getNode('n2').receive({ payload: 1 });
      await both;
      assert.equal(grants(sim, 'refresh_token').length, 1);
      const after = sim.tokens().at(-1)!;
      assert.notEqual(after.refreshToken, before.refreshToken);
      const reuse = await fetch(`${sim.url}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: before.refreshToken,
          client_id: sim.clientId,
          client_secret: sim.clientSecret,
        }),
      });
      assert.equal(reuse.status, 400);
      assert.deepEqual(await reuse.json(), { error: 'invalid_grant' });
    });

    it('keeps the session across a restart, with no new login', async () => {
      const flow = single('camhub-arm', { camera: I.welcome });
      await startConnected(flow);
      await send('status');
      await admin!.close();
      admin = undefined;
      await unload();
      sim.clearRequests();
      await load(flow, creds());
      const msg = await send('status');
      assert.deepEqual(msg.payload, { armed: true, mode: null });
      assert.equal(sim.requests({ path: '/oauth2/token' }).length, 0);
      // And a restart after the access token ran out refreshes from the saved refresh token.
      await unload();
      sim.expireAccessTokens();
      await load(flow, creds());
      await send('status');
      assert.equal(grants(sim, 'refresh_token').length, 1);
    });

    it('says AUTH_FAILED with what to do when another app rotated the refresh token away', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome }));
      await send('status');
      // Another program with the same login refreshes: ours is now dead.
      const mine = sim.tokens().at(-1)!;
      sim.state.refresh(mine.refreshToken);
      const status = watchStatus('n1');
      const err = await fail('status');
      assert.equal(err.code, 'AUTH_FAILED');
      assert.match(err.message, /Another app or Node-RED using the same Netatmo login/i);
      assert.match(err.message, /Connect to Netatmo/);
      assert.doesNotMatch(JSON.stringify(err), new RegExp(mine.refreshToken.split('|')[1]));
      assert.ok(status.some((s) => /AUTH_FAILED|authFailed/.test(s.text ?? '')));
      // Connecting again repairs it.
      await connect(admin as Server, sim);
      await send('status');
    });

    it('warns when two account nodes use the same Netatmo app', async () => {
      await load(
        [...single('camhub-arm', { camera: I.welcome }), { ...account(), id: 'acc2' }],
        creds(['acc', 'acc2']),
      );
      const warnings = helper
        .log()
        .args.map((a: unknown[]) => a[0] as { level: number; msg: unknown })
        .filter((e) => e.level === (helper.log() as unknown as { WARN: number }).WARN)
        .map((e) => String(e.msg));
      assert.ok(
        warnings.some((w) => /log each other out/.test(w)),
        warnings.join('\n'),
      );
    });
  });

  describe('arm', () => {
    it('turns monitoring on and off for the camera, and reads it back', async () => {
      await startConnected(single('camhub-arm', { camera: I.indoor }));
      assert.deepEqual((await send('status')).payload, { armed: false, mode: null });
      assert.deepEqual((await send('arm')).payload, { armed: true, mode: null });
      assert.equal(sim.state.modules.get(I.indoor)?.monitoring, 'on');
      assert.equal(sim.state.modules.get(I.welcome)?.monitoring, 'on');
      assert.deepEqual((await send(false)).payload, { armed: false, mode: null });
      const body = sim.requests({ path: '/api/setstate' }).at(-1)?.body;
      assert.deepEqual(body, {
        home: { id: I.home, modules: [{ id: I.indoor, monitoring: 'off' }] },
      });
    });

    it('with armScope home sets every camera of the home and reports a partial failure', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome, armScope: 'home' }));
      assert.deepEqual((await send('disarm')).payload, { armed: false, mode: null });
      for (const id of [I.welcome, I.presence, I.indoor]) {
        assert.equal(sim.state.modules.get(id)?.monitoring, 'off', id);
      }
      assert.equal(sim.state.modules.get(I.cabinPresence)?.monitoring, 'on');
      await sim.disconnect(I.indoor);
      const err = await fail('arm');
      assert.equal(err.code, 'OFFLINE');
      assert.match(
        err.message,
        /now on for Living Room, Garden, but Netatmo could not turn it on for Kitchen/,
      );
      assert.equal(sim.state.modules.get(I.presence)?.monitoring, 'on');
      await sim.reconnect(I.indoor);
      assert.deepEqual((await send('arm')).payload, { armed: true, mode: null });
    });

    it('rejects the doorbell, a mode, a Blink scope and a wrong payload', async () => {
      await startConnected(single('camhub-arm', { camera: I.doorbell }));
      let err = await fail('arm');
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Living Room \(70:ee:50:00:00:01\)/);
      err = await fail('away');
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /no modes/);
      err = await fail([1]);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.equal(sim.requests({ path: '/api/setstate' }).length, 0);
    });

    it('reports a missing scope (code 13) as AUTH_FAILED that says which permission', async () => {
      await sim.close();
      sim = await startNetatmoSim({ appScopes: ['read_camera', 'read_presence', 'write_camera'] });
      try {
        await startConnected(single('camhub-arm', { camera: I.presence }));
        const err = await fail('arm');
        assert.equal(err.code, 'AUTH_FAILED');
        assert.match(err.message, /scope/);
      } finally {
        await unload();
        await sim.close();
        sim = await startNetatmoSim();
      }
    });

    it('rejects an unknown armScope', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome, armScope: 'system' }));
      const err = await fail('arm');
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /"camera" or "home"/);
    });
  });

  describe('snapshot and stream', () => {
    const via = (id: string) => sim.state.modules.get(id)?.snapshotVia ?? [];

    it('takes the picture over the LAN when the camera is local and answers, else over the vpn', async () => {
      await startConnected(single('camhub-snapshot'));
      const msg = await send(1, { camera: I.welcome });
      const jpeg = msg.payload as Buffer;
      assert.equal(jpeg[0], 0xff);
      assert.equal(jpeg[1], 0xd8);
      assert.equal(msg.contentType, 'image/jpeg');
      assert.deepEqual(msg.camera, { id: I.welcome, name: 'Living Room', vendor: 'netatmo' });
      assert.deepEqual(via(I.welcome), ['local']);
      await send(1, { camera: I.indoor });
      assert.deepEqual(via(I.indoor), ['vpn']);
    });

    it('falls back to the vpn_url when the LAN address does not answer', async () => {
      sim.setLanReachable(I.presence, false);
      await startConnected(single('camhub-snapshot', { camera: I.presence }));
      await send(1);
      assert.deepEqual(via(I.presence), ['vpn']);
    });

    it('follows a vpn_url change after the camera reconnects', async () => {
      await startConnected(single('camhub-snapshot', { camera: I.indoor }));
      await send(1);
      await sim.disconnect(I.indoor);
      await sim.reconnect(I.indoor);
      await send(1);
      assert.deepEqual(via(I.indoor), ['vpn', 'vpn']);
      const shots = sim.requests({ path: /snapshot_720\.jpg$/ }).map((r) => r.status);
      assert.deepEqual(shots, [200, 404, 200]);
    });

    it('takes a snapshot at once when the camera is back, as its OFFLINE error promised', async () => {
      await startConnected(single('camhub-snapshot', { camera: I.indoor }));
      await send(1);
      await sim.disconnect(I.indoor);
      const err = await fail(1);
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /the next (request|msg) (retries|tries again)/);
      await sim.reconnect(I.indoor);
      // The status that said "unreachable" a moment ago is asked again, not trusted.
      await send(1);
    });

    it('reports OFFLINE for a disconnected camera, and anything but image/jpeg as CLOUD_ERROR', async () => {
      await startConnected(single('camhub-snapshot', { camera: I.indoor }));
      await sim.disconnect(I.indoor);
      let err = await fail(1);
      assert.equal(err.code, 'OFFLINE');
      await sim.reconnect(I.indoor);
      sim.addFault({
        path: '^/restricted/.*/live/snapshot_720\\.jpg$',
        body: '<html>busy</html>',
        contentType: 'text/html',
      });
      err = await fail(1);
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /text\/html instead of a JPEG/);
      await send(1);
    });

    it('gives the HLS playlist URL for the chosen quality, with no expiry', async () => {
      await startConnected(single('camhub-stream', { camera: I.indoor, quality: 'sub' }));
      const msg = await send(1);
      const p = msg.payload as { url: string; protocol: string; expiresAt: null };
      assert.equal(p.protocol, 'hls');
      assert.equal(p.expiresAt, null);
      assert.match(p.url, /\/restricted\/.+,,\/live\/files\/low\/index\.m3u8$/);
      const playlist = await fetch(p.url);
      assert.equal(playlist.status, 200);
      assert.match(await playlist.text(), /^#EXTM3U/);
      const main = await send(1, { quality: 'main' });
      void main;
    });

    it('refuses a stream from the doorbell and PTZ on any camera, naming who can', async () => {
      await startConnected([
        ...single('camhub-stream', { camera: I.doorbell }),
        { id: 'n2', type: 'camhub-ptz', account: 'acc', camera: I.welcome, wires: [['h1']] },
      ]);
      let err = await fail(1);
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /Garden \(70:ee:50:00:00:02\)/);
      const caught = nextCaught('c1');
      getNode('n2').receive({ payload: { action: 'move', direction: 'left', speed: 3 } });
      err = await caught;
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /No camera in this account can/);
    });
  });

  describe('events', () => {
    const eventFlow = (acc: Record<string, unknown> = {}, props: Record<string, unknown> = {}) => [
      account(acc),
      {
        id: 'ev',
        type: 'camhub-event',
        account: 'acc',
        camera: '',
        types: [],
        wires: [['h1']],
        ...props,
      },
      { id: 'h1', type: 'helper' },
    ];
    const polls = () =>
      sim.requests({ path: '/api/getevents' }).filter((r) => r.status === 200).length;

    it('polls getevents when there is no webhook: movement, known and unknown persons, doorbell', async () => {
      await startConnected(eventFlow());
      await until('the first poll', () => polls() > 0);
      const got = collect('h1');
      await sim.trigger(I.welcome, { type: 'movement' });
      await sim.trigger(I.welcome, { type: 'person', known: true });
      // The Kitchen camera's monitoring is off, so it sees nothing until it is turned on.
      assert.equal((await sim.trigger(I.indoor, { type: 'movement' })).skipped, 'monitoring_off');
      sim.state.modules.get(I.indoor)!.monitoring = 'on';
      await sim.trigger(I.indoor, { type: 'person', known: false });
      await sim.trigger(I.doorbell, { type: 'doorbell' });
      await until('four events', () => got.msgs.length >= 4);
      got.stop();
      const seen = got.msgs.map((m) => m.topic);
      assert.deepEqual(seen, [
        `netatmo/${I.welcome}/motion`,
        `netatmo/${I.welcome}/person`,
        `netatmo/${I.indoor}/person`,
        `netatmo/${I.doorbell}/doorbell`,
      ]);
      const alice = got.msgs[1].payload as Record<string, unknown>;
      assert.deepEqual(alice.persons, [{ id: I.alice, name: 'Alice', known: true }]);
      assert.deepEqual(alice.camera, { id: I.welcome, name: 'Living Room' });
      assert.equal(alice.vendor, 'netatmo');
      const stranger = got.msgs[2].payload as Record<string, unknown>;
      assert.deepEqual(stranger.persons, [{ id: I.stranger, name: null, known: false }]);
    });

    it('turns Presence sub-events into person, animal and vehicle with the sub-event ids', async () => {
      await startConnected(eventFlow({}, { camera: I.presence }));
      await until('the first poll', () => polls() > 0);
      const got = collect('h1');
      const ids: string[] = [];
      for (const type of ['human', 'animal', 'vehicle']) {
        const r = await sim.trigger(I.presence, { type });
        ids.push(r.event!.subevents![0].id);
      }
      await until('three events', () => got.msgs.length >= 3);
      got.stop();
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { type: string }).type),
        ['person', 'animal', 'vehicle'],
      );
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { eventId: string }).eventId),
        ids,
      );
    });

    it('pages back with the event_id cursor when more happened than one page holds', async () => {
      await startConnected(eventFlow({ eventsPageSize: 2 }));
      await until('the first poll', () => polls() > 0);
      const got = collect('h1');
      // Five events in one go: the next poll must page through them.
      const fired = [1, 2, 3, 4, 5].map(() => sim.trigger(I.welcome, { type: 'movement' }));
      const ids = (await Promise.all(fired)).map((r) => r.event!.id);
      await until('five events', () => got.msgs.length >= 5);
      got.stop();
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { eventId: string }).eventId),
        ids,
      );
      assert.ok(sim.requests({ path: '/api/getevents' }).some((r) => r.query.event_id));
    });

    it('registers the public webhook, answers webhook_activation, stops polling and emits signed pushes', async () => {
      await load(eventFlow({ webhookUrl: 'http://placeholder' }), creds());
      web = await serveHttpNode();
      await unload();
      // Now that the port is known, deploy with the real public URL.
      await load(eventFlow({ webhookUrl: `${web.url}/camhub/netatmo/acc` }), creds());
      admin = await serveHttpAdmin();
      await connect(admin, sim);
      await until('the activation call', () =>
        sim.deliveries().some((d) => d.body.includes('webhook_activation') && d.status === 200),
      );
      const got = collect('h1');
      const r = await sim.trigger(I.welcome, { type: 'person', known: true });
      assert.equal(r.deliveries[0].status, 200);
      await until('the event', () => got.msgs.length >= 1);
      const pollsNow = polls();
      got.stop();
      const p = got.msgs[0].payload as Record<string, unknown>;
      assert.equal(p.type, 'person');
      assert.equal(p.eventId, r.event!.id);
      assert.deepEqual(p.persons, [{ id: I.alice, name: 'Alice', known: true }]);
      assert.equal((p.raw as { push_type: string }).push_type, 'NACamera-person');
      assert.ok(!Number.isNaN(Date.parse(p.time as string)));
      // Polling has stopped: a fresh trigger arrives by push only, and no getevents follows it.
      const again = nextMessage('h1');
      await sim.trigger(I.welcome, { type: 'movement' });
      await again;
      assert.equal(polls(), pollsNow);
    });

    it('refuses a push with a wrong or missing signature, or a broken body, and emits nothing', async () => {
      await startConnected(eventFlow());
      web = await serveHttpNode();
      const got = collect('h1');
      const body = JSON.stringify({
        event_type: 'movement',
        push_type: 'NACamera-movement',
        event_id: 'forged',
        camera_id: I.welcome,
        home_id: I.home,
      });
      const post = (headers: Record<string, string>, b = body) =>
        fetch(`${web!.url}/camhub/netatmo/acc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: b,
        });
      assert.equal((await post({})).status, 401);
      assert.equal((await post({ 'X-Netatmo-secret': 'a'.repeat(64) })).status, 401);
      const wrongKey = createHmac('sha256', 'not-the-secret').update(body).digest('hex');
      assert.equal((await post({ 'X-Netatmo-secret': wrongKey })).status, 401);
      const broken = '{"push_type":';
      const signed = createHmac('sha256', sim.clientSecret).update(broken).digest('hex');
      assert.equal((await post({ 'X-Netatmo-secret': signed }, broken)).status, 400);
      assert.equal((await fetch(`${web.url}/camhub/netatmo/acc`)).status, 405);
      const good = createHmac('sha256', sim.clientSecret).update(body).digest('hex');
      const out = nextMessage('h1');
      assert.equal((await post({ 'X-Netatmo-secret': good })).status, 200);
      assert.equal((await out).topic, `netatmo/${I.welcome}/motion`);
      got.stop();
      assert.equal(got.msgs.length, 1);
    });

    it('sends an event that arrives by both webhook and poll only once', async () => {
      await startConnected(eventFlow());
      web = await serveHttpNode();
      sim.setCallback(`${web.url}/camhub/netatmo/acc`);
      await until('the first poll', () => polls() > 0);
      const got = collect('h1');
      const r = await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(r.deliveries[0].status, 200);
      await until('the event', () => got.msgs.length >= 1);
      // Two more polls have certainly listed the event.
      const n = polls();
      await until('two more polls', () => polls() >= n + 2);
      got.stop();
      assert.equal(got.msgs.length, 1);
    });
  });

  describe('the flagship example', () => {
    it('motion while armed -> fresh snapshot -> file, on a Netatmo home', async () => {
      const examples = readExamples(path.join(__dirname, '..', '..', 'examples')).filter((e) =>
        e.file.includes('Netatmo'),
      );
      assert.equal(examples.length, 1);
      const { flows, accounts } = demoFlows(
        examples,
        { netatmo: sim.url },
        {},
        {
          netatmo: { pollInterval: 0.1 },
        },
      );
      const flow = flows.map((n) => {
        // Helpers stand in for what needs an editor (debug, catch) or writes files.
        if (['file', 'catch', 'debug'].includes(n.type)) {
          return { id: n.id, z: n.z, type: 'helper', x: n.x, y: n.y, wires: [] };
        }
        if (n.type === 'camhub-netatmo') {
          const { credentials: _c, ...rest } = n;
          void _c;
          return rest as FlowNode;
        }
        return n;
      });
      await load(
        flow,
        { [accounts.netatmo]: { clientId: sim.clientId, clientSecret: sim.clientSecret } },
        CORE_NODES,
      );
      admin = await serveHttpAdmin();
      await connect(admin, sim, accounts.netatmo);
      const polls = () => sim.requests({ path: '/api/getevents' }).filter((r) => r.status === 200);
      await until('the first poll', () => polls().length > 0);
      const file = flows.find((n) => n.type === 'file')!.id;
      const saved = nextMessage(file);
      await sim.trigger(I.welcome, { type: 'movement' });
      const msg = await saved;
      assert.ok(Buffer.isBuffer(msg.payload));
      assert.equal(msg.filename, `camhub-${I.welcome}.jpg`);
    });
  });

  describe('limits and bad input', () => {
    it('turns 429 code 26 into RATE_LIMITED, pauses calls, and also knows the legacy 403 form', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome }));
      await send('status');
      const status = watchStatus('n1');
      sim.addFault({ path: '/api/homestatus', status: 429 });
      let err = await fail('status');
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /code 26/);
      assert.equal(status.at(-1)?.fill, 'yellow');
      // Netatmo sends no Retry-After: the account holds back instead of retrying into the quota.
      assert.equal(sim.requests({ path: '/api/homestatus' }).filter((r) => r.fault).length, 1);
      const before = sim.requests({ path: '/api/' }).length;
      err = await fail('status');
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(sim.requests({ path: '/api/' }).length, before);
    });

    it('treats the legacy 403 code 26 as RATE_LIMITED, not as a login problem', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome }));
      sim.addFault({
        path: '/api/homesdata',
        status: 403,
        body: { error: { code: 26, message: 'User usage reached' } },
      });
      const err = await fail('status');
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(grants(sim, 'refresh_token').length, 0);
    });

    it('enforces the quota of the simulated cloud on a busy flow', async () => {
      await startConnected(single('camhub-arm', { camera: I.welcome }));
      sim.state.quota = [{ limit: 3, windowMs: 60_000 }];
      let code: string | undefined;
      for (let i = 0; i < 6 && !code; i++) {
        const out = Promise.race([
          nextMessage('h1').then(() => undefined),
          nextCaught('c1').then((e) => e.code),
        ]);
        getNode('n1').receive({ payload: 'status' });
        code = await out;
      }
      assert.equal(code, 'RATE_LIMITED');
    });

    it('reports a missing, malformed and unknown camera, and keeps working', async () => {
      await startConnected(single('camhub-snapshot'));
      let err = await fail(1);
      assert.equal(err.code, 'INVALID_INPUT');
      err = await fail(1, { camera: 'front door' });
      assert.equal(err.code, 'UNKNOWN_CAMERA');
      assert.match(err.message, /70:ee:50:00:00:01 \(Living Room\)/);
      err = await fail(1, { camera: '70:ee:50:99:99:99' });
      assert.equal(err.code, 'UNKNOWN_CAMERA');
      const msg = await send(1, { camera: I.welcome });
      assert.ok(Buffer.isBuffer(msg.payload));
    });

    it('never shows a secret in an error', async () => {
      await startConnected(single('camhub-stream', { camera: I.welcome }));
      sim.addFault({ path: '/api/homestatus', status: 500, count: 5 });
      const err = await fail(1);
      const text = JSON.stringify(err);
      for (const t of sim.tokens()) {
        assert.doesNotMatch(text, new RegExp(t.accessToken.split('|')[1]));
        assert.doesNotMatch(text, new RegExp(t.refreshToken.split('|')[1]));
      }
      assert.doesNotMatch(text, new RegExp(sim.clientSecret));
    });
  });

  describe('the webhook over time', () => {
    const eventFlow = (acc: Record<string, unknown> = {}) => [
      account(acc),
      { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['h1']] },
      { id: 'h1', type: 'helper' },
    ];
    const polls = () =>
      sim.requests({ path: '/api/getevents' }).filter((r) => r.status === 200).length;
    const registrations = () => sim.requests({ path: '/api/addwebhook' }).length;
    const activations = () =>
      sim.deliveries().filter((d) => d.body.includes('webhook_activation') && d.status === 200)
        .length;
    const delivery = async () => {
      const res = await fetch(`${admin!.url}/camhub/accounts/acc/state`);
      return ((await res.json()) as { data: { delivery?: string } }).data.delivery;
    };
    async function untilDelivery(want: string): Promise<void> {
      const end = Date.now() + 10_000;
      while ((await delivery()) !== want) {
        if (Date.now() > end) throw new Error(`the account never showed events by ${want}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    /** Serves Node-RED's node app first, so the public webhook URL is known before deploying. */
    async function publicUrl(): Promise<string> {
      await load(eventFlow(), creds());
      web = await serveHttpNode();
      await unload();
      return `${web.url}/camhub/netatmo/acc`;
    }
    const simControl = (method: string, p: string, body?: unknown) =>
      fetch(`${sim.url}${p}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    it('registers the webhook when the URL is added to a connected account and on every restart', async () => {
      const hook = await publicUrl();
      await startConnected(eventFlow());
      await until('the first poll', () => polls() > 0);
      assert.equal(await delivery(), 'polling');
      assert.equal(registrations(), 0);
      // The URL is added to the connected account and deployed: no new Connect.
      await redeploy(eventFlow({ webhookUrl: hook }), creds());
      await until('the registration', () => registrations() === 1);
      await until('the activation', () => activations() === 1);
      await untilDelivery('webhook');
      // A restart with the saved login registers again (section 3.8: only the activation
      // call says a webhook works, and this runtime has not seen one yet).
      await admin!.close();
      admin = undefined;
      await unload();
      await load(eventFlow({ webhookUrl: hook }), creds());
      admin = await serveHttpAdmin();
      await until('the registration after the restart', () => registrations() === 2);
      await until('the activation after the restart', () => activations() === 2);
      await untilDelivery('webhook');
      assert.equal(grants(sim, 'authorization_code').length, 1);
      const out = nextMessage('h1');
      const r = await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(r.deliveries[0].status, 200);
      assert.equal((await out).topic, `netatmo/${I.welcome}/motion`);
    });

    it('polls slowly beside the webhook, notices a dropped or banned webhook, registers again and emits each event once', async () => {
      const hook = await publicUrl();
      await startConnected(eventFlow({ webhookUrl: hook, safetyPoll: 0.3 }));
      await until('the activation', () => activations() === 1);
      await untilDelivery('webhook');
      // The safety poll goes on while the webhook is active.
      const p0 = polls();
      await until('a safety poll', () => polls() > p0);
      const got = collect('h1');
      // Netatmo drops the registration without a word (section 3.8).
      assert.equal((await simControl('POST', '/_sim/webhooks/deactivate')).status, 200);
      const regs = registrations();
      const r1 = await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(r1.deliveries.length, 0);
      await until('the event by the safety poll', () => got.msgs.length === 1);
      await until('a new registration', () => registrations() > regs);
      // At least one: a registration repeated before its activation arrived is answered too.
      await until('the new activation', () => activations() >= 2);
      await untilDelivery('webhook');
      const r2 = await sim.trigger(I.welcome, { type: 'person', known: true });
      assert.equal(r2.deliveries[0].status, 200);
      await until('the pushed event', () => got.msgs.length === 2);
      // A ban: addwebhook is answered, no activation comes, events arrive by polling.
      assert.equal((await simControl('POST', '/_sim/webhooks/ban', {})).status, 200);
      const activeBeforeBan = activations();
      const r3 = await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(r3.deliveries.length, 0);
      await until('the event by polling', () => got.msgs.length === 3);
      await untilDelivery('polling');
      const banned = registrations();
      await until('a registration during the ban', () => registrations() > banned);
      assert.equal(activations(), activeBeforeBan);
      // The ban is lifted: the next registration is activated.
      assert.equal((await simControl('DELETE', '/_sim/webhooks/ban')).status, 200);
      await until('the activation after the ban', () => activations() > activeBeforeBan);
      await untilDelivery('webhook');
      // Several more polls have listed all three events: still three msgs.
      const n = polls();
      await until('three more polls', () => polls() >= n + 3);
      got.stop();
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { eventId: string }).eventId),
        [r1.event!.id, r2.event!.id, r3.event!.id],
      );
      const warnings = helper
        .log()
        .args.map((a: unknown[]) => a[0] as { msg: unknown })
        .map((e) => String(e.msg));
      assert.ok(
        warnings.some((w) => /webhook went quiet/.test(w)),
        warnings.join('\n'),
      );
    });

    it('keeps the pause after code 26 across a redeploy and a restart', async () => {
      const flow = single('camhub-arm', { camera: I.welcome });
      await startConnected(flow);
      await send('status');
      sim.addFault({ path: '/api/homestatus', status: 429 });
      assert.equal((await fail('status')).code, 'RATE_LIMITED');
      await redeploy(flow, creds());
      sim.clearRequests();
      let err = await fail('status');
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(sim.requests({ path: '/api/' }).length, 0);
      await admin!.close();
      admin = undefined;
      await unload();
      await load(flow, creds());
      err = await fail('status');
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(sim.requests({ path: '/api/' }).length, 0);
    });

    it('does not emit a captured signed push again after a restart', async () => {
      const hook = await publicUrl();
      const flow = eventFlow({ webhookUrl: hook });
      await startConnected(flow);
      await until('the activation', () => activations() === 1);
      const first = nextMessage('h1');
      const r = await sim.trigger(I.welcome, { type: 'person', known: true });
      assert.equal((await first).topic, `netatmo/${I.welcome}/person`);
      const captured = r.deliveries[0];
      await admin!.close();
      admin = undefined;
      await unload();
      await load(flow, creds());
      const got = collect('h1');
      const replay = await fetch(hook, {
        method: 'POST',
        headers: captured.headers,
        body: captured.body,
      });
      // Netatmo's rule: answer 200 at once, whatever becomes of the push.
      assert.equal(replay.status, 200);
      const r2 = await sim.trigger(I.welcome, { type: 'movement' });
      assert.equal(r2.deliveries[0].status, 200);
      await until('the fresh event', () =>
        got.msgs.some((m) => (m.payload as { eventId: string }).eventId === r2.event!.id),
      );
      got.stop();
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { eventId: string }).eventId),
        [r2.event!.id],
      );
    });

    it('says AUTH_REQUIRED before Netatmo is connected, and logs it once', async () => {
      await start(single('camhub-arm', { camera: I.welcome }));
      for (let i = 0; i < 2; i++) {
        const err = await fail('status');
        assert.equal(err.code, 'AUTH_REQUIRED');
        assert.match(err.message, /Sign in from the account node/);
      }
      const lines = helper
        .log()
        .args.map((a: unknown[]) => a[0] as { type?: string; msg: unknown })
        // The account says it; each failed msg is logged by its own node as usual.
        .filter((e) => e.type === 'camhub-netatmo' && /not connected yet/.test(String(e.msg)));
      assert.equal(lines.length, 1, lines.join('\n'));
    });
  });
});
