import assert from 'node:assert/strict';
import {
  mapLimit,
  KeyedQueue,
  SingleFlight,
  backoffDelay,
  parseRetryAfter,
  sleep,
} from '../../nodes/core/async';
import { redact, redactUrl } from '../../nodes/core/redact';
import { secondsSetting } from '../../nodes/core/settings';
import { bearerToken, secretEquals } from '../../nodes/core/secret';

describe('core helpers', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('5', now), 5000);
    assert.equal(parseRetryAfter(2, now), 2000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('backs off exponentially with jitter under a cap', () => {
    assert.equal(
      backoffDelay(0, 100, 1000, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, 100, 1000, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, 100, 1000, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(10, 100, 1000, () => 1),
      1000,
    );
  });

  it('coalesces concurrent calls with one key', async () => {
    const sf = new SingleFlight<number>();
    let calls = 0;
    const fn = async () => {
      calls++;
      await sleep(10);
      return calls;
    };
    const [a, b] = await Promise.all([sf.run('k', fn), sf.run('k', fn)]);
    assert.equal(a, 1);
    assert.equal(b, 1);
    assert.equal(await sf.run('k', fn), 2);
    assert.equal(sf.size, 0);
  });

  it('runs tasks of one key one at a time, even after a failure', async () => {
    const q = new KeyedQueue();
    const order: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        order.push(`start ${name}`);
        await sleep(5);
        order.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      q.run('a', task('1', true)),
      q.run('a', task('2')),
      q.run('b', task('3')),
    ]);
    assert.equal(results[0].status, 'rejected');
    assert.equal(results[1].status, 'fulfilled');
    assert.ok(order.indexOf('end 1') < order.indexOf('start 2'));
    assert.ok(order.indexOf('start 3') < order.indexOf('end 1'));
  });

  it('frees a key queue and a single flight from a call that never ends', async () => {
    const never = new Promise<string>(() => undefined);
    const queue = new KeyedQueue(50);
    void queue.run('cam', () => never);
    assert.equal(await queue.run('cam', async () => 'next'), 'next');
    const flight = new SingleFlight<string>(50);
    void flight.run('k', () => never);
    await sleep(60);
    assert.equal(await flight.run('k', async () => 'fresh'), 'fresh');
  });

  it('cuts a sleep short on abort', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await assert.rejects(p, /aborted/);
  });

  it('redacts secrets, auth headers and secret query parameters', () => {
    const text =
      'GET http://u:p@h/x?authcode=abc123&ok=1 Authorization: Basic dXNlcjpwYXNz with hunter22';
    const out = redact(text, ['hunter22']);
    assert.doesNotMatch(out, /abc123|dXNlcjpwYXNz|hunter22/);
    assert.match(out, /ok=1/);
    assert.equal(redactUrl('http://user:pw@host/a?token=t1'), 'http://host/a?token=***');
  });

  it('compares secrets and reads bearer tokens', () => {
    assert.ok(secretEquals('abc', 'abc'));
    assert.ok(!secretEquals('abc', 'abcd'));
    assert.ok(!secretEquals(undefined, 'abc'));
    assert.ok(!secretEquals('', ''));
    assert.equal(bearerToken({ authentication: 'Bearer xyz' }), 'xyz');
    assert.equal(bearerToken({ authorization: 'bearer q' }), 'q');
    assert.equal(bearerToken({ authorization: 'Basic q' }), undefined);
  });

  it('reads a seconds setting from a dialog field, leaving empty and junk to the default', () => {
    assert.equal(secondsSetting('15'), 15_000);
    assert.equal(secondsSetting(0.5), 500);
    for (const v of ['', undefined, null, 'abc', 0, -3, NaN, Infinity]) {
      assert.equal(secondsSetting(v), undefined, String(v));
    }
  });

  it('mapLimit keeps at most limit calls in flight and the results in order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return n * 10 + i;
    });
    assert.deepEqual(out, [50, 11, 42, 23, 34, 5, 66]);
    assert.equal(peak, 3);
    assert.deepEqual(await mapLimit([], 4, async () => 1), []);
  });
});
