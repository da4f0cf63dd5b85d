import assert from 'node:assert/strict';
import {
  eventMatches,
  mostSpecific,
  parsePersonsFilter,
  eventTopic,
  normaliseEventTypes,
  parseArmPayload,
  parsePtzPayload,
  parseQuality,
  resolveCameraId,
} from '../../nodes/core/msg';
import type { CameraEvent } from '../../nodes/core/provider';
import { CamhubError } from '../../nodes/core/errors';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CamhubError);
    return err.code;
  }
  return 'no error';
}

describe('msg contract parsing', () => {
  it('prefers the node camera, then msg.camera as id or object', () => {
    assert.equal(resolveCameraId('A', 'B'), 'A');
    assert.equal(resolveCameraId('', 'B'), 'B');
    assert.equal(resolveCameraId(undefined, { id: 'C', name: 'x' }), 'C');
    assert.equal(resolveCameraId('', 42), '42');
    assert.equal(
      code(() => resolveCameraId('', undefined)),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => resolveCameraId('', { nope: 1 })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => resolveCameraId('', 'x'.repeat(500))),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => resolveCameraId('', JSON.parse('{"__proto__":{"id":"P"}}'))),
      'INVALID_INPUT',
    );
  });

  it('reads arm commands, status reads and mode names', () => {
    assert.deepEqual(parseArmPayload('arm'), { kind: 'set', request: { armed: true } });
    assert.deepEqual(parseArmPayload('DISARM'), { kind: 'set', request: { armed: false } });
    assert.deepEqual(parseArmPayload(true), { kind: 'set', request: { armed: true } });
    assert.deepEqual(parseArmPayload(false), { kind: 'set', request: { armed: false } });
    assert.deepEqual(parseArmPayload(''), { kind: 'status' });
    assert.deepEqual(parseArmPayload(undefined), { kind: 'status' });
    assert.deepEqual(parseArmPayload('status'), { kind: 'status' });
    assert.deepEqual(parseArmPayload('Home'), { kind: 'set', request: { mode: 'Home' } });
    assert.deepEqual(parseArmPayload({ armed: true }), { kind: 'set', request: { armed: true } });
    // The payload of a camhub event node: the flagship flow wires events straight into arm.
    assert.deepEqual(parseArmPayload({ vendor: 'arlo', type: 'motion', camera: { id: 'x' } }), {
      kind: 'status',
    });
    for (const bad of [1, NaN, [], {}, { armed: 'yes' }, 'x'.repeat(101)]) {
      assert.equal(
        code(() => parseArmPayload(bad)),
        'INVALID_INPUT',
        JSON.stringify(bad),
      );
    }
  });

  it('validates PTZ commands with the allowed ranges', () => {
    assert.deepEqual(parsePtzPayload({ action: 'move', direction: 'left' }), {
      action: 'move',
      direction: 'left',
      speed: 32,
    });
    assert.deepEqual(parsePtzPayload('stop'), { action: 'stop' });
    assert.deepEqual(parsePtzPayload({ action: 'zoom', direction: 'out' }), {
      action: 'zoom',
      direction: 'out',
    });
    assert.deepEqual(parsePtzPayload({ action: 'focus', direction: 'near' }), {
      action: 'focus',
      direction: 'near',
    });
    for (const bad of [
      { action: 'move', direction: 'left', speed: 0 },
      { action: 'move', direction: 'left', speed: 64.5 },
      { action: 'move', direction: 'left', speed: Infinity },
      { action: 'move', direction: 'left', speed: '5' },
      { action: 'move', direction: 'constructor' },
      { action: 'fly' },
      { action: 'zoom', direction: 'near' },
      null,
      42,
      [],
    ]) {
      assert.equal(
        code(() => parsePtzPayload(bad)),
        'INVALID_INPUT',
        JSON.stringify(bad),
      );
    }
  });

  it('picks the stream quality from the node, then the msg', () => {
    assert.equal(parseQuality('sub', 'main'), 'sub');
    assert.equal(parseQuality('', 'extern'), 'extern');
    assert.equal(parseQuality(undefined, undefined), 'main');
    assert.equal(
      code(() => parseQuality('', 'ultra')),
      'INVALID_INPUT',
    );
  });

  it('filters events by camera and type and builds the topic', () => {
    const ev: CameraEvent = {
      vendor: 'reolink',
      camera: { id: 'C1', name: 'Door' },
      type: 'person',
      time: new Date(0).toISOString(),
      eventId: 'e',
      raw: {},
    };
    assert.equal(eventTopic(ev), 'reolink/C1/person');
    assert.ok(eventMatches(ev, '', []));
    assert.ok(eventMatches(ev, 'C1', ['person']));
    assert.ok(!eventMatches(ev, 'C2', []));
    assert.ok(!eventMatches(ev, '', ['motion']));
    assert.deepEqual(normaliseEventTypes(['motion', 'bogus', 3]), ['motion']);
    assert.deepEqual(normaliseEventTypes('motion'), []);
  });
  it('orders labels person > vehicle > animal > face > doorbell > sound > motion > other', () => {
    assert.equal(mostSpecific(['motion', 'vehicle', 'person']), 'person');
    assert.equal(mostSpecific(['sound', 'motion']), 'sound');
    assert.equal(mostSpecific(['other', 'doorbell']), 'doorbell');
    assert.equal(mostSpecific([]), 'other');
  });

  it('matches any label, hides ends unless asked, keeps doorbells while disarmed, filters persons', () => {
    const base: CameraEvent = {
      vendor: 'netatmo',
      camera: { id: 'C1', name: 'Door' },
      type: 'person',
      labels: ['motion', 'person'],
      time: new Date(0).toISOString(),
      eventId: 'e',
      raw: {},
    };
    const f = (o: Record<string, unknown> = {}) => ({ camera: '', types: [], ...o });
    assert.ok(eventMatches(base, f({ types: ['motion'] })));
    assert.ok(!eventMatches(base, f({ types: ['vehicle'] })));
    assert.ok(!eventMatches({ ...base, phase: 'end' }, f()));
    assert.ok(eventMatches({ ...base, phase: 'end' }, f({ ended: true })));
    assert.ok(!eventMatches({ ...base, armed: false }, f()));
    assert.ok(eventMatches({ ...base, armed: false }, f({ includeDisarmed: true })));
    assert.ok(eventMatches({ ...base, armed: null }, f()));
    assert.ok(eventMatches({ ...base, type: 'doorbell', labels: ['doorbell'], armed: false }, f()));
    const anna = { ...base, persons: [{ id: 'p1', name: 'Anna', known: true }] };
    const stranger = { ...base, persons: [{ id: 'p2', name: null, known: false }] };
    const known = parsePersonsFilter('known');
    assert.ok(eventMatches(anna, f({ persons: known })));
    assert.ok(!eventMatches(stranger, f({ persons: known })));
    assert.ok(!eventMatches(base, f({ persons: known })), 'no face, no match');
    assert.ok(eventMatches(stranger, f({ persons: parsePersonsFilter('unknown') })));
    assert.ok(eventMatches(anna, f({ persons: parsePersonsFilter('bob, anna') })));
    assert.ok(!eventMatches(anna, f({ persons: parsePersonsFilter(['Bob']) })));
    assert.deepEqual(parsePersonsFilter(''), { kind: 'any' });
    assert.deepEqual(parsePersonsFilter(undefined), { kind: 'any' });
  });
});
