import assert from 'node:assert/strict';
import sinon from 'sinon';
import { bareStatus, type DeviceStatus } from '../../nodes/core/device';
import { StateWatch } from '../../nodes/core/state-watch';

const log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const cam = (online = true): DeviceStatus =>
  bareStatus({ id: 'c1', name: 'Cam', model: 'M', vendor: 'v', online });

describe('core/state-watch', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('runs one loop however many watch, and stops it with the last', async () => {
    let reads = 0;
    const w = new StateWatch(async () => reads++, log);
    w.setInterval(1000);
    const stops = Array.from({ length: 20 }, () => w.watch(() => undefined));
    await clock.tickAsync(0);
    assert.equal(reads, 1);
    await clock.tickAsync(3000);
    assert.equal(reads, 4);
    for (const stop of stops) stop();
    await clock.tickAsync(5000);
    assert.equal(reads, 4);
    assert.equal(clock.countTimers(), 0);
  });

  it('gives each reading with the one before; a patch needs a full reading first', () => {
    const w = new StateWatch(async () => undefined, log);
    const seen: [boolean, boolean | undefined][] = [];
    w.watch((st, prev) => seen.push([st.online, prev?.online]));
    w.patch('c1', { online: false });
    assert.deepEqual(seen, []);
    w.publish([cam(true)]);
    w.patch('c1', { online: true });
    w.patch('c1', { online: false });
    assert.deepEqual(seen, [
      [true, undefined],
      [false, true],
    ]);
    w.close();
  });

  it('leaves no timer when closed during a round, and retries a failed round on connect', async () => {
    let release: () => void = () => undefined;
    let reads = 0;
    const w = new StateWatch(() => {
      reads++;
      if (reads === 1) return Promise.reject(new Error('not connected'));
      return new Promise<void>((r) => (release = r));
    }, log);
    w.setInterval(600_000);
    w.watch(() => undefined);
    await clock.tickAsync(0);
    assert.equal(w.rounds.finished, 1);
    w.connected();
    await clock.tickAsync(0);
    assert.equal(reads, 2);
    w.close();
    release();
    await clock.tickAsync(0);
    assert.equal(clock.countTimers(), 0);
  });
});
