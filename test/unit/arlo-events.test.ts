import assert from 'node:assert/strict';
import { presignedExpiry } from '../../nodes/vendors/arlo/events';

describe('Arlo event pictures', () => {
  it('reads the expiry of a presigned URL from X-Amz-Date and X-Amz-Expires', () => {
    assert.equal(
      presignedExpiry(
        'https://s3.example/x.jpg?X-Amz-Date=20261129T004500Z&X-Amz-Expires=600&X-Amz-Signature=ab',
      ),
      '2026-11-29T00:55:00.000Z',
    );
    // Without a date the clock starts when the URL was handed out.
    assert.equal(
      presignedExpiry('https://s3.example/x.jpg?X-Amz-Expires=60', 1000),
      '1970-01-01T00:01:01.000Z',
    );
    assert.equal(presignedExpiry('https://s3.example/x.jpg'), null);
    assert.equal(presignedExpiry('not a url'), null);
  });
});
