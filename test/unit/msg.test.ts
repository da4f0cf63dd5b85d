import assert from 'node:assert/strict';
import {
  eventMatches,
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
});
