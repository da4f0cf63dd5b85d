import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARLO_IDS, ARLO_USER, startArloSim } from '../../simulator/arlo';
import { REOLINK_UIDS, startReolinkSim, type ReolinkSim } from '../../simulator/reolink';
import {
  getNode,
  helper,
  load,
  nextCaught,
  nextMessage,
  unload,
  watchStatus,
} from '../helpers/nodered';

const U = REOLINK_UIDS;

function flow(url: string) {
  return [
    { id: 'acc', type: 'camhub-reolink', baseUrl: url, timeout: 5 },
    { id: 'n1', type: 'camhub-arm', account: 'acc', camera: U.fixed, wires: [['h1']] },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
}

describe('read-only users and login storms', function () {
  let sim: ReolinkSim;
  let stateDir: string;
  const savedDir = process.env.CAMHUB_STATE_DIR;

  before(async () => {
    sim = await startReolinkSim({ auth: { username: 'partner', password: 'right' } });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-storm-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
  });
  afterEach(async () => {
    await unload();
    sim.clearRequests();
    if (savedDir === undefined) delete process.env.CAMHUB_STATE_DIR;
    else process.env.CAMHUB_STATE_DIR = savedDir;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("serves the editor's refresh from a short per-account cache", async () => {
    await load(flow(sim.url), { acc: { username: 'partner', password: 'right' } });
    const list = () => sim.requests({ path: /^\/v1\.0\/devices$/, method: 'GET' }).length;
    await helper.request().get('/camhub/accounts/acc/cameras').expect(200);
    const first = list();
    assert.equal(first, 1);
    const replies = await Promise.all(
      Array.from({ length: 16 }, () =>
        helper.request().get('/camhub/accounts/acc/cameras?refresh=1').expect(200),
      ),
    );
    for (const r of replies) assert.equal(r.body.data.length, 4);
    assert.equal(list() - first, 1, '16 refreshes, one cloud call');
    for (let i = 0; i < 5; i++) {
      await helper.request().get('/camhub/accounts/acc/cameras?refresh=1').expect(200);
    }
    assert.equal(list() - first, 1);
  });

  it('refused credentials are not tried again per msg or per editor call, and that shows', async () => {
    await load(flow(sim.url), { acc: { username: 'partner', password: 'wrong' } });
    const status = watchStatus('n1');
    for (let i = 0; i < 8; i++) {
      const caught = nextCaught('c1');
      getNode('n1').receive({ payload: 'status' });
      const err = await caught;
      assert.equal(err.code, 'AUTH_FAILED', err.message);
      if (i > 0) assert.match(err.message, /next Reolink login at \d\d:\d\d:\d\d/);
    }
    for (let i = 0; i < 4; i++) {
      await helper.request().get('/camhub/accounts/acc/cameras?refresh=1');
    }
    assert.equal(sim.requests().length, 1, JSON.stringify(sim.requests()));
    assert.ok(
      status.some((s) => /authFailedUntil|next login/.test(s.text ?? '')),
      JSON.stringify(status),
    );

    // The back-off is kept across a restart with the same credentials ...
    await unload();
    await load(flow(sim.url), { acc: { username: 'partner', password: 'wrong' } });
    const again = nextCaught('c1');
    getNode('n1').receive({ payload: 'status' });
    assert.equal((await again).code, 'AUTH_FAILED');
    assert.equal(sim.requests().length, 1);

    // ... and corrected credentials are tried at once.
    await unload();
    await load(flow(sim.url), { acc: { username: 'partner', password: 'right' } });
    const ok = nextMessage('h1');
    getNode('n1').receive({ payload: 'status' });
    await ok;
  });

  it('Arlo: a token refused right after its login is not followed by a login per msg', async () => {
    const arlo = await startArloSim();
    try {
      // The device list refuses every token, even one just issued (vendor-facts 2.10: 2015).
      arlo.addFault({
        path: '/hmsweb/v2/users/devices',
        status: 401,
        body: { success: false, data: { error: '2015', message: 'Session expired' } },
        count: 100,
      });
      await load(
        [
          {
            id: 'acc',
            type: 'camhub-arlo',
            baseUrl: arlo.url,
            authUrl: arlo.authUrl,
            timeout: 5,
            commandTimeout: 1.5,
          },
          {
            id: 'n1',
            type: 'camhub-arm',
            account: 'acc',
            camera: ARLO_IDS.frontDoor,
            wires: [['h1']],
          },
          { id: 'h1', type: 'helper' },
          { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
          { id: 'c1', type: 'helper' },
        ],
        { acc: { email: ARLO_USER.email, password: ARLO_USER.password } },
      );
      for (let i = 0; i < 8; i++) {
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload: 'status' });
        const err = await caught;
        assert.equal(err.code, 'AUTH_FAILED', err.message);
      }
      await helper.request().get('/camhub/accounts/acc/cameras?refresh=1');
      // The first login, and the one re-login after the first refusal; then none.
      const logins = arlo.auth.requests({ path: '/api/auth', method: 'POST' });
      assert.ok(logins.length <= 2, `${logins.length} logins`);
    } finally {
      await unload();
      await arlo.close();
    }
  });
});
