import assert from 'node:assert/strict';
import { REOLINK_SEED, REOLINK_UIDS } from '../../simulator/reolink';
import { ReolinkState } from '../../simulator/reolink/state';
import { startBlinkSim, type BlinkSim } from '../../simulator/blink';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';

describe('simulated camera state', function () {
  describe('Reolink battery (vendor-facts 4.3)', () => {
    it('drains off the charger, fills on it, and reports completed when full', () => {
      let now = 0;
      const state = new ReolinkState({
        seed: REOLINK_SEED,
        playSessionTtlSec: 30,
        rtspBase: 'rtsp://127.0.0.1:1',
        now: () => now,
        batteryDrainPerHour: 2,
        batteryChargePerHour: 40,
      });
      const d = state.devices.get(REOLINK_UIDS.battery)!;
      assert.deepEqual(state.batteryNow(d), { percent: 78, chargeStatus: 'none' });
      now += 3 * 3_600_000;
      assert.deepEqual(state.batteryNow(d), { percent: 72, chargeStatus: 'none' });
      state.setBattery(d, undefined, 'charging');
      now += 3_600_000 / 2;
      assert.deepEqual(state.batteryNow(d), { percent: 92, chargeStatus: 'charging' });
      now += 3_600_000;
      assert.deepEqual(state.batteryNow(d), { percent: 100, chargeStatus: 'completed' });
      assert.equal(state.batteryNow(state.devices.get(REOLINK_UIDS.fixed)!), undefined);
    });
  });

  describe('Netatmo SD card, power and persons (3.3, 3.4, 3.8)', () => {
    let sim: NetatmoSim;
    before(async () => {
      sim = await startNetatmoSim();
    });
    after(async () => {
      await sim.close();
    });

    it('reports sd_status and alim_status changes in homestatus, refusing the doorbell', async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${sim.url}/_sim${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      assert.equal((await post(`/cameras/${NETATMO_IDS.welcome}/sd`, { status: 1 })).status, 200);
      assert.equal((await post(`/cameras/${NETATMO_IDS.welcome}/alim`, { status: 1 })).status, 200);
      assert.equal((await post(`/cameras/${NETATMO_IDS.welcome}/sd`, { status: 8 })).status, 400);
      assert.equal((await post(`/cameras/${NETATMO_IDS.doorbell}/sd`, { status: 1 })).status, 400);
      const m = sim.state.modules.get(NETATMO_IDS.welcome)!;
      assert.equal(m.sdStatus, 1);
      assert.equal(m.alimStatus, 1);
      assert.equal((await post(`/persons/${NETATMO_IDS.alice}/away`, {})).status, 200);
      assert.ok(sim.state.personsAway.has(NETATMO_IDS.alice));
      assert.equal((await post(`/persons/${NETATMO_IDS.alice}/home`, {})).status, 200);
      assert.ok(!sim.state.personsAway.has(NETATMO_IDS.alice));
      assert.equal((await post('/persons/nobody/home', {})).status, 404);
    });
  });

  describe('Blink camera settings (seed "Update Camera Config")', () => {
    let sim: BlinkSim;
    before(async () => {
      sim = await startBlinkSim();
    });
    after(async () => {
      await sim.close();
    });

    it('keeps battery and signals per device, settable through the control API', async () => {
      const res = await fetch(`${sim.url}/_sim/blink/devices/5001/signals`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ battery: 'low', wifi: 2, temp: 50 }),
      });
      assert.equal(res.status, 200);
      const d = sim.state.devices.get(5001)!;
      assert.equal(d.battery, 'low');
      assert.deepEqual(d.signals, { lfr: 5, wifi: 2, temp: 50, battery: 1 });
      const bad = await fetch(`${sim.url}/_sim/blink/devices/5001/signals`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ battery: 'empty' }),
      });
      assert.equal(bad.status, 400);
    });
  });
});
