import assert from 'node:assert/strict';
import * as arlo from '../../nodes/vendors/arlo/recordings';
import * as blink from '../../nodes/vendors/blink/recordings';
import * as netatmo from '../../nodes/vendors/netatmo/recordings';
import * as reolink from '../../nodes/vendors/reolink/recordings';
import { renderMp4 } from '../../simulator/common/mp4';

const CAM = { id: 'C1', name: 'Front' };

describe('recordings: what each cloud says, in the msg contract', () => {
  it('Reolink: local file times, and the file running at an alarm', () => {
    const file = {
      startTime: '2026-05-01 10:00:00',
      endTime: '2026-05-01 10:01:30',
      fileName: '/mnt/sda/Mp4Record/2026-05-01/RecM00_x.mp4',
    };
    const rec = reolink.toRecording(
      { ...CAM, model: '', vendor: 'reolink', online: true, capabilities: {} as never },
      file,
    )!;
    assert.equal(rec.id, 'C1|/mnt/sda/Mp4Record/2026-05-01/RecM00_x.mp4');
    assert.equal(rec.start, new Date(2026, 4, 1, 10, 0, 0).toISOString());
    assert.equal(rec.duration, 90);
    assert.ok(Number.isNaN(reolink.parseLocal('2026-05-01T10:00:00')));
    const at = new Date(2026, 4, 1, 10, 0, 30).toISOString();
    assert.equal(reolink.pickForEvent([rec], { time: at })?.id, rec.id);
    const before = new Date(2026, 4, 1, 9, 59, 40).toISOString();
    assert.equal(
      reolink.pickForEvent([rec], { time: before })?.id,
      rec.id,
      'the next file within a minute',
    );
    assert.equal(reolink.pickForEvent([rec], { time: '2026-05-02T00:00:00Z' }), undefined);
  });

  it('Arlo: labels from objCategory or reason, expiry from the presigned link', () => {
    const base = {
      deviceId: 'C1',
      name: '1777',
      utcCreatedDate: 1777000000000,
      mediaDurationSecond: 12,
    };
    assert.deepEqual(arlo.toRecording(CAM, { ...base, objCategory: 'Person' })?.labels, ['person']);
    assert.deepEqual(arlo.toRecording(CAM, { ...base, objCategory: 'Package' })?.labels, ['other']);
    assert.deepEqual(arlo.toRecording(CAM, { ...base, reason: 'motionRecord' })?.labels, [
      'motion',
    ]);
    assert.equal(arlo.toRecording(CAM, base)?.id, 'C1|1777000000000:1777');
    assert.equal(
      arlo.presignedExpiry(
        'https://s3/x.mp4?X-Amz-Date=20260501T100000Z&X-Amz-Expires=3600&X-Amz-Signature=s',
      ),
      '2026-05-01T11:00:00.000Z',
    );
    assert.equal(arlo.presignedExpiry('https://s3/x.mp4'), null);
    assert.ok(arlo.isMp4(renderMp4({ seconds: 3 })));
    assert.ok(!arlo.isMp4(Buffer.from([0xff, 0xd8, 0xff, 0xd9])));
  });

  it('Blink: a clip is its own event; pir is motion, button_press doorbell', () => {
    const m = { id: 31, created_at: '2026-05-01T10:00:00+00:00', source: 'pir' };
    const rec = blink.toRecording(CAM, m)!;
    assert.equal(rec.eventId, '31');
    assert.deepEqual(rec.labels, ['motion']);
    assert.equal(rec.id, `C1|31:${Date.parse(m.created_at)}`);
    assert.deepEqual(blink.toRecording(CAM, { ...m, source: 'button_press' })?.labels, [
      'doorbell',
    ]);
  });

  it('Netatmo: sub-events label the video, sd_status 4 is the only working card', () => {
    const e = {
      id: 'e1',
      type: 'outdoor',
      time: 1777000000,
      video_id: 'abc',
      video_status: 'available',
      subevents: [
        { id: 's1', type: 'human' },
        { id: 's2', type: 'vehicle' },
      ],
    };
    const rec = netatmo.toRecording(CAM, e)!;
    assert.deepEqual(rec.labels.sort(), ['person', 'vehicle']);
    assert.equal(rec.eventId, 'e1');
    assert.equal(netatmo.toRecording(CAM, { ...e, video_status: 'deleted' }), undefined);
    assert.equal(netatmo.sdProblem(4), undefined);
    assert.match(netatmo.sdProblem(1) ?? '', /no micro SD card/);
    assert.throws(() => netatmo.checkVideoId('../x'), /not a Netatmo video id/);
  });
});
