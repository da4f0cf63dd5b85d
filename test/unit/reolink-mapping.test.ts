import assert from 'node:assert/strict';
import { mapRopError } from '../../nodes/vendors/reolink/client';
import { capabilitiesFor } from '../../nodes/vendors/reolink/models';
import { parseCameraId } from '../../nodes/vendors/reolink/provider';

function reply(status: number, json: unknown) {
  return { status, headers: {}, body: Buffer.from(JSON.stringify(json)), json };
}
const req = { method: 'GET' as const, path: '/x', label: 'Test' };

describe('Reolink mapping', () => {
  it('maps ROP error symbols onto camhub codes', () => {
    const cases: [number, string, string][] = [
      [404, 'device_offline', 'OFFLINE'],
      [400, 'cmd_not_support', 'NOT_SUPPORTED'],
      [400, 'direction_not_support', 'INVALID_INPUT'],
      [400, 'stream_type_not_support', 'NOT_SUPPORTED'],
      [400, 'wake_up_timeout', 'TIMEOUT'],
      [400, 'cmd_timeout', 'TIMEOUT'],
      [403, 'auth_failed', 'AUTH_FAILED'],
      [404, 'device_channel_not_found', 'UNKNOWN_CAMERA'],
      [400, 'snap_error', 'CLOUD_ERROR'],
    ];
    for (const [status, symbol, code] of cases) {
      const err = mapRopError(reply(status, { error: { symbol, message: 'm' } }), req);
      assert.equal(err?.code, code, symbol);
      assert.equal(err?.vendorCode, symbol);
    }
    assert.equal(mapRopError(reply(200, { message: 'ok' }), req), undefined);
    assert.match(
      mapRopError(reply(404, { message: 'resource not found.' }), req)!.message,
      /base URL/,
    );
  });

  it('knows which models pan, tilt, zoom and focus', () => {
    const outdoor = capabilitiesFor('E1 Outdoor', 'powered');
    assert.ok(outdoor.ptz && outdoor.zoom && outdoor.focus);
    assert.equal(outdoor.ptzDirections.length, 8);
    const e1 = capabilitiesFor('E1', 'powered');
    assert.ok(e1.ptz && !e1.zoom);
    assert.deepEqual(e1.ptzDirections, ['left', 'right', 'up', 'down']);
    const fixed = capabilitiesFor('RLC-810A', 'powered');
    assert.ok(!fixed.ptz && !fixed.zoom);
    const argus = capabilitiesFor('Argus 3 Pro', 'battery');
    assert.ok(argus.battery);
    assert.deepEqual(argus.streamQualities, ['main', 'sub']);
  });

  it('parses uid and uid:channel camera ids', () => {
    assert.deepEqual(parseCameraId('952700000A5S348E'), { uid: '952700000A5S348E', channel: 0 });
    assert.deepEqual(parseCameraId('952700000A5S348E:3'), { uid: '952700000A5S348E', channel: 3 });
    assert.throws(() => parseCameraId('952700000a5s348e'), /16 capital letters/);
    assert.throws(() => parseCameraId('952700000A5S348E:40'), /0 to 31/);
  });
});
