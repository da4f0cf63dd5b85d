import assert from 'node:assert/strict';
import {
  bareStatus,
  changeTopic,
  checkRange,
  parseControlPayload,
  parseLowBattery,
  resolvePersons,
  stateIntervalMs,
  statusChanges,
  type DeviceStatus,
} from '../../nodes/core/device';
import { CamhubError } from '../../nodes/core/errors';
import { checkDisplayName } from '../../nodes/vendors/reolink/provider';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof CamhubError ? err.code : 'OTHER';
  }
  return undefined;
}

const base: DeviceStatus = {
  ...bareStatus({ id: 'c1', name: 'Cam', model: 'M', vendor: 'v', online: true }),
  battery: { percent: 50, charging: false },
  storage: { sdCard: 'ok' },
};

describe('core/device', () => {
  it('gives a bare status with every cloud field null', () => {
    const st = bareStatus({ id: 'a', name: 'A', model: 'M', vendor: 'x', online: false });
    for (const k of ['armed', 'battery', 'power', 'signal', 'temperature', 'storage', 'firmware']) {
      assert.equal((st as unknown as Record<string, unknown>)[k], null, k);
    }
    assert.equal('lights' in st, false);
  });

  it('finds each kind of change, and none between equal readings', () => {
    const what = (prev: DeviceStatus, next: DeviceStatus, low = 20) =>
      statusChanges(prev, next, low).map((c) => c.what);
    assert.deepEqual(what(base, { ...base }), []);
    assert.deepEqual(what(base, { ...base, online: false }), ['offline']);
    assert.deepEqual(what({ ...base, online: false }, base), ['online']);
    assert.deepEqual(what(base, { ...base, battery: { percent: 19, charging: false } }), [
      'lowBattery',
    ]);
    // Already low: no second report; back above and down again: reported again.
    const low = { ...base, battery: { percent: 10, charging: false } };
    assert.deepEqual(what(low, { ...low, battery: { percent: 9, charging: false } }), []);
    assert.deepEqual(what(base, { ...base, battery: { percent: 45, charging: false } }, 50), [
      'lowBattery',
    ]);
    assert.deepEqual(what(base, { ...base, battery: { percent: 50, charging: true } }), [
      'charging',
    ]);
    assert.deepEqual(
      what(
        { ...base, battery: { percent: 99, charging: true } },
        {
          ...base,
          battery: { percent: 100, charging: false },
        },
      ),
      ['charged'],
    );
    assert.deepEqual(what(base, { ...base, storage: { sdCard: 'missing' } }), ['storage']);
    assert.deepEqual(what({ ...base, storage: { sdCard: 'missing' } }, base), []);
    // Unknown is not news: a skipped read does not end a low battery or a charge.
    assert.deepEqual(what(low, { ...low, battery: null }), []);
    assert.deepEqual(what({ ...low, battery: null }, low), []);
    // Blink's flag instead of a percentage.
    const flag = { ...base, battery: { percent: null, charging: null, low: false } };
    assert.deepEqual(what(flag, { ...flag, battery: { ...flag.battery, low: true } }), [
      'lowBattery',
    ]);
    const [c] = statusChanges(base, { ...base, online: false });
    assert.equal(changeTopic(c), 'v/c1/offline');
    assert.equal(c.previous, base);
  });

  it('parses lowBattery and the state interval with their floors', () => {
    assert.equal(parseLowBattery(undefined), 20);
    assert.equal(parseLowBattery('35'), 35);
    for (const bad of [0, 101, 'x', 12.5])
      assert.equal(
        code(() => parseLowBattery(bad)),
        'INVALID_INPUT',
      );
    assert.equal(stateIntervalMs(undefined), 600_000);
    assert.equal(stateIntervalMs('120'), 120_000);
    assert.equal(stateIntervalMs(5), 30_000);
    assert.equal(stateIntervalMs(0.1, 0), 100);
  });

  it('parses control msgs and rejects anything else with INVALID_INPUT', () => {
    assert.deepEqual(parseControlPayload(undefined), { get: true });
    assert.deepEqual(parseControlPayload({ light: 'auto' }), { light: 'auto' });
    assert.deepEqual(parseControlPayload({ siren: true }), { siren: 'on' });
    assert.deepEqual(parseControlPayload({ motion: { enabled: false } }), {
      motion: { enabled: false },
    });
    assert.deepEqual(parseControlPayload({ persons: { home: 'Alice', away: 'all' } }), {
      persons: { home: ['Alice'], away: 'all' },
    });
    for (const bad of [
      7,
      [],
      {},
      { light: 'dim' },
      { name: 3 },
      { motion: { sensitivity: '5' } },
      { motion: {}, pir: {} },
      { motion: { enabled: true }, pir: { enabled: true } },
      { siren: 'loud' },
      { persons: { home: [1] } },
      { persons: {} },
      { get: false },
      { brightness: 3 },
    ]) {
      assert.equal(
        code(() => parseControlPayload(bad)),
        'INVALID_INPUT',
        JSON.stringify(bad),
      );
    }
    assert.equal(checkRange(5, 1, 9, 'x'), 5);
    assert.equal(
      code(() => checkRange(10, 1, 9, 'x')),
      'INVALID_INPUT',
    );
  });

  it('resolves persons by id or name, and names the known ones otherwise', () => {
    const known = [
      { id: 'p1', name: 'Alice' },
      { id: 'p2', name: 'Bob' },
      { id: 'p3', name: null },
    ];
    assert.deepEqual(resolvePersons(['alice', 'p2', 'Bob'], known), ['p1', 'p2']);
    try {
      resolvePersons(['Carol'], known);
      assert.fail('no error');
    } catch (err) {
      assert.equal((err as CamhubError).code, 'INVALID_INPUT');
      assert.match((err as Error).message, /Alice, Bob/);
    }
  });

  it('checks a Reolink display name against the seed rules', () => {
    assert.equal(checkDisplayName('front yard-2'), 'front yard-2');
    for (const bad of ['', ' a', 'a ', 'x'.repeat(32), 'Gärten', 'a_b']) {
      assert.equal(
        code(() => checkDisplayName(bad)),
        'INVALID_INPUT',
        bad,
      );
    }
  });
});
