/**
 * The go2rtc example: the stream URL goes to go2rtc's API as PUT /api/streams?name=&src=, and a
 * new URL is asked for and handed over again before expiresAt. A small HTTP server on a free
 * loopback port stands in for go2rtc.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startReolinkSim, type ReolinkSim } from '../../simulator/reolink';
import { CORE_NODES, getNode, load, unload, type FlowNode } from '../helpers/nodered';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function go2rtcExample(): { flow: FlowNode[]; injectId: string } {
  const file = fs.readdirSync(EXAMPLES).find((f) => /go2rtc/.test(f) && f.endsWith('.json'));
  assert.ok(file, 'an example hands streams to go2rtc');
  const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[];
  const inject = flow.find((n) => n.type === 'inject');
  assert.ok(inject);
  // The test helper stands in for debug and catch nodes.
  const nodes = flow.map((n) =>
    n.type === 'debug' || n.type === 'catch' ? { id: n.id, z: n.z, type: 'helper', wires: [] } : n,
  );
  return { flow: nodes, injectId: inject.id };
}

describe('the go2rtc example', function () {
  let sim: ReolinkSim;
  let go2rtc: http.Server;
  const puts: URL[] = [];

  before(async () => {
    // A short play session, so the renewal comes within the test: 11 s minus 10 s early.
    sim = await startReolinkSim({ playSessionTtlSec: 11 });
    go2rtc = http.createServer((req, res) => {
      if (req.method === 'PUT') puts.push(new URL(req.url ?? '/', 'http://go2rtc'));
      res.end();
    });
    await new Promise<void>((r) => go2rtc.listen(0, '127.0.0.1', r));
    process.env.GO2RTC_URL = `http://127.0.0.1:${(go2rtc.address() as AddressInfo).port}`;
  });
  after(async () => {
    delete process.env.GO2RTC_URL;
    await unload();
    await sim.close();
    await new Promise((r) => go2rtc.close(r));
  });

  it('puts the camera stream into go2rtc and renews it before expiresAt', async () => {
    const { flow, injectId } = go2rtcExample();
    const deployed = flow.map((n) =>
      n.type === 'camhub-reolink' ? { ...n, baseUrl: sim.url } : n,
    );
    await load(deployed, {}, CORE_NODES);
    getNode(injectId).receive({ payload: 1 });
    const until = Date.now() + 20_000;
    while (puts.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(puts.length >= 2, `go2rtc got ${puts.length} PUT(s)`);
    for (const put of puts) {
      assert.equal(put.pathname, '/api/streams');
      assert.equal(put.searchParams.get('name'), 'Front_Yard');
      assert.match(put.searchParams.get('src') ?? '', /^rtsps?:\/\//);
    }
  });
});
