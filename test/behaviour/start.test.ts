import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
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

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A simulator base port whose whole range (base +1 to +22) is free right now, picked below
 * Linux's ephemeral range (32768 and up) so that outgoing connections of other processes do
 * not land in it while the demo starts.
 */
async function freeSimBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10000 + Math.floor(Math.random() * 20000);
    let free = true;
    for (let p = base; p <= base + 22 && free; p++) free = await canListen(p);
    if (free) return base;
  }
  throw new Error('no free range of 23 ports found for the simulators');
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

/** Runs npm start to its end and returns its exit code and output. */
async function runToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const out: string[] = [];
  const proc = spawn(process.execPath, [START], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { code, out: out.join('') };
}

/** A server answering like a Node-RED admin API, with flows that must survive. */
async function standInNodeRed(port?: number): Promise<{
  port: number;
  flows: string;
  posts: string[];
  close(): Promise<void>;
}> {
  const flows = JSON.stringify([{ id: 'users-own', type: 'tab', label: 'My flows' }]);
  const posts: string[] = [];
  const srv = http.createServer((req, res) => {
    if (req.method !== 'GET') posts.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': req.url === '/flows' ? 'application/json' : 'text/html' });
    res.end(req.url === '/flows' ? flows : '<title>Node-RED</title>');
  });
  await new Promise<void>((r) => srv.listen(port ?? 0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    flows,
    posts,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

describe('npm start', function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  let dir: string;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a Node-RED already on the editor port alone and says what to do', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-demo-'));
    const other = await standInNodeRed();
    try {
      const simBase = await freeSimBase();
      const { code, out } = await runToExit({
        PORT: String(other.port),
        CAMHUB_SIM_PORT: String(simBase),
        CAMHUB_DEMO_DIR: dir,
      });
      assert.notEqual(code, 0, out);
      assert.match(out, new RegExp(`port ${other.port} is in use: is Node-RED already running\\?`));
      assert.match(out, /set PORT=/);
      assert.doesNotMatch(out, /camhub demo is running/);
      assert.deepEqual(other.posts, [], 'nothing was deployed to it');
      const flows = await (await fetch(`http://127.0.0.1:${other.port}/flows`)).text();
      assert.equal(flows, other.flows);
      // Nothing of the demo was started: no simulator holds its port.
      await new Promise<void>((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(simBase + 1, '127.0.0.1', () => srv.close(() => resolve()));
      });
    } finally {
      await other.close();
    }
  });

  it('stops before starting Node-RED when a simulator port is taken', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-demo-'));
    const taken = await standInNodeRed();
    try {
      const editorPort = await freePort();
      // The Arlo simulator listens on the base port + 2, the first port checked.
      const { code, out } = await runToExit({
        PORT: String(editorPort),
        CAMHUB_SIM_PORT: String(taken.port - 2),
        CAMHUB_DEMO_DIR: dir,
      });
      assert.notEqual(code, 0, out);
      // Usually the stand-in's port; on a busy machine another of the range may be taken first.
      const busy = /port (\d+) \(a simulated cloud\) is in use/.exec(out);
      assert.ok(busy, out);
      const n = Number(busy[1]);
      assert.ok(n >= taken.port - 1 && n <= taken.port + 21, out);
      assert.match(out, /set CAMHUB_SIM_PORT=/);
      assert.deepEqual(taken.posts, []);
      assert.equal(fs.existsSync(path.join(dir, 'flows.json')), false, 'Node-RED never started');
    } finally {
      await taken.close();
    }
  });

  it('runs Node-RED with the nodes, the examples and the simulators, then stops cleanly', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-demo-'));
    const port = await freePort();
    const simBase = await freeSimBase();
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
