import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const START = path.join(__dirname, '..', '..', 'dist', 'scripts', 'start.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForLine(child: ChildProcess, out: string[], pattern: RegExp, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (out.join('').match(pattern)) return;
    if (child.exitCode !== null) throw new Error(`start exited: ${out.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${pattern} in: ${out.join('')}`);
}

describe('npm start', function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  let dir: string;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs Node-RED with the nodes, the examples and the simulators, then stops cleanly', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-demo-'));
    const port = await freePort();
    const simBase = 20000 + Math.floor(Math.random() * 20000);
    const out: string[] = [];
    child = spawn(process.execPath, [START], {
      env: {
        ...process.env,
        PORT: String(port),
        CAMHUB_SIM_PORT: String(simBase),
        CAMHUB_DEMO_DIR: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
    await waitForLine(child, out, /Open the editor: http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    const base = `http://127.0.0.1:${port}`;

    const flows = (await (await fetch(`${base}/flows`)).json()) as { type: string }[];
    assert.ok(flows.some((n) => n.type === 'camhub-snapshot'));
    assert.ok(flows.some((n) => n.type === 'camhub-reolink'));
    const cams = (await (
      await fetch(`${base}/camhub/accounts/camhub-demo-reolink/cameras`)
    ).json()) as {
      data: { id: string }[];
    };
    assert.equal(cams.data.length, 4);
    // The simulated Blink account logs in without 2FA and lists its four devices.
    const blink = (await (
      await fetch(`${base}/camhub/accounts/camhub-demo-blink/cameras`)
    ).json()) as { data: { id: string }[] };
    assert.equal(blink.data.length, 4);

    // The demo's webhook secret lives only in the encrypted credentials file.
    const flowFile = fs.readFileSync(path.join(dir, 'flows.json'), 'utf8');
    const credFile = fs.readFileSync(path.join(dir, 'flows_cred.json'), 'utf8');
    assert.doesNotMatch(flowFile, /authcode/);
    assert.match(credFile, /"\$"/);
    assert.doesNotMatch(credFile, /authcode/);
    assert.doesNotMatch(flowFile, /owner@blink/);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    // Every port is free again.
    await new Promise<void>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
    });
  });
});
