import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { fileStore, storeFileName } from '../../nodes/common/store';

describe('token store', () => {
  let dir: string;
  const saved = process.env.CAMHUB_STATE_DIR;
  const RED = { settings: { credentialSecret: 'unit-test-secret' } } as unknown as NodeAPI;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-store-'));
    process.env.CAMHUB_STATE_DIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CAMHUB_STATE_DIR;
    else process.env.CAMHUB_STATE_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives ids differing only in special characters files of their own', async () => {
    const a = fileStore(RED, 'a b');
    const b = fileStore(RED, 'a_b');
    const c = fileStore(RED, 'a/b');
    await Promise.all([a.save({ who: 'a b' }), b.save({ who: 'a_b' }), c.save({ who: 'a/b' })]);
    assert.deepEqual(await a.load(), { who: 'a b' });
    assert.deepEqual(await b.load(), { who: 'a_b' });
    assert.deepEqual(await c.load(), { who: 'a/b' });
    assert.equal(fs.readdirSync(dir).length, 3);
  });

  it('stores a very long id, and concurrent saves of one id leave one whole file', async () => {
    const long = fileStore(RED, 'x'.repeat(5000));
    await Promise.all([1, 2, 3, 4, 5].map((n) => long.save({ n })));
    const got = (await long.load()) as { n: number };
    assert.ok([1, 2, 3, 4, 5].includes(got.n));
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.ok(storeFileName('x'.repeat(5000)).length < 100);
  });

  it('reads a file of the old naming once, then moves to the new name', async () => {
    // Written under the old name, as an earlier version did.
    await fileStore(RED, 'legacy').save({ token: 't1' });
    fs.renameSync(path.join(dir, storeFileName('legacy')), path.join(dir, 'legacy.json'));
    const store = fileStore(RED, 'legacy');
    assert.deepEqual(await store.load(), { token: 't1' });
    await store.save({ token: 't2' });
    assert.deepEqual(fs.readdirSync(dir).sort(), [storeFileName('legacy')]);
    assert.deepEqual(await store.load(), { token: 't2' });
  });

  it('never reads an old file of another id that mapped to the same name', async () => {
    await fileStore(RED, 'a_b').save({ who: 'a_b' });
    fs.renameSync(path.join(dir, storeFileName('a_b')), path.join(dir, 'a_b.json'));
    assert.equal(await fileStore(RED, 'a b').load(), undefined);
  });
});
