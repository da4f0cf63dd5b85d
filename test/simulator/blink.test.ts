import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  BLINK_IDS,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkSim,
} from '../../simulator/blink';

const form = (o: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
  redirect: 'manual' as const,
});

/** Today's login, step by step, as a client performs it. */
async function signIn(sim: BlinkSim, password = DEFAULT_BLINK_PASSWORD) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    app_brand: 'blink',
    client_id: 'ios',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    hardware_id: 'TEST-HW',
    redirect_uri: 'immedia-blink://applinks.blink.com/signin/callback',
    response_type: 'code',
    scope: 'client',
    state: 'xyz',
  });
  const auth = await fetch(`${sim.url}/oauth/v2/authorize?${q}`);
  const cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0];
  const page = await (await fetch(`${sim.url}/oauth/v2/signin`, { headers: { cookie } })).text();
  const csrf = (
    JSON.parse(/<script id="oauth-args"[^>]*>(.*?)<\/script>/s.exec(page)?.[1] ?? '{}') as Record<
      string,
      string
    >
  )['csrf-token'];
  const signin = await fetch(`${sim.url}/oauth/v2/signin`, {
    ...form({ username: DEFAULT_BLINK_EMAIL, password, 'csrf-token': csrf }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
  return { signin, cookie, verifier };
}

async function tokens(sim: BlinkSim): Promise<{ access_token: string; refresh_token: string }> {
  const { signin, cookie, verifier } = await signIn(sim);
  assert.equal(signin.status, 303);
  const again = await fetch(`${sim.url}/oauth/v2/authorize`, {
    headers: { cookie },
    redirect: 'manual',
  });
  assert.equal(again.status, 302);
  const code = new URL(again.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const res = await fetch(
    `${sim.url}/oauth/token`,
    form({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: 'ios' }),
  );
  assert.equal(res.status, 200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

describe('Blink simulator', () => {
  let sim: BlinkSim;
  before(async () => {
    sim = await startBlinkSim();
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => sim.reset());

  it('serves the REST API only on the tier host, with 401 code 101 elsewhere', async () => {
    const t = await tokens(sim);
    const h = { authorization: `Bearer ${t.access_token}` };
    const tier = (await (
      await fetch(`${sim.url}/api/v1/users/tier_info`, { headers: h })
    ).json()) as { tier: string };
    assert.equal(tier.tier, 'u014');
    const ok = await fetch(`${sim.url}/rest-u014/api/v3/accounts/${BLINK_IDS.account}/homescreen`, {
      headers: h,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('client-id'), '44001');
    for (const wrong of ['/rest-e006', '']) {
      const res = await fetch(
        `${sim.url}${wrong}/api/v3/accounts/${BLINK_IDS.account}/homescreen`,
        { headers: h },
      );
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { message: 'Unauthorized Access', code: 101 });
    }
  });

  it('rotates refresh tokens and wants the bearer token for thumbnails', async () => {
    const t = await tokens(sim);
    const rotate = (rt: string) =>
      fetch(`${sim.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: rt }));
    const first = await rotate(t.refresh_token);
    assert.equal(first.status, 200);
    assert.equal((await rotate(t.refresh_token)).status, 401);
    const thumb = `${sim.url}/rest-u014/api/v3/media/accounts/${BLINK_IDS.account}/networks/${BLINK_IDS.kitchen}/owl/${BLINK_IDS.mini}/thumbnail/thumbnail.jpg?ts=${sim.state.devices.get(6001)?.thumbnailTs}&ext=`;
    assert.equal((await fetch(thumb)).status, 401);
    const img = await fetch(thumb, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
  });

  it("serves a clip's thumbnail (its path plus .jpg) only with the bearer token", async () => {
    const t = await tokens(sim);
    const clip = sim.state.addMedia(Number(BLINK_IDS.porch), 'pir');
    const url = `${sim.url}/rest-u014${clip.thumbnail}.jpg`;
    assert.equal((await fetch(url)).status, 401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'image/jpeg');
    const gone = await fetch(`${sim.url}/rest-u014${clip.thumbnail}0.jpg`, {
      headers: { authorization: `Bearer ${t.access_token}` },
    });
    assert.equal(gone.status, 404);
  });

  it('keeps a command incomplete for a few polls, then completes it with 908', async () => {
    const t = await tokens(sim);
    const h = { authorization: `Bearer ${t.access_token}` };
    const cmd = (await (
      await fetch(
        `${sim.url}/rest-u014/api/v1/accounts/${BLINK_IDS.account}/networks/${BLINK_IDS.home}/state/disarm`,
        { method: 'POST', headers: h },
      )
    ).json()) as { id: number };
    const busy = await fetch(
      `${sim.url}/rest-u014/network/${BLINK_IDS.home}/camera/${BLINK_IDS.porch}/thumbnail`,
      { method: 'POST', headers: h },
    );
    assert.equal(busy.status, 409);
    const seen: { complete: boolean; status_code: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${sim.url}/rest-u014/network/${BLINK_IDS.home}/command/${cmd.id}`, {
        headers: h,
      });
      seen.push((await r.json()) as { complete: boolean; status_code: number });
    }
    assert.deepEqual(
      seen.map((s) => [s.complete, s.status_code]),
      [
        [false, 908],
        [false, 908],
        [true, 908],
      ],
    );
  });

  it('answers a login storm with 429 (Retry-After when configured), then locks the account out', async () => {
    sim.state.loginLimit = {
      max: 2,
      windowMs: 60_000,
      retryAfterSec: 30,
      lockoutAfter: 1,
      lockoutMs: 60_000,
    };
    assert.equal((await signIn(sim)).signin.status, 303);
    assert.equal((await signIn(sim, 'nope')).signin.status, 401);
    const limited = (await signIn(sim)).signin;
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '30');
    const locked = (await signIn(sim)).signin;
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), null);
    assert.match(((await locked.json()) as { message: string }).message, /try again in 60 minutes/);
    assert.equal((await signIn(sim)).signin.status, 429);
  });

  it('pages media/changed by since, so overlapping windows repeat entries', async () => {
    const t = await tokens(sim);
    const h = { authorization: `Bearer ${t.access_token}` };
    const since = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '+0000');
    sim.trigger(BLINK_IDS.porch);
    const url = `${sim.url}/rest-u014/api/v1/accounts/${BLINK_IDS.account}/media/changed?since=${encodeURIComponent(since)}&page=1`;
    const a = (await (await fetch(url, { headers: h })).json()) as {
      media: { id: number; source: string }[];
    };
    sim.trigger(BLINK_IDS.doorbell, 'doorbell');
    const b = (await (await fetch(url, { headers: h })).json()) as {
      media: { id: number; source: string }[];
    };
    assert.equal(a.media.length, 1);
    assert.equal(b.media.length, 2);
    assert.ok(b.media.some((m) => m.id === a.media[0].id));
    assert.deepEqual(b.media.map((m) => m.source).sort(), ['button_press', 'pir']);
    assert.equal(sim.trigger(BLINK_IDS.shed), undefined, 'the Cabin network is disarmed');
  });
});
