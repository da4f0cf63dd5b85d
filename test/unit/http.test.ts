import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SingleFlight } from '../../nodes/core/async';
import { CamhubError } from '../../nodes/core/errors';
import { HttpClient } from '../../nodes/core/http';

/** A tiny loopback server whose behaviour each test scripts. */
async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('HttpClient against a real server', () => {
  it('re-authenticates once for a burst of 401s, shared by all callers, then retries', async () => {
    let token = 'old';
    let logins = 0;
    const srv = await serve((req, res) => {
      if (req.headers.authorization !== `Bearer ${token}-valid`) {
        res.writeHead(401).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path: req.url }));
    });
    const flight = new SingleFlight<void>();
    let current = 'stale';
    const client = new HttpClient({
      vendor: 'Test',
      baseUrl: srv.url,
      auth: {
        headers: () => ({ Authorization: `Bearer ${current}` }),
        refresh: () =>
          flight.run('login', async () => {
            logins++;
            token = 'new';
            current = 'new-valid';
          }),
      },
    });
    try {
      const results = await Promise.all(
        ['/a', '/b', '/c', '/d'].map((p) =>
          client.request<{ path: string }>({ method: 'GET', path: p }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.data.path),
        ['/a', '/b', '/c', '/d'],
      );
      assert.equal(logins, 1);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('gives AUTH_FAILED when the credentials stay wrong after the one re-login', async () => {
    const srv = await serve((_req, res) => res.writeHead(401).end());
    let logins = 0;
    const client = new HttpClient({
      vendor: 'Test',
      baseUrl: srv.url,
      auth: { headers: () => ({}), refresh: async () => void logins++ },
    });
    try {
      await assert.rejects(
        client.request({ method: 'GET', path: '/x' }),
        (e: unknown) => e instanceof CamhubError && e.code === 'AUTH_FAILED',
      );
      assert.equal(logins, 1);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('coalesces identical concurrent GETs into one request', async () => {
    let hits = 0;
    const srv = await serve((_req, res) => {
      hits++;
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":1}'),
        30,
      );
    });
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url });
    try {
      await Promise.all(
        [1, 2, 3].map(() => client.request({ method: 'GET', path: '/same', query: { a: 1 } })),
      );
      assert.equal(hits, 1);
      await Promise.all([
        client.request({ method: 'POST', path: '/same', body: {} }),
        client.request({ method: 'POST', path: '/same', body: {} }),
      ]);
      assert.equal(hits, 3);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('ends in-flight requests with NOT_CONFIGURED when closed, leaving no socket', async () => {
    const srv = await serve(() => undefined);
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url, timeoutMs: 60_000 });
    const p = client.request({ method: 'GET', path: '/hang' });
    await new Promise((r) => setTimeout(r, 50));
    client.close();
    await assert.rejects(
      p,
      (e: unknown) => e instanceof CamhubError && e.code === 'NOT_CONFIGURED',
    );
    await srv.close();
  });

  it('keeps the password out of network error messages', async () => {
    const client = new HttpClient({
      vendor: 'Test',
      baseUrl: 'http://user:hunter22@127.0.0.1:1',
      maxRetries: 0,
      secrets: () => ['hunter22'],
    });
    try {
      await assert.rejects(client.request({ method: 'GET', path: '/x' }), (e: unknown) => {
        assert.ok(e instanceof CamhubError);
        assert.doesNotMatch(e.message + JSON.stringify(e), /hunter22/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('fails fast on a 429 whose body asks for a long back-off, when the vendor maps it', async () => {
    let calls = 0;
    const srv = await serve((_req, res) => {
      calls++;
      res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"code":26}}');
    });
    const client = new HttpClient({
      vendor: 'Test',
      baseUrl: srv.url,
      mapError: (reply) =>
        reply.status === 429
          ? new CamhubError('RATE_LIMITED', 'quota used up; wait an hour', {
              retryAfterMs: 3_600_000,
            })
          : undefined,
    });
    try {
      await assert.rejects(client.request({ method: 'GET', path: '/x' }), (e: unknown) => {
        assert.ok(e instanceof CamhubError);
        assert.equal(e.code, 'RATE_LIMITED');
        assert.match(e.message, /wait an hour/);
        return true;
      });
      assert.equal(calls, 1);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('ends a reply that drips a byte at a time at the total deadline: TIMEOUT', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      // Never silent for long, so only a total deadline can end it.
      const t = setInterval(() => res.write(' '), 100);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url, timeoutMs: 600 });
    try {
      await assert.rejects(
        client.request({ method: 'GET', path: '/drip', idempotent: false }),
        (e: unknown) => {
          assert.ok(e instanceof CamhubError);
          assert.equal(e.code, 'TIMEOUT');
          assert.match(e.message, /within 1 s/);
          return true;
        },
      );
    } finally {
      for (const t of timers) clearInterval(t);
      client.close();
      await srv.close();
    }
  });

  it('stops reading an endless body at the size cap: CLOUD_ERROR, not retried', async () => {
    let calls = 0;
    let written = 0;
    const srv = await serve((_req, res) => {
      calls++;
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(64 * 1024, 0xff);
      const pump = () => {
        while (!res.destroyed && written < 512 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url });
    try {
      await assert.rejects(
        client.request({ method: 'GET', path: '/snap', expect: 'buffer', maxBytes: 1024 * 1024 }),
        (e: unknown) => {
          assert.ok(e instanceof CamhubError);
          assert.equal(e.code, 'CLOUD_ERROR');
          assert.match(e.message, /too large/);
          return true;
        },
      );
      assert.equal(calls, 1);
      assert.ok(written < 64 * 1024 * 1024, `${written} bytes were sent before the client stopped`);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('refuses a huge Content-Length before reading, with the per-kind default cap', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 ** 31 });
      res.write('{"a":');
    });
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url });
    try {
      await assert.rejects(client.request({ method: 'GET', path: '/x' }), (e: unknown) => {
        assert.ok(e instanceof CamhubError);
        assert.equal(e.code, 'CLOUD_ERROR');
        assert.match(e.message, /2048 MB, over the limit of 8 MB/);
        return true;
      });
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('lets a caller raise the cap for a large download', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 1);
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': big.length }).end(big);
    });
    const client = new HttpClient({ vendor: 'Test', baseUrl: srv.url });
    try {
      await assert.rejects(client.request({ method: 'GET', path: '/v', expect: 'buffer' }));
      const res = await client.request<Buffer>({
        method: 'GET',
        path: '/v',
        expect: 'buffer',
        maxBytes: 64 * 1024 * 1024,
      });
      assert.equal(res.data.length, big.length);
    } finally {
      client.close();
      await srv.close();
    }
  });
});
