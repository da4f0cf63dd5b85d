import assert from 'node:assert/strict';
import { ARLO_IDS, ARLO_USER, startArloSim, type ArloSim } from '../../simulator/arlo';

const BROWSER = {
  'User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148',
  Origin: 'https://my.arlo.com',
  Referer: 'https://my.arlo.com/',
};
const OCAPI = {
  ...BROWSER,
  'X-User-Device-Id': 'browser-1',
  'X-User-Device-Type': 'BROWSER',
  'X-User-Device-Automation-Name': 'QlJPV1NFUg==',
  'X-Service-Version': '3',
  'Content-Type': 'application/json',
};

async function login(sim: ArloSim): Promise<string> {
  const res = await fetch(`${sim.authUrl}/api/auth`, {
    method: 'POST',
    headers: OCAPI,
    body: JSON.stringify({
      email: ARLO_USER.email,
      password: Buffer.from(ARLO_USER.password).toString('base64'),
    }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { token: string } }).data.token;
}

function myapi(token: string): Record<string, string> {
  return {
    ...BROWSER,
    Authorization: token,
    'Auth-Version': '2',
    SchemaVersion: '1',
    'Content-Type': 'application/json; charset=utf-8',
  };
}

describe('Arlo simulator', () => {
  let sim: ArloSim;
  before(async () => {
    sim = await startArloSim({ eventDelayMs: 1 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => sim.reset());

  it('refuses, as Cloudflare does, a login without a browser agent or the web app headers (2.2, 2.10)', async () => {
    const body = JSON.stringify({ email: ARLO_USER.email, password: 'x' });
    for (const headers of [
      { ...OCAPI, 'User-Agent': 'node-red-contrib-camhub' },
      { ...OCAPI, Origin: '' },
      Object.fromEntries(Object.entries(OCAPI).filter(([k]) => k !== 'X-Service-Version')),
    ]) {
      const res = await fetch(`${sim.authUrl}/api/auth`, { method: 'POST', headers, body });
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), 'Unknown error has occurred');
    }
    assert.equal(sim.state.logins, 0);
  });

  it('refuses myapi calls without Auth-Version and SchemaVersion, not the presigned objects', async () => {
    const token = await login(sim);
    const ok = await fetch(`${sim.url}/hmsweb/users/session/v3`, { headers: myapi(token) });
    assert.equal(ok.status, 200);
    const { 'Auth-Version': _drop, ...bare } = myapi(token);
    const refused = await fetch(`${sim.url}/hmsweb/users/session/v3`, { headers: bare });
    assert.equal(refused.status, 403);
    const s3 = await fetch(`${sim.url}/_s3/last/${ARLO_IDS.frontDoor}.jpg`);
    assert.equal(s3.status, 200);
  });

  it('answers a subscription the first time, then not within its answer period, or never (2.4)', async () => {
    const token = await login(sim);
    const subscribe = () =>
      fetch(`${sim.url}/hmsweb/users/devices/notify/${ARLO_IDS.base}`, {
        method: 'POST',
        headers: { ...myapi(token), xcloudId: 'XC-7G2M-5B0C1D' },
        body: JSON.stringify({
          from: `${ARLO_USER.userId}_web`,
          to: ARLO_IDS.base,
          action: 'set',
          resource: `subscriptions/${ARLO_USER.userId}_web`,
          publishResponse: false,
          properties: { devices: [ARLO_IDS.base] },
          transId: 'web!1',
        }),
      });
    const count = () =>
      sim.bus.log.filter((p) => String(p.packet.resource).startsWith('subscriptions/')).length;
    const before = count();
    const answers = () => count() - before;
    const settle = () => new Promise((r) => setTimeout(r, 30));
    assert.equal((await subscribe()).status, 200);
    await settle();
    assert.equal(answers(), 1);
    assert.equal((await subscribe()).status, 200);
    await settle();
    assert.equal(answers(), 1, 'the next answer is a minute away');
    assert.ok(sim.state.publishing(ARLO_IDS.base), 'the registration holds all the same');
    const control = await fetch(`${sim.url}/_sim/subscriptions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ answerEveryMs: 0 }),
    });
    assert.equal(control.status, 200);
    await subscribe();
    await settle();
    assert.equal(answers(), 2);
    sim.setSubscriptionAnswers('never', ARLO_IDS.base);
    await subscribe();
    await settle();
    assert.equal(answers(), 2);
  });

  it('answers the SSE subscribe of an expired token with success:false 2015 (2.10)', async () => {
    const token = await login(sim);
    sim.expireTokens();
    const res = await fetch(`${sim.url}/hmsweb/client/subscribe`, { headers: myapi(token) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { success: boolean; data: { error: string } };
    assert.equal(body.success, false);
    assert.equal(body.data.error, '2015');
  });
});
