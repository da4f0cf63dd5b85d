import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storeFileName } from '../../nodes/common/store';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../simulator/blink';
import {
  collect,
  delay,
  getNode,
  helper,
  CORE_NODES,
  load,
  nextCaught,
  nextMessage,
  redeploy,
  unload,
  watchStatus,
  type FlowNode,
  type StatusCall,
} from '../helpers/nodered';
import { setEnv } from '../helpers/env';
import { accountLog } from '../helpers/log';

const ID = BLINK_IDS;
/** Short intervals so the suite stays fast; the floors are lowered by env for tests only. */
const POLL_S = 0.2;
const ACCOUNT = {
  id: 'acc',
  type: 'camhub-blink',
  pollInterval: POLL_S,
  commandPoll: 0.02,
  commandSpacing: 0.01,
  commandTimeout: 1,
  timeout: 5,
};
const CREDS = { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } };

/** An account on the simulator, one node of `type` wired to h1, and a catch wired to c1. */
function blinkFlow(
  baseUrl: string,
  type: string,
  props: Record<string, unknown> = {},
  extra: FlowNode[] = [],
): FlowNode[] {
  return [
    { ...ACCOUNT, baseUrl },
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
    ...extra,
  ];
}

async function send(node: string, msg: Record<string, unknown>, out = 'h1') {
  const p = nextMessage(out);
  getNode(node).receive(msg);
  return p;
}

async function fails(node: string, msg: Record<string, unknown>) {
  const p = nextCaught('c1');
  getNode(node).receive(msg);
  return p;
}

/** Waits, without a time limit of its own, until `check` holds; the test timeout bounds it. */
async function until(check: () => boolean, stepMs = 20): Promise<void> {
  while (!check()) await delay(stepMs);
}

function hasStatus(seen: StatusCall[], text: string): boolean {
  return seen.some((s) => (s.text ?? '').includes(text));
}

async function admin(body: Record<string, unknown>) {
  const res = await helper.request().post('/camhub/accounts/acc/auth').send(body);
  return { status: res.status, body: res.body as Record<string, unknown>, text: res.text };
}

describe('Blink in a Node-RED runtime', function () {
  let sim: BlinkSim;
  let stateDir: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    sim = await startBlinkSim();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-blink-test-'));
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
    // Each test starts without a stored session, so each one logs in afresh.
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.mkdirSync(stateDir, { recursive: true });
  });

  describe('login', () => {
    it('logs in with OAuth + PKCE, looks up the tier and calls the tier host', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      const msg = await send('n1', { payload: 'status' });
      assert.deepEqual(msg.payload, { armed: true, mode: null });
      const paths = sim.requests().map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(paths.slice(0, 6), [
        'GET /oauth/v2/authorize',
        'GET /oauth/v2/signin',
        'POST /oauth/v2/signin',
        'GET /oauth/v2/authorize',
        'POST /oauth/token',
        'GET /api/v1/users/tier_info',
      ]);
      const rest = sim.requests({ path: /^\/rest-/ });
      assert.ok(rest.length > 0 && rest.every((r) => r.path.startsWith('/rest-u014/')));
      assert.ok(rest.every((r) => r.authScheme === 'Bearer' && r.status === 200));
      const signin = sim.requests({ path: '/oauth/v2/signin', method: 'POST' })[0];
      assert.equal(sim.state.counters.logins, 1);
      assert.deepEqual(Object.keys(signin.query), []);
    });

    it('waits for the 2FA code, shows it in the status, and logs in with the code from the editor', async () => {
      sim.require2fa();
      await load(
        blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }, [
          { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [] },
        ]),
        CREDS,
      );
      const status = watchStatus('n1');
      await until(() => sim.outbox().length === 1);
      await until(() => hasStatus(status, 'waiting2fa'));
      const err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'AUTH_REQUIRED');
      assert.match(err.message, /2FA code/);
      assert.equal(accountLog('camhub-blink', /two-step verification code/).length, 1);
      const signins = sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length;

      let step = await admin({});
      assert.equal(step.status, 200);
      assert.equal((step.body.data as { state: string }).state, 'waiting2fa');
      assert.equal((step.body.data as { next: string }).next, 'code');

      step = await admin({ code: '000000' === sim.outbox()[0].code ? '111111' : '000000' });
      assert.equal(step.status, 502);
      assert.equal(step.body.code, 'AUTH_FAILED');

      const code = sim.outbox()[0].code;
      step = await admin({ code });
      assert.equal(step.status, 200, step.text);
      assert.equal((step.body.data as { state: string }).state, 'connected');
      for (const reply of [step.text]) {
        assert.ok(!reply.includes(code) && !reply.includes(DEFAULT_BLINK_PASSWORD));
        assert.ok(!reply.includes('blk_'));
      }
      // The code finished the pending login: no second sign-in, no second code.
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, signins);
      assert.equal(sim.outbox().length, 1);
      const msg = await send('n1', { payload: 'status' });
      assert.deepEqual(msg.payload, { armed: true, mode: null });
    });

    it('understands the 412 form of "2FA required" too', async () => {
      sim.require2fa(412);
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      await until(() => sim.outbox().length === 1);
      const step = await admin({ code: sim.outbox()[0].code });
      assert.equal((step.body.data as { state: string }).state, 'connected', step.text);
      assert.deepEqual((await send('n1', { payload: '' })).payload, { armed: true, mode: null });
    });

    it('turns a wrong password into AUTH_FAILED and does not log in again on every msg', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), {
        acc: { email: DEFAULT_BLINK_EMAIL, password: 'wrong-password' },
      });
      let err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'AUTH_FAILED');
      assert.match(err.message, /Check the username and password/);
      assert.ok(!err.message.includes('wrong-password'));
      err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'AUTH_FAILED');
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
      const lines = accountLog('camhub-blink', /refused the login/);
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0], /wrong-password/);
    });

    it('answers a 429 on login with RATE_LIMITED and holds off further logins', async () => {
      sim.addFault({ path: '/oauth/v2/signin', method: 'POST', status: 429, count: 2 });
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      const status = watchStatus('n1');
      let err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'RATE_LIMITED');
      // A login is never resent at once (vendor-facts 1.9: repeated logins lock accounts).
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
      err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /for another \d+ s/);
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
      assert.ok(hasStatus(status, 'rateLimited'), JSON.stringify(status));
    });

    it('holds off a login refused with 429 across a restart as well', async () => {
      sim.addFault({ path: '/oauth/v2/signin', method: 'POST', status: 429 });
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      let err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'RATE_LIMITED');
      const signins = () => sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length;
      assert.equal(signins(), 1);
      // A restart: a new runtime and account node, the same state directory.
      await unload();
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /for another \d+ s/);
      assert.equal(signins(), 1, 'no login during the hold-off, restart or not');
      assert.equal(sim.state.counters.logins, 0);
    });

    it('does not log in again per msg when even a fresh token is refused', async () => {
      // Every homescreen read is refused, whatever token it carries.
      sim.addFault({
        path: '^/rest-[^/]+/api/v3/accounts/\\d+/homescreen',
        status: 401,
        body: { message: 'Unauthorized Access', code: 101 },
        count: 100,
      });
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      const status = watchStatus('n1');
      for (let i = 0; i < 5; i++) {
        const err = await fails('n1', { payload: 'status' });
        assert.equal(err.code, 'AUTH_FAILED', err.message);
      }
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
      assert.ok(sim.state.counters.refreshes <= 1, `${sim.state.counters.refreshes} refreshes`);
      assert.ok(hasStatus(status, 'authFailedUntil'), JSON.stringify(status));
      // An editor refresh is held back the same way.
      await helper.request().get('/camhub/accounts/acc/cameras?refresh=1');
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
    });

    it('fails fast when the login 429 carries a far Retry-After', async () => {
      sim.addFault({ path: '/oauth/v2/signin', method: 'POST', status: 429, retryAfter: 3600 });
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      const err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'RATE_LIMITED');
      assert.match(err.message, /3600 s/);
      assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, 1);
    });
  });

  describe('tokens', () => {
    it('keeps the tier of the first token: a refresh does not look it up again', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      await send('n1', { payload: 'status' });
      assert.equal(sim.state.counters.tierLookups, 1);
      sim.expireTokens();
      await send('n1', { payload: 'status' });
      assert.equal(sim.state.counters.refreshes, 1);
      assert.equal(sim.state.counters.tierLookups, 1, 'the tier is looked up once (1.1)');
    });

    it('refreshes an expired token once for all nodes, and the old refresh token stops working', async () => {
      const flow = blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }, [
        { id: 'n2', type: 'camhub-arm', account: 'acc', camera: ID.shed, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
        { id: 'n3', type: 'camhub-stream', account: 'acc', camera: ID.mini, wires: [['h3']] },
        { id: 'h3', type: 'helper' },
      ]);
      await load(flow, CREDS);
      await send('n1', { payload: 'status' });
      assert.equal(sim.state.counters.refreshes, 0);
      sim.expireTokens();
      const all = await Promise.all([
        send('n1', { payload: 'status' }),
        send('n2', { payload: 'status' }, 'h2'),
        send('n3', { payload: 1 }, 'h3'),
      ]);
      assert.equal(all.length, 3);
      assert.equal(sim.state.counters.refreshes, 1);
      assert.equal(sim.state.counters.logins, 1);
      assert.equal(sim.state.spentRefresh.size, 1);
      const spent = [...sim.state.spentRefresh][0];
      const res = await fetch(`${sim.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: spent }),
      });
      assert.equal(res.status, 401);
    });

    it('keeps the rotated token across a restart, so no new login or 2FA is needed', async () => {
      sim.require2fa();
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      await until(() => sim.outbox().length === 1);
      await admin({ code: sim.outbox()[0].code });
      sim.expireTokens();
      await send('n1', { payload: 'status' });
      assert.equal(sim.state.counters.refreshes, 1);
      const files = fs.readdirSync(stateDir).filter((f) => f.endsWith('.json'));
      assert.deepEqual(files, [storeFileName('acc')]);
      const onDisk = fs.readFileSync(path.join(stateDir, storeFileName('acc')), 'utf8');
      assert.ok(!onDisk.includes('blk_'), 'tokens are encrypted at rest');

      // A new runtime, a new account node: it must read the rotated token from the store.
      await unload();
      sim.expireTokens();
      sim.require2fa();
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      const msg = await send('n1', { payload: 'status' });
      assert.deepEqual(msg.payload, { armed: true, mode: null });
      assert.equal(sim.state.counters.logins, 1, 'no second sign-in');
      assert.equal(sim.outbox().length, 1, 'no second 2FA code');
      assert.equal(sim.state.counters.refreshes, 2);
    });
  });

  describe('camhub-arm', () => {
    it('arms and disarms the whole system, with the state read back', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch, armScope: 'system' }), CREDS);
      for (const [payload, armed] of [
        ['disarm', false],
        ['status', false],
        [true, true],
        [false, false],
        ['arm', true],
      ] as const) {
        const msg = await send('n1', { payload });
        assert.deepEqual(msg.payload, { armed, mode: null }, `after ${String(payload)}`);
        assert.deepEqual(msg.camera, { id: ID.porch, name: 'Porch', vendor: 'blink' });
      }
      const arms = sim.requests({ path: /\/state\/(arm|disarm)$/ });
      assert.equal(arms.length, 4);
      // Each command was polled until complete before the next one was sent.
      const cmds = sim.state.commands;
      assert.ok([...cmds.values()].every((c) => c.complete && c.polls >= 3));
    });

    it("switches one camera's motion detection with armScope camera", async () => {
      await load(
        blinkFlow(sim.url, 'camhub-arm', { camera: ID.shed, armScope: 'camera' }, [
          {
            id: 'n2',
            type: 'camhub-arm',
            account: 'acc',
            camera: ID.doorbell,
            armScope: 'camera',
            wires: [['h2']],
          },
          { id: 'h2', type: 'helper' },
          { id: 'n3', type: 'camhub-arm', account: 'acc', camera: ID.mini, wires: [['h3']] },
          { id: 'h3', type: 'helper' },
        ]),
        CREDS,
      );
      assert.deepEqual((await send('n1', { payload: 'status' })).payload, {
        armed: true,
        mode: null,
      });
      assert.deepEqual((await send('n1', { payload: 'disarm' })).payload, {
        armed: false,
        mode: null,
      });
      assert.deepEqual((await send('n2', { payload: false }, 'h2')).payload, {
        armed: false,
        mode: null,
      });
      // A Mini without a sync module is its own system: "system" switches its motion detection.
      assert.deepEqual((await send('n3', { payload: 'disarm' }, 'h3')).payload, {
        armed: false,
        mode: null,
      });
      const net = (sim.state.view() as { networks: { id: number; armed: boolean }[] }).networks;
      assert.equal(net.find((n) => n.id === ID.cabin)?.armed, false);
      assert.equal(sim.state.devices.get(Number(ID.shed))?.enabled, false);
      assert.equal(sim.state.devices.get(Number(ID.doorbell))?.enabled, false);
      assert.equal(sim.state.devices.get(Number(ID.mini))?.enabled, false);
      assert.equal(sim.requests({ path: /\/state\/(arm|disarm)$/ }).length, 0);
      assert.equal(sim.requests({ path: /\/owls\/6001\/config$/ }).length, 1);
      assert.equal(sim.requests({ path: /\/doorbells\/8001\/disable$/ }).length, 1);
    });

    it('reports a failed command as CLOUD_ERROR and a stuck one as TIMEOUT, never as success', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      sim.nextCommands('fail', 1, 999);
      let err = await fails('n1', { payload: 'disarm' });
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /command failed .*code 999/);
      sim.nextCommands('never');
      err = await fails('n1', { payload: 'disarm' });
      assert.equal(err.code, 'TIMEOUT');
      assert.match(err.message, /did not complete within 1 s/);
      const net = (sim.state.view() as { networks: { id: number; armed: boolean }[] }).networks;
      assert.equal(net.find((n) => n.id === ID.home)?.armed, true);
      assert.deepEqual((await send('n1', { payload: 'disarm' })).payload, {
        armed: false,
        mode: null,
      });
    });

    it('sends commands of one network one after another, so none is refused as busy', async () => {
      await load(
        blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }, [
          {
            id: 'n2',
            type: 'camhub-snapshot',
            account: 'acc',
            camera: ID.doorbell,
            wires: [['h2']],
          },
          { id: 'h2', type: 'helper' },
        ]),
        CREDS,
      );
      const [a, b] = await Promise.all([
        send('n1', { payload: 'disarm' }),
        send('n2', { payload: 1 }, 'h2'),
      ]);
      assert.deepEqual(a.payload, { armed: false, mode: null });
      assert.ok(Buffer.isBuffer(b.payload));
      assert.ok(sim.requests().every((r) => r.status !== 409));
    });

    it('rejects modes, unknown scopes and bad payloads, and keeps working', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      let err = await fails('n1', { payload: 'vacation' });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /no modes/);
      err = await fails('n1', { payload: [1, 2] });
      assert.equal(err.code, 'INVALID_INPUT');
      await unload();
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch, armScope: 'home' }), CREDS);
      err = await fails('n1', { payload: 'arm' });
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /"system".*"camera"/);
    });
  });

  describe('camhub-snapshot', () => {
    it('takes a fresh picture in every thumbnail form (path, &ext=, timestamp)', async () => {
      await load(blinkFlow(sim.url, 'camhub-snapshot'), CREDS);
      for (const camera of [ID.porch, ID.shed, ID.mini, ID.doorbell]) {
        const before = sim.state.devices.get(Number(camera))?.thumbnailTs ?? 0;
        const msg = await send('n1', { payload: 1, camera });
        const jpeg = msg.payload as Buffer;
        assert.ok(Buffer.isBuffer(jpeg) && jpeg[0] === 0xff && jpeg[1] === 0xd8, camera);
        assert.equal(msg.contentType, 'image/jpeg');
        assert.equal((msg.camera as { id: string }).id, camera);
        assert.ok((sim.state.devices.get(Number(camera))?.thumbnailTs ?? 0) > before);
      }
      const images = sim.requests({ path: /\.jpg$/ });
      assert.equal(images.length, 4);
      assert.ok(images.some((r) => r.path.startsWith('/rest-u014/media/production/')));
      assert.ok(
        images.some((r) => r.path.endsWith('/thumbnail/thumbnail.jpg') && r.query.ext === ''),
      );
      assert.ok(images.every((r) => r.status === 200 && r.authScheme === 'Bearer'));
    });

    it('gives two flows asking at once the same picture from one thumbnail command', async () => {
      await load(
        blinkFlow(sim.url, 'camhub-snapshot', { camera: ID.porch }, [
          { id: 'n2', type: 'camhub-snapshot', account: 'acc', camera: ID.porch, wires: [['h2']] },
          { id: 'h2', type: 'helper' },
        ]),
        CREDS,
      );
      const [a, b] = await Promise.all([
        send('n1', { payload: 1 }),
        send('n2', { payload: 2 }, 'h2'),
      ]);
      assert.ok(Buffer.isBuffer(a.payload) && Buffer.isBuffer(b.payload));
      assert.equal(sim.requests({ path: /\/camera\/5001\/thumbnail$/ }).length, 1);
      assert.equal(sim.state.devices.get(Number(ID.porch))?.snapshots, 1);
    });

    it('reports an offline camera as OFFLINE', async () => {
      await load(blinkFlow(sim.url, 'camhub-snapshot', { camera: ID.shed }), CREDS);
      sim.setOnline(ID.shed, false);
      const err = await fails('n1', { payload: 1 });
      assert.equal(err.code, 'OFFLINE');
      assert.match(err.message, /Shed/);
      sim.setOnline(ID.shed, true);
      assert.ok(Buffer.isBuffer((await send('n1', { payload: 1 })).payload));
    });
  });

  it('says OFFLINE for a camera that went offline after the camera list was read, sending nothing', async () => {
    await load(
      blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }, [
        { id: 'n2', type: 'camhub-snapshot', account: 'acc', camera: ID.porch, wires: [['h2']] },
        { id: 'h2', type: 'helper' },
        { id: 'n3', type: 'camhub-stream', account: 'acc', camera: ID.porch, wires: [['h3']] },
        { id: 'h3', type: 'helper' },
      ]),
      CREDS,
    );
    assert.deepEqual((await send('n1', { payload: 'status' })).payload, {
      armed: true,
      mode: null,
    });
    sim.setOnline(ID.porch, false);
    sim.clearRequests();
    for (const [node, payload] of [
      ['n1', 'disarm'],
      ['n2', 1],
      ['n3', 1],
    ] as const) {
      const caught = nextCaught('c1');
      getNode(node).receive({ payload });
      const err = await caught;
      assert.equal(err.code, 'OFFLINE', `${node}: ${err.message}`);
      assert.match(err.message, /Porch/);
    }
    // The system stays armed: no arm command went out for the offline camera. (A snapshot or
    // live view is sent on the kept list, and the cloud's refusal is explained as OFFLINE.)
    assert.equal(sim.requests({ method: 'POST', path: /\/state\/(arm|disarm)$/ }).length, 0);
    const net = (sim.state.view() as { networks: { id: number; armed: boolean }[] }).networks;
    assert.equal(net.find((n) => n.id === ID.home)?.armed, true);
    sim.setOnline(ID.porch, true);
    assert.ok(Buffer.isBuffer((await send('n2', { payload: 1 }, 'h2')).payload));
  });

  describe('camhub-stream and camhub-ptz', () => {
    it('returns the liveview server URL, its protocol and expiry', async () => {
      await load(blinkFlow(sim.url, 'camhub-stream'), CREDS);
      const a = (await send('n1', { payload: 1, camera: ID.porch })).payload as {
        url: string;
        protocol: string;
        expiresAt: string;
      };
      assert.equal(a.protocol, 'immis');
      assert.match(a.url, /^immis:\/\//);
      const ttl = Date.parse(a.expiresAt) - Date.now();
      assert.ok(ttl > 290_000 && ttl <= 300_000, a.expiresAt);
      const b = (await send('n1', { payload: 1, camera: ID.shed })).payload as {
        protocol: string;
        url: string;
      };
      assert.equal(b.protocol, 'rtsps');
      assert.match(b.url, /^rtsps:\/\//);
      assert.equal(sim.requests({ path: /\/api\/v6\/.*\/cameras\/5001\/liveview$/ }).length, 1);
    });

    it('answers PTZ with NOT_SUPPORTED naming no capable camera, and a bad speed with INVALID_INPUT', async () => {
      await load(blinkFlow(sim.url, 'camhub-ptz', { camera: ID.porch }), CREDS);
      let err = await fails('n1', { payload: { action: 'move', direction: 'left', speed: 5 } });
      assert.equal(err.code, 'NOT_SUPPORTED');
      assert.match(err.message, /No camera in this account can/);
      err = await fails('n1', { payload: { action: 'move', direction: 'left', speed: 500 } });
      assert.equal(err.code, 'INVALID_INPUT');
    });
  });

  describe('bad input and cloud faults', () => {
    it('reports a missing camera, then an unknown one, then works with a good msg', async () => {
      await load(blinkFlow(sim.url, 'camhub-snapshot'), CREDS);
      let err = await fails('n1', { payload: 1 });
      assert.equal(err.code, 'INVALID_INPUT');
      err = await fails('n1', { payload: 1, camera: '999999' });
      assert.equal(err.code, 'UNKNOWN_CAMERA');
      assert.match(err.message, /5001 \(Porch\)/);
      err = await fails('n1', { payload: 1, camera: [1] });
      assert.equal(err.code, 'INVALID_INPUT');
      assert.ok(Buffer.isBuffer((await send('n1', { payload: 1, camera: ID.porch })).payload));
    });

    it('retries a homescreen GET through a 5xx, and reports a malformed body as CLOUD_ERROR', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      await send('n1', { payload: 'status' });
      sim.addFault({ path: '^/rest-u014/api/v3/accounts/\\d+/homescreen$', status: 503, count: 2 });
      assert.deepEqual((await send('n1', { payload: 'status' })).payload, {
        armed: true,
        mode: null,
      });
      sim.addFault({
        path: '^/rest-u014/api/v3/accounts/\\d+/homescreen$',
        malformed: true,
        count: 3,
      });
      const err = await fails('n1', { payload: 'status' });
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.match(err.message, /not valid JSON/);
    });

    it('never resends an arm command after a 5xx', async () => {
      await load(blinkFlow(sim.url, 'camhub-arm', { camera: ID.porch }), CREDS);
      await send('n1', { payload: 'status' });
      sim.addFault({ path: '/rest-u014/api/v1/accounts', method: 'POST', status: 502 });
      const err = await fails('n1', { payload: 'disarm' });
      assert.equal(err.code, 'CLOUD_ERROR');
      assert.equal(sim.requests({ path: /\/state\/disarm$/ }).length, 1);
    });
  });

  describe('camhub-event', () => {
    function eventNodes(n: number, props: Record<string, unknown> = {}): FlowNode[] {
      const out: FlowNode[] = [];
      for (let i = 0; i < n; i++) {
        out.push({
          id: `e${i}`,
          type: 'camhub-event',
          account: 'acc',
          camera: '',
          types: [],
          wires: [[`eh${i}`]],
          ...props,
        });
        out.push({ id: `eh${i}`, type: 'helper' });
      }
      return out;
    }
    const polls = () =>
      sim.requests({ path: /\/media\/changed$/ }).filter((r) => r.query.page === '1');

    it('turns motion and a doorbell press into events once each, across overlapping polls', async () => {
      await load([{ ...ACCOUNT, baseUrl: sim.url }, ...eventNodes(1)], CREDS);
      const got = collect('eh0');
      await until(() => polls().length >= 1);
      sim.trigger(ID.porch, 'motion');
      sim.trigger(ID.doorbell, 'doorbell');
      await until(() => got.msgs.length >= 2);
      const after = polls().length;
      await until(() => polls().length >= after + 4);
      got.stop();
      assert.equal(got.msgs.length, 2, JSON.stringify(got.msgs.map((m) => m.payload)));
      const byType = Object.fromEntries(
        got.msgs.map((m) => [(m.payload as { type: string }).type, m]),
      );
      assert.equal(byType.motion.topic, `blink/${ID.porch}/motion`);
      assert.deepEqual((byType.motion.payload as { camera: unknown }).camera, {
        id: ID.porch,
        name: 'Porch',
      });
      assert.equal(byType.doorbell.topic, `blink/${ID.doorbell}/doorbell`);
      assert.deepEqual(byType.doorbell.camera, {
        id: ID.doorbell,
        name: 'Front Door',
        vendor: 'blink',
      });
      // The windows overlapped, so the clips were seen again and deduplicated by id.
      const all = polls();
      const since = all.map((r) => Date.parse(r.query.since.replace('+0000', 'Z')));
      assert.ok(since.slice(1).every((s, i) => s < Date.parse(all[i].time)));
      // Yesterday's clips in the account were never reported.
      assert.ok(
        got.msgs.every(
          (m) => Date.now() - Date.parse((m.payload as { time: string }).time) < 60_000,
        ),
      );
    });

    it('does not repeat events when the poller restarts on a redeploy', async () => {
      const flow: FlowNode[] = [{ ...ACCOUNT, baseUrl: sim.url }, ...eventNodes(1)];
      await load(flow, CREDS);
      let got = collect('eh0');
      await until(() => polls().length >= 1);
      sim.trigger(ID.porch, 'motion');
      await until(() => got.msgs.length >= 1);
      got.stop();
      const changed = flow.map((n) => (n.id === 'e0' ? { ...n, name: 'renamed' } : n));
      await redeploy(changed, undefined, 'nodes');
      got = collect('eh0');
      const after = polls().length;
      await until(() => polls().length >= after + 3);
      sim.trigger(ID.doorbell, 'doorbell');
      await until(() => got.msgs.length >= 1);
      const more = polls().length;
      await until(() => polls().length >= more + 2);
      got.stop();
      assert.deepEqual(
        got.msgs.map((m) => (m.payload as { type: string }).type),
        ['doorbell'],
      );
    });

    it('polls once per interval for the whole account, however many event nodes listen', async () => {
      await load([{ ...ACCOUNT, baseUrl: sim.url }, ...eventNodes(10)], CREDS);
      const all = Array.from({ length: 10 }, (_, i) => collect(`eh${i}`));
      await until(() => polls().length >= 1);
      sim.trigger(ID.porch, 'motion');
      await until(() => all.every((c) => c.msgs.length >= 1));
      const start = polls().length;
      await until(() => polls().length >= start + 5);
      for (const c of all) c.stop();
      assert.ok(all.every((c) => c.msgs.length === 1));
      const times = polls().map((r) => Date.parse(r.time));
      for (let i = 1; i < times.length; i++) {
        assert.ok(
          times[i] - times[i - 1] >= POLL_S * 1000 * 0.8,
          `polls ${i - 1} and ${i} too close`,
        );
      }
      assert.equal(sim.requests({ path: /\/homescreen$/ }).length <= 3, true);
    });

    it('drops motion reported while the system is disarmed unless the node asks for all', async () => {
      await load(
        [
          { ...ACCOUNT, baseUrl: sim.url },
          ...eventNodes(1),
          {
            id: 'all',
            type: 'camhub-event',
            account: 'acc',
            camera: '',
            types: [],
            includeDisarmed: true,
            wires: [['hall']],
          },
          { id: 'hall', type: 'helper' },
        ],
        CREDS,
      );
      const strict = collect('eh0');
      const loose = collect('hall');
      await until(() => polls().length >= 1);
      // Cabin is disarmed: Blink records nothing on motion...
      assert.equal(sim.trigger(ID.shed, 'motion'), undefined);
      // ...but a clip recorded just before a disarm still shows up in the next poll.
      sim.trigger(ID.shed, 'motion', { force: true });
      await until(() => loose.msgs.length >= 1);
      const after = polls().length;
      await until(() => polls().length >= after + 2);
      strict.stop();
      loose.stop();
      assert.equal(strict.msgs.length, 0);
      assert.equal((loose.msgs[0].payload as { camera: { id: string } }).camera.id, ID.shed);
    });
  });
});

describe('Blink example flow', function () {
  let sim: BlinkSim;
  let stateDir: string;
  before(async () => {
    sim = await startBlinkSim();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-blink-example-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    process.env.CAMHUB_BLINK_MIN_INTERVAL_MS = '10';
  });
  after(async () => {
    await unload();
    await sim.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    delete process.env.CAMHUB_STATE_DIR;
    delete process.env.CAMHUB_BLINK_MIN_INTERVAL_MS;
  });

  it('runs the flagship example: motion while armed -> fresh snapshot -> notification', async () => {
    const file = path.join(
      __dirname,
      '..',
      '..',
      'examples',
      '05 - Blink motion while armed, snapshot, notify.json',
    );
    const nodes = JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
    const account = nodes.find((n) => n.type === 'camhub-blink');
    assert.ok(account);
    const notify = nodes.find((n) => n.name === 'notification');
    assert.ok(notify);
    // The file and debug nodes become helpers, so the test sees what the user would.
    const sinks = new Set(
      nodes.filter((n) => n.type === 'file' || n.type === 'debug').map((n) => n.id),
    );
    const flow: FlowNode[] = nodes.map((n) => {
      if (n.id === account.id) return { ...n, ...ACCOUNT, id: n.id, baseUrl: sim.url };
      if (sinks.has(n.id)) return { id: n.id, type: 'helper', z: n.z as string };
      return n;
    });
    const catchNode = nodes.find((n) => n.type === 'catch');
    const notifyOut = (notify.wires as string[][])[0][0];
    const errorsOut = (catchNode?.wires as string[][])[0][0];
    await load(flow, { [account.id]: CREDS.acc }, CORE_NODES);
    const polls = () => sim.requests({ path: /\/media\/changed$/ });
    await until(() => polls().length >= 1);
    const out = nextMessage(notifyOut);
    const caught = collect(errorsOut);
    sim.trigger(ID.porch, 'motion');
    const msg = await out;
    caught.stop();
    assert.deepEqual(caught.msgs, []);
    assert.match(String(msg.notification), /^Motion at Porch \(\d+ KB picture\)$/);
    assert.ok(Buffer.isBuffer(msg.payload));
  });
});
