import assert from 'node:assert/strict';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import { helper, load, unload } from '../helpers/nodered';

const SECRET = 'sentinel-pass-9f3';
const AUTHCODE = 'sentinel-code-77a';

describe('admin endpoints behind the editor pickers', function () {
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim({ auth: { username: 'partner', password: SECRET } });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
  });

  const flow = () => [{ id: 'acc', type: 'camhub-reolink', baseUrl: sim.url }];

  it('list a deployed account’s cameras with capabilities and no secret', async () => {
    await load(flow(), { acc: { username: 'partner', password: SECRET, authcode: AUTHCODE } });
    const res = await helper.request().get('/camhub/accounts/acc/cameras').expect(200);
    const cams = res.body.data as { id: string; capabilities: { ptz: boolean } }[];
    assert.equal(cams.length, 4);
    assert.equal(cams.find((c) => c.id === REOLINK_UIDS.ptzOutdoor)?.capabilities.ptz, true);
    assert.doesNotMatch(res.text, new RegExp(`${SECRET}|${AUTHCODE}|partner`));
  });

  it('discover cameras for an account not deployed yet, using the values typed in', async () => {
    await load([]);
    const res = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-reolink',
        baseUrl: sim.url,
        credentials: { username: 'partner', password: SECRET },
      })
      .expect(200);
    assert.equal(res.body.data.length, 4);
    assert.doesNotMatch(res.text, new RegExp(SECRET));
  });

  it('use the stored secret when the dialog sends none, and never echo a wrong one', async () => {
    await load(flow(), { acc: { username: 'partner', password: SECRET, authcode: AUTHCODE } });
    const stored = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-reolink',
        id: 'acc',
        baseUrl: sim.url,
        credentials: { username: 'partner', password: '__PWRD__' },
      })
      .expect(200);
    assert.equal(stored.body.data.length, 4);
    const wrong = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-reolink',
        baseUrl: sim.url,
        credentials: { username: 'partner', password: 'typo-pass-123' },
      });
    assert.equal(wrong.body.code, 'AUTH_FAILED');
    assert.doesNotMatch(wrong.text, /typo-pass-123/);
  });

  it('never send stored secrets to another server than the deployed one', async () => {
    await load(flow(), { acc: { username: 'partner', password: SECRET, authcode: AUTHCODE } });
    const other = await startReolinkSim();
    try {
      await helper
        .request()
        .post('/camhub/discover')
        .send({ type: 'camhub-reolink', id: 'acc', baseUrl: other.url, credentials: {} });
      const seen = other.requests().map((r) => r.authScheme);
      assert.ok(seen.length > 0);
      assert.ok(
        seen.every((s) => s === undefined),
        JSON.stringify(seen),
      );
    } finally {
      await other.close();
    }
  });

  it('use stored secrets only with the deployed settings, not with others typed in', async () => {
    await load(flow(), { acc: { username: 'partner', password: SECRET, authcode: AUTHCODE } });
    const changed = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-reolink',
        id: 'acc',
        baseUrl: sim.url,
        config: { timeout: '99' },
        credentials: {},
      });
    assert.equal(changed.body.code, 'AUTH_FAILED');
    const same = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-reolink',
        id: 'acc',
        baseUrl: sim.url,
        config: { baseUrl: sim.url },
        credentials: {},
      })
      .expect(200);
    assert.equal(same.body.data.length, 4);
  });

  it('report the account state and an account that is not deployed', async () => {
    await load(flow(), { acc: { username: 'partner', password: SECRET } });
    await helper.request().get('/camhub/accounts/acc/cameras').expect(200);
    const state = await helper.request().get('/camhub/accounts/acc/state').expect(200);
    assert.equal(state.body.data.state, 'connected');
    const missing = await helper.request().get('/camhub/accounts/nope/cameras').expect(404);
    assert.equal(missing.body.code, 'NOT_CONFIGURED');
    const modes = await helper.request().get('/camhub/accounts/acc/modes').expect(200);
    assert.deepEqual(modes.body.data, []);
  });
});
