import assert from 'node:assert/strict';
import { mapNetatmoError } from '../../nodes/vendors/netatmo/client';
import { RecentIds } from '../../nodes/core/async';
import {
  fromPolledEvent,
  fromPush,
  namePersons,
  unifiedType,
} from '../../nodes/vendors/netatmo/events';
import type { RawReply } from '../../nodes/core/http';

const reply = (status: number, json: unknown): RawReply => ({
  status,
  headers: {},
  body: Buffer.from(JSON.stringify(json)),
  json,
});

describe('Netatmo mapping', () => {
  it('maps event types onto the unified ones and drops state changes', () => {
    assert.equal(unifiedType('movement'), 'motion');
    assert.equal(unifiedType('human'), 'person');
    assert.equal(unifiedType('incoming_call'), 'doorbell');
    assert.equal(unifiedType('alarm_started'), 'sound');
    assert.equal(unifiedType('connection'), undefined);
    assert.equal(unifiedType('person_away'), undefined);
  });

  it('splits an outdoor event into its sub-events, keeping their ids and times', () => {
    const out = fromPolledEvent(
      {
        id: 'e1',
        type: 'outdoor',
        time: 100,
        module_id: 'cam',
        subevents: [
          { id: 's1', type: 'vehicle', time: 101 },
          { id: 's2', type: 'animal' },
          { id: 's3', type: 'unknownthing' },
        ],
      },
      'h',
    );
    assert.deepEqual(
      out.map((e) => [e.eventId, e.type, e.time]),
      [
        ['s1', 'vehicle', 101],
        ['s2', 'animal', 100],
      ],
    );
  });

  it('reads a push by event_type, else by the suffix of push_type', () => {
    const a = fromPush({ push_type: 'NOC-human', event_id: 'x', camera_id: 'c' });
    assert.equal(a?.type, 'person');
    const b = fromPush({
      event_type: 'person',
      event_id: 'y',
      device_id: 'c',
      persons: [{ id: 'p1', is_known: true }, { id: 'p2', is_known: false }, {}],
    });
    assert.deepEqual(namePersons(b!.personIds, new Map([['p1', 'Alice']])), [
      { id: 'p1', name: 'Alice', known: true },
      { id: 'p2', name: null, known: false },
    ]);
    assert.equal(fromPush({ push_type: 'webhook_activation' }), undefined);
    assert.equal(fromPush({ event_type: 'movement', camera_id: 'c' }), undefined);
  });

  it('remembers recent ids, and forgets the oldest beyond its size', () => {
    const r = new RecentIds(2);
    assert.equal(r.add('a'), true);
    assert.equal(r.add('a'), false);
    r.add('b');
    r.add('c');
    assert.equal(r.has('a'), false);
    assert.equal(r.has('c'), true);
  });

  it('maps the error envelope and the token endpoint errors onto camhub codes', () => {
    const req = { method: 'GET' as const, path: '/api/x', label: 'X' };
    assert.equal(
      mapNetatmoError(reply(429, { error: { code: 26 } }), req, 1000)?.retryAfterMs,
      1000,
    );
    assert.equal(mapNetatmoError(reply(403, { error: { code: 26 } }), req)?.code, 'RATE_LIMITED');
    assert.equal(mapNetatmoError(reply(403, { error: { code: 13 } }), req)?.code, 'AUTH_FAILED');
    assert.equal(mapNetatmoError(reply(400, { error: { code: 21 } }), req)?.code, 'INVALID_INPUT');
    assert.equal(mapNetatmoError(reply(400, { error: { code: 9 } }), req)?.code, 'UNKNOWN_CAMERA');
    assert.equal(
      mapNetatmoError(reply(400, { error: 'invalid_grant' }), req)?.vendorCode,
      'invalid_grant',
    );
    assert.match(
      mapNetatmoError(reply(400, { error: 'invalid_client' }), req)?.message ?? '',
      /client id and secret/,
    );
    assert.equal(mapNetatmoError(reply(200, { status: 'ok' }), req), undefined);
  });
});
