/**
 * Status dots tell one story per account: an account problem (a code to enter, a refused
 * password, a rate limit) shows on every node of the account until it is solved, whatever
 * a node's own last msg did; and new credentials are tried at deploy.
 */
import assert from 'node:assert/strict';
import { ARLO_IDS, ARLO_USER, startArloSim, type ArloSim } from '../../simulator/arlo';
import {
  collect,
  getNode,
  load,
  nextCaught,
  nextMessage,
  redeploy,
  unload,
  watchStatus,
  type CaughtError,
  type FlowNode,
  type StatusCall,
} from '../helpers/nodered';

const CREDS = { acc: { email: ARLO_USER.email, password: ARLO_USER.password } };

/** Waits for a condition; the bound is generous, not an assertion. */
async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const last = (seen: StatusCall[]): string | undefined => seen[seen.length - 1]?.text;

let stateDir = 0;

describe('status dots of an account', function () {
  let sim: ArloSim;

  before(async () => {
    sim = await startArloSim({ snapDelayMs: 30 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-status-test-${process.pid}-${++stateDir}`;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  function flow(): FlowNode[] {
    return [
      {
        id: 'acc',
        type: 'camhub-arlo',
        baseUrl: sim.url,
        authUrl: sim.authUrl,
        timeout: 5,
        commandTimeout: 1.5,
        heartbeat: 0.3,
      },
      { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', wires: [['he']] },
      {
        id: 'snap',
        type: 'camhub-snapshot',
        account: 'acc',
        camera: ARLO_IDS.frontDoor,
        wires: [['hs']],
      },
      {
        id: 'arm',
        type: 'camhub-arm',
        account: 'acc',
        camera: ARLO_IDS.frontDoor,
        wires: [['ha']],
      },
      { id: 'he', type: 'helper' },
      { id: 'hs', type: 'helper' },
      { id: 'ha', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
      { id: 'c1', type: 'helper' },
    ];
  }

  it('keeps using the kept session when the credentials did not change', async () => {
    // Without an event node: its stream signs in again on a redeploy of its own accord.
    const noEvents = flow().filter((n) => n.id !== 'ev');
    await load(noEvents, CREDS);
    let out = nextMessage('hs');
    getNode('snap').receive({ payload: 1 });
    await out;
    await redeploy(noEvents, CREDS);
    out = nextMessage('hs');
    getNode('snap').receive({ payload: 2 });
    await out;
    assert.equal(sim.requests({ path: '/api/auth', method: 'POST' }).length, 1);
  });

  it('after a token expiry that needs a code, every node waits for it, and a bad msg does not hide it', async () => {
    await load(flow(), CREDS);
    const first = nextMessage('ha');
    getNode('arm').receive({ payload: 'status' });
    await first;

    // The session ends and this browser is not trusted: signing in again needs a code.
    sim.setAccount({ mfa: true });
    sim.expireTokens();
    const seen = { ev: watchStatus('ev'), snap: watchStatus('snap'), arm: watchStatus('arm') };
    let caught = nextCaught('c1');
    getNode('snap').receive({ payload: 1 });
    // The msg that meets the code request, and any msg while it waits.
    const signIn = ['AUTH_FAILED', 'AUTH_REQUIRED'];
    assert.ok(signIn.includes((await caught).code ?? ''));
    caught = nextCaught('c1');
    getNode('arm').receive({ payload: 'status' });
    assert.ok(signIn.includes((await caught).code ?? ''));
    for (const [id, s] of Object.entries(seen)) {
      assert.equal(last(s), 'status.waiting2fa', `${id}: ${JSON.stringify(s)}`);
    }

    // A bad msg is reported to Catch, but the dot keeps saying what the account needs.
    const bad = collect('c1');
    getNode('arm').receive({ payload: 42 });
    await until('the bad msg reaching Catch', () =>
      bad.msgs.some((m) => (m.error as CaughtError).code === 'INVALID_INPUT'),
    );
    bad.stop();
    assert.equal(last(seen.arm), 'status.waiting2fa', JSON.stringify(seen.arm));
  });

  it('tries a changed password at deploy and shows the refusal on every node', async () => {
    await load(flow(), CREDS);
    const first = nextMessage('ha');
    getNode('arm').receive({ payload: 'status' });
    await first;

    await redeploy(flow(), { acc: { email: ARLO_USER.email, password: 'not-the-password-7' } });
    const seen = { ev: watchStatus('ev'), snap: watchStatus('snap'), arm: watchStatus('arm') };
    // No msg is sent: the deploy itself signs in with the new password.
    await until('the refused password on every node', () =>
      // "authFailedUntil" once the login gate has set when the next login may be tried.
      Object.values(seen).every((s) => /^status\.authFailed(Until)?$/.test(last(s) ?? '')),
    );
  });
});
