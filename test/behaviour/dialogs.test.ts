/**
 * What the account dialogs ask of the runtime. Discover with the deployed values asks the
 * deployed account, with its session, instead of starting a login of its own (which, past 2FA,
 * would send a new code); the Reolink webhook URL can be shown again after a deploy.
 */
import assert from 'node:assert/strict';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../simulator/blink';
import { startReolinkSim, type ReolinkSim } from '../../simulator/reolink';
import { delay, getNode, helper, load, nextMessage, unload } from '../helpers/nodered';

const CREDS = { acc: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD } };

describe('Discover in the account dialog', function () {
  let sim: BlinkSim;
  before(async () => {
    sim = await startBlinkSim();
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
  });

  const flow = () => [
    {
      id: 'acc',
      type: 'camhub-blink',
      baseUrl: sim.url,
      pollInterval: 0.2,
      commandPoll: 0.02,
      commandSpacing: 0.01,
      commandTimeout: 1,
      timeout: 5,
    },
    { id: 'n1', type: 'camhub-arm', account: 'acc', camera: BLINK_IDS.porch, wires: [['h1']] },
    { id: 'h1', type: 'helper' },
  ];

  it('uses the deployed session past 2FA when the dialog shows the deployed values', async () => {
    sim.require2fa();
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-discover-test-${process.pid}`;
    await load(flow(), CREDS);
    // Signed in with the code, as a user does in the dialog.
    getNode('n1').receive({ payload: 'status' });
    while (sim.outbox().length < 1) await delay(20);
    const code = sim.outbox()[0].code;
    const step = await helper.request().post('/camhub/accounts/acc/auth').send({ code });
    assert.equal(step.status, 200, step.text);
    const armed = nextMessage('h1');
    getNode('n1').receive({ payload: 'status' });
    await armed;
    const signins = sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length;

    // The dialog sends what it shows: the deployed URL, the email, the password left blank.
    const res = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-blink',
        id: 'acc',
        baseUrl: sim.url,
        config: { pollInterval: '0.2' },
        credentials: { email: DEFAULT_BLINK_EMAIL, password: '__PWRD__' },
      });
    assert.equal(res.status, 200, res.text);
    assert.ok((res.body.data as unknown[]).length > 0);
    assert.equal(sim.requests({ path: '/oauth/v2/signin', method: 'POST' }).length, signins);
    assert.equal(sim.outbox().length, 1, 'no second code was sent');
    assert.doesNotMatch(res.text, new RegExp(DEFAULT_BLINK_PASSWORD));
  });

  it('goes on to the 2FA code in the dialog when it must sign in afresh', async () => {
    sim.require2fa();
    await load([]);
    const sent = sim.outbox().length;
    const first = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-blink',
        baseUrl: sim.url,
        config: { pollInterval: '0.2' },
        credentials: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD },
      });
    const auth = first.body.auth as { session: string; step: { next: string } } | undefined;
    assert.ok(auth, `the reply carries the next login step: ${first.text}`);
    assert.equal(auth.step.next, 'code');
    assert.doesNotMatch(first.text, new RegExp(DEFAULT_BLINK_PASSWORD));
    while (sim.outbox().length < sent + 1) await delay(20);
    const code = sim.outbox()[sent].code;

    const wrong = await helper
      .request()
      .post(`/camhub/discover/${auth.session}/auth`)
      .send({ code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.body.success, false);
    const done = await helper
      .request()
      .post(`/camhub/discover/${auth.session}/auth`)
      .send({ code });
    assert.equal(done.status, 200, done.text);
    assert.ok((done.body.data.cameras as unknown[]).length > 0);
    assert.equal(sim.outbox().length, sent + 1, 'one code for the whole sign-in');
    assert.doesNotMatch(done.text, new RegExp(`${code}|${DEFAULT_BLINK_PASSWORD}`));
    // The sign-in is over: its id opens nothing any more.
    const again = await helper
      .request()
      .post(`/camhub/discover/${auth.session}/auth`)
      .send({ code });
    assert.equal(again.status, 400);
  });
});

describe('the webhook URL in the account dialog', function () {
  let sim: ReolinkSim;
  before(async () => {
    sim = await startReolinkSim();
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
  });

  it("gives the deployed Reolink authcode on an explicit request, and no login's secret", async () => {
    await load(
      [
        { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url },
        { id: 'blink', type: 'camhub-blink', baseUrl: sim.url },
      ],
      {
        acc: { username: 'partner', password: 'login-pass-41', authcode: 'hook-code-93' },
        blink: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD },
      },
    );
    const res = await helper.request().post('/camhub/accounts/acc/webhook-secret').expect(200);
    assert.deepEqual(res.body.data, { authcode: 'hook-code-93' });
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.doesNotMatch(res.text, /login-pass-41|partner/);
    // Nothing by GET (a link, a prefetch), nothing for a cloud without a webhook secret.
    await helper.request().get('/camhub/accounts/acc/webhook-secret').expect(404);
    const blink = await helper.request().post('/camhub/accounts/blink/webhook-secret');
    assert.equal(blink.status, 400);
    assert.doesNotMatch(blink.text, new RegExp(DEFAULT_BLINK_PASSWORD));
    const none = await helper.request().post('/camhub/accounts/nobody/webhook-secret');
    assert.equal(none.status, 400);
  });

  it('answers a German editor in German, with the English detail beside it', async () => {
    await load([{ id: 'acc', type: 'camhub-reolink', baseUrl: sim.url }]);
    const own = await helper
      .request()
      .post('/camhub/accounts/nobody/webhook-secret')
      .set('Accept-Language', 'de');
    assert.equal(own.body.message, 'Bitte das Konto erst mit einem Authcode deployen.');
    assert.equal(own.body.detail, 'Deploy the account with an authcode first.');
    // A cloud's refusal: what the code means and what to do.
    sim.addFault({ path: '/v1.0/devices', status: 401, count: 5 });
    const refused = await helper
      .request()
      .post('/camhub/discover')
      .set('Accept-Language', 'de-DE,de;q=0.9')
      .send({ type: 'camhub-reolink', baseUrl: sim.url, credentials: {} });
    assert.equal(refused.status, 502, refused.text);
    sim.clearFaults();
    assert.match(refused.body.message as string, /^Anmeldung fehlgeschlagen: Anmeldedaten/);
    const english = await helper.request().post('/camhub/accounts/nobody/webhook-secret');
    assert.equal(english.body.message, 'Deploy the account with an authcode first.');
  });
});
