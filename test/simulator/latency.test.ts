import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import {
  DelayLine,
  Latency,
  latencyFromEnv,
  parseLatencySpec,
  SimServer,
} from '../../simulator/common';
import { ARLO_USER, startArloSim } from '../../simulator/arlo';
import { startReolinkSim, REOLINK_UIDS } from '../../simulator/reolink';
import { jsonInit, startReceiver } from './helpers';

/**
 * Simulated round-trip time. The only timing asserted is a lower bound (a reply never arrives
 * sooner than the round trip minus its jitter), which holds however loaded the machine is.
 */
describe('Simulated network latency', function () {
  this.timeout(10_000);

  it('reads CAMHUB_SIM_RTT_MS and CAMHUB_SIM_RTT_JITTER_MS, 0 when unset', () => {
    assert.deepEqual(latencyFromEnv({}), { rttMs: 0, jitterMs: 0 });
    assert.deepEqual(latencyFromEnv({ CAMHUB_SIM_RTT_MS: '80', CAMHUB_SIM_RTT_JITTER_MS: '20' }), {
      rttMs: 80,
      jitterMs: 20,
    });
    assert.throws(() => latencyFromEnv({ CAMHUB_SIM_RTT_MS: 'fast' }), /CAMHUB_SIM_RTT_MS/);
    assert.equal(typeof parseLatencySpec({ rttMs: -1 }), 'string');
    assert.deepEqual(parseLatencySpec({ rttMs: 5 }), { rttMs: 5, jitterMs: 0 });
  });

  it('spreads round trips over rtt +- jitter, never below 0', () => {
    const lo = new Latency({ rttMs: 80, jitterMs: 20 }, () => 0);
    const hi = new Latency({ rttMs: 80, jitterMs: 20 }, () => 1);
    assert.equal(lo.roundTrip(), 60);
    assert.equal(hi.roundTrip(), 100);
    assert.equal(hi.oneWay(), 50);
    assert.equal(new Latency({ rttMs: 5, jitterMs: 20 }, () => 0).roundTrip(), 0);
  });

  it('keeps pushes on one connection in order whatever the jitter', async () => {
    let i = 0;
    // Alternating long and short trips: a naive per-packet timer would reorder them.
    const line = new DelayLine(new Latency({ rttMs: 20, jitterMs: 20 }, () => (i++ % 2 ? 0 : 1)));
    const got: number[] = [];
    await new Promise<void>((resolve) => {
      for (let n = 0; n < 6; n++)
        line.send(() => {
          got.push(n);
          if (got.length === 6) resolve();
        });
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  });

  describe('on a SimServer', () => {
    let sim: SimServer;
    let url: string;
    beforeEach(async () => {
      sim = new SimServer({ name: 'test', latency: new Latency({ rttMs: 0, jitterMs: 0 }) });
      sim.route('GET', '/ping', (_req, res) => res.json(200, { ok: true }));
      url = await sim.start();
    });
    afterEach(() => sim.close());

    it('is set and read with /_sim/latency, and reset puts it back', async () => {
      const put = await fetch(`${url}/_sim/latency`, jsonInit('PUT', { rttMs: 60, jitterMs: 10 }));
      assert.equal(put.status, 200);
      assert.deepEqual(await (await fetch(`${url}/_sim/latency`)).json(), {
        rttMs: 60,
        jitterMs: 10,
      });
      const bad = await fetch(`${url}/_sim/latency`, jsonInit('PUT', { rttMs: 'slow' }));
      assert.equal(bad.status, 400);
      const t = Date.now();
      assert.equal((await fetch(`${url}/ping`)).status, 200);
      // Timers may round down by a millisecond, hence the small margin below each bound.
      assert.ok(Date.now() - t >= 48, 'a reply takes at least the round trip minus its jitter');
      // Control calls are not delayed (they are not the cloud), and reset clears the latency.
      await fetch(`${url}/_sim/reset`, { method: 'POST' });
      assert.deepEqual(sim.latency.current, { rttMs: 0, jitterMs: 0 });
    });

    it('counts requests in flight and the peak, without timing anything', async () => {
      sim.latency.set({ rttMs: 100, jitterMs: 0 });
      await Promise.all([1, 2, 3, 4, 5].map(() => fetch(`${url}/ping`)));
      assert.deepEqual(sim.concurrency(), { inFlight: 0, peak: 5 });
      const reset = await fetch(`${url}/_sim/concurrency`, { method: 'DELETE' });
      assert.deepEqual(await reset.json(), { inFlight: 0, peak: 0 });
      await fetch(`${url}/ping`);
      assert.deepEqual(await (await fetch(`${url}/_sim/concurrency`)).json(), {
        inFlight: 0,
        peak: 1,
      });
    });
  });

  it('delays a webhook by one way of the round trip (Reolink alarm)', async () => {
    const receiver = await startReceiver();
    const sim = await startReolinkSim({ callbackUrl: receiver.url });
    try {
      sim.server.latency.set({ rttMs: 80, jitterMs: 0 });
      const t = Date.now();
      const delivery = await sim.trigger(REOLINK_UIDS.fixed, { status: 'MD' });
      assert.equal(delivery.status, 200);
      assert.ok(Date.now() - t >= 38);
      assert.equal(receiver.received.length, 1);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  it('delays Arlo API, auth and MQTT alike, with one control call', async () => {
    const sim = await startArloSim({ eventDelayMs: 0 });
    try {
      await fetch(`${sim.url}/_sim/latency`, jsonInit('PUT', { rttMs: 60, jitterMs: 0 }));
      const t = Date.now();
      await fetch(`${sim.authUrl}/api/v2/nothing`);
      assert.ok(Date.now() - t >= 58, 'the auth host shares the API host latency');
      const token = sim.state.issueToken(true, 'latency-test').token;
      const t2 = Date.now();
      const client = await mqtt.connectAsync(sim.mqttUrl, {
        clientId: `user_${ARLO_USER.userId}_1234567890`,
        username: ARLO_USER.userId,
        password: token,
        reconnectPeriod: 0,
      });
      assert.ok(Date.now() - t2 >= 58, 'CONNECT waits one round trip');
      await client.endAsync(true);
    } finally {
      await sim.close();
    }
  });
});
