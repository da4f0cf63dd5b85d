import assert from 'node:assert/strict';
import { redact, redactUrl } from '../../nodes/core/redact';

describe('redact', () => {
  const SIG = 'f3a9c0ffee7e5b1d2c3a4b5c6d7e8f90';
  const presigned = `https://arlos3-prod-z2.s3.amazonaws.com/ab/cd/snapshot.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Expires=600&X-Amz-Signature=${SIG}`;

  it('masks the signature and credential of a presigned S3 URL, in any letter case', () => {
    for (const text of [presigned, presigned.toLowerCase(), `GET ${presigned} failed`]) {
      const out = redact(text);
      assert.doesNotMatch(out, new RegExp(SIG, 'i'));
      assert.doesNotMatch(out, /AKIAEXAMPLE/i);
      assert.match(out, /X-Amz-Expires=600/i, 'harmless parameters stay readable');
    }
    assert.doesNotMatch(redactUrl(presigned), new RegExp(SIG));
  });

  it('masks a presigned URL inside JSON, and signature fields of their own', () => {
    const json = JSON.stringify({
      properties: { presignedFullFrameSnapshotUrl: presigned },
      'X-Amz-Signature': SIG,
    });
    assert.doesNotMatch(redact(json), new RegExp(SIG));
  });

  it("masks Blink's hardware_id as a query parameter, a form value and a JSON field", () => {
    const id = 'camhub-7d1e5c2a-93b4-4f0e-8a61-0c2b9d4e5f11';
    for (const text of [
      `https://rest-prod.immedia-semi.com/api/v5/account/login?hardware_id=${id}&x=1`,
      `unique_id=abc&hardware_id=${id}`,
      JSON.stringify({ email: 'a@b.c', hardware_id: id, reauth: true }),
      `{'hardware_id': '${id}'}`,
    ]) {
      const out = redact(text);
      assert.doesNotMatch(out, new RegExp(id), text);
      assert.match(out, /hardware_id/, 'the field name stays, so the log still says what was sent');
    }
  });

  it('leaves text without secrets alone', () => {
    const text = 'Snapshot of "Front door": the download is not a JPEG picture. Try again.';
    assert.equal(redact(text), text);
  });
});
