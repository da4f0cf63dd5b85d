import assert from 'node:assert/strict';
import net from 'node:net';
import { collect, load, serveHttpNode, unload } from '../helpers/nodered';

/** Sends the start of a POST and then nothing; resolves with the status line of the reply. */
function dripPost(url: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 1000\r\n\r\n{"alarm":',
      );
    });
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        socket.destroy();
        resolve(got.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
  });
}

describe('a webhook body that never finishes', function () {
  const saved = process.env.CAMHUB_WEBHOOK_BODY_MS;
  afterEach(async () => {
    await unload();
    if (saved === undefined) delete process.env.CAMHUB_WEBHOOK_BODY_MS;
    else process.env.CAMHUB_WEBHOOK_BODY_MS = saved;
  });

  it('is answered 408 at the deadline, emits nothing, and the next push works', async () => {
    process.env.CAMHUB_WEBHOOK_BODY_MS = '300';
    await load(
      [
        { id: 'acc', type: 'camhub-reolink', baseUrl: 'http://127.0.0.1:9' },
        { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { acc: { authcode: 'hook-code' } },
    );
    const web = await serveHttpNode();
    const got = collect('out');
    try {
      const status = await dripPost(web.url, '/camhub/reolink/acc?authcode=hook-code');
      assert.match(status, /^HTTP\/1\.1 408/);
      assert.equal(got.msgs.length, 0);
      const res = await fetch(`${web.url}/camhub/reolink/acc?authcode=hook-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          alarm: { device: '952700000A5S348E', channel: 0, alarmTime: 1, alarmType: 'MD' },
        }),
      });
      assert.notEqual(res.status, 408);
    } finally {
      got.stop();
      await web.close();
    }
  });
});
