import assert from 'node:assert/strict';
import { CamhubError } from '../../nodes/core/errors';
import {
  DEFAULT_LIMIT,
  DEFAULT_MAX_BYTES,
  eventClipRef,
  monthDays,
  newestFirst,
  parseLimit,
  parseMaxBytes,
  parseRecordingInput,
  recordingFilename,
  splitRecordingId,
  waitForClip,
} from '../../nodes/core/recordings';

function err(fn: () => unknown): CamhubError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CamhubError);
    return e;
  }
  throw new Error('no error');
}

const NOW = Date.parse('2026-05-10T12:00:00Z');

describe('recordings input', () => {
  it('defaults to the node action over the last 24 hours', () => {
    assert.deepEqual(parseRecordingInput(undefined, 'list', NOW), {
      action: 'list',
      from: NOW - 86_400_000,
      to: NOW,
    });
    assert.deepEqual(parseRecordingInput(1, 'list', NOW), {
      action: 'list',
      from: NOW - 86_400_000,
      to: NOW,
    });
  });

  it('takes a string as the action and an object with action, from and to', () => {
    assert.equal(parseRecordingInput('days', 'list', NOW).action, 'days');
    assert.deepEqual(
      parseRecordingInput(
        { action: 'list', from: '2026-05-01T00:00:00Z', to: Date.parse('2026-05-02T00:00:00Z') },
        'play',
        NOW,
      ),
      {
        action: 'list',
        from: Date.parse('2026-05-01T00:00:00Z'),
        to: Date.parse('2026-05-02T00:00:00Z'),
      },
    );
    assert.deepEqual(parseRecordingInput({ from: '1777593600000' }, 'list', NOW), {
      action: 'list',
      from: 1777593600000,
      to: NOW,
    });
  });

  it('refuses to before from, saying what is allowed', () => {
    const e = err(() =>
      parseRecordingInput(
        { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' },
        'list',
        NOW,
      ),
    );
    assert.equal(e.code, 'INVALID_INPUT');
    assert.match(e.message, /before "from".*from <= to/);
    assert.match(err(() => parseRecordingInput({ to: 'soon' }, 'list', NOW)).message, /ISO 8601/);
    assert.match(err(() => parseRecordingInput('rewind', 'list', NOW)).message, /list, days/);
    assert.equal(err(() => parseRecordingInput([1], 'list', NOW)).code, 'INVALID_INPUT');
  });

  it('days: year and month, default this month, within range', () => {
    const now = new Date(NOW);
    assert.deepEqual(parseRecordingInput('days', 'list', NOW), {
      action: 'days',
      year: now.getFullYear(),
      month: now.getMonth() + 1,
    });
    assert.deepEqual(parseRecordingInput({ action: 'days', year: '2025', month: 2 }, 'list'), {
      action: 'days',
      year: 2025,
      month: 2,
    });
    assert.match(
      err(() => parseRecordingInput({ action: 'days', month: 13 }, 'list')).message,
      /1 to 12/,
    );
  });

  it('play and download need an id camhub handed out', () => {
    assert.deepEqual(parseRecordingInput({ action: 'play', id: 'CAM|x' }, 'list'), {
      action: 'play',
      id: 'CAM|x',
    });
    assert.match(
      err(() => parseRecordingInput('download', 'list')).message,
      /needs the recording's id/,
    );
    assert.match(
      err(() => parseRecordingInput({ action: 'play', id: 'x' }, 'list')).message,
      /not a recording id/,
    );
    assert.deepEqual(splitRecordingId('A:1|/mnt/x|y'), { cameraId: 'A:1', key: '/mnt/x|y' });
  });

  it('an event msg asks for its clip: play by default, download when the node says so', () => {
    const clip = {
      vendor: 'blink',
      type: 'motion',
      eventId: 'e1',
      clip: { id: 'c1', ready: false },
    };
    assert.deepEqual(parseRecordingInput(clip, 'list'), {
      action: 'play',
      event: { eventId: 'e1', clipId: 'c1', ready: false },
    });
    assert.equal(parseRecordingInput(clip, 'download').action, 'download');
    assert.deepEqual(parseRecordingInput({ eventId: 'e2' }, 'play'), {
      action: 'play',
      event: { eventId: 'e2' },
    });
    assert.deepEqual(
      eventClipRef({ vendor: 'x', type: 'motion', eventId: 'e', time: 't', raw: { a: 1 } }),
      {
        eventId: 'e',
        time: 't',
        raw: { a: 1 },
      },
    );
    assert.equal(eventClipRef({ from: 1 }), undefined);
    assert.match(
      err(() => eventClipRef({ vendor: 'x', type: 'motion' })).message,
      /payload.clip.id or payload.eventId/,
    );
  });

  it('limit and maxBytes have defaults and ranges', () => {
    assert.equal(parseLimit(undefined), DEFAULT_LIMIT);
    assert.equal(parseLimit('20'), 20);
    assert.equal(err(() => parseLimit(0)).code, 'INVALID_INPUT');
    assert.equal(parseMaxBytes(''), DEFAULT_MAX_BYTES);
    assert.equal(DEFAULT_MAX_BYTES, 52_428_800);
    assert.equal(err(() => parseMaxBytes(-1)).code, 'INVALID_INPUT');
  });

  it('sorts newest first, names files safely, formats calendar days', () => {
    const r = (start: string) => ({
      id: `c|${start}`,
      camera: { id: 'c', name: 'Front door' },
      start,
      end: start,
      duration: 0,
      labels: [],
    });
    assert.deepEqual(
      newestFirst(
        [
          r('2026-01-01T00:00:00.000Z'),
          r('2026-01-03T00:00:00.000Z'),
          r('2026-01-02T00:00:00.000Z'),
        ],
        2,
      ).map((x) => x.start),
      ['2026-01-03T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
    );
    assert.equal(
      recordingFilename(r('2026-01-03T10:20:30.000Z')),
      'Front_door_2026-01-03T10-20-30Z.mp4',
    );
    assert.deepEqual(monthDays(2026, 2, [20, 3, 3, 0, 32]), ['2026-02-03', '2026-02-20']);
  });

  it('waits for a clip until found, or TIMEOUT after the deadline', async () => {
    let calls = 0;
    const found = await waitForClip(async () => (++calls >= 3 ? 'ok' : undefined), {
      timeoutMs: 5_000,
      intervalMs: 1,
      what: 'x',
    });
    assert.equal(found, 'ok');
    await assert.rejects(
      waitForClip(async () => undefined, { timeoutMs: 5, intervalMs: 1, what: 'The clip' }),
      (e: unknown) =>
        e instanceof CamhubError && e.code === 'TIMEOUT' && /command timeout/.test(e.message),
    );
  });
});
