/**
 * Every Node-RED the package claims: the packed tarball (`npm pack`, exactly what npm would
 * publish) installed into a fresh user directory of each release in claimedRuntimes(), started
 * on an ephemeral port; every node type package.json lists must load, and the Reolink snapshot
 * example, deployed against the simulator, must write a JPEG. Node-RED itself is installed once
 * under .cache/runtimes/ (git-ignored); the user directories are new on every run.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { startReolinkSim, type ReolinkSim } from '../../simulator/reolink';
import {
  claimedRuntimes,
  ensureRuntime,
  npmInstall,
  ROOT,
  type Runtime,
} from '../helpers/runtimes';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string };

interface PackageJson {
  name: string;
  'node-red': { nodes: Record<string, string> };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The first shipped example with a Reolink account and an inject wired to a snapshot node. */
function snapshotExample(): {
  file: string;
  flow: FlowNode[];
  snapshot: FlowNode;
  inject: FlowNode;
} {
  const dir = path.join(ROOT, 'examples');
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowNode[];
    const account = flow.find((n) => n.type === 'camhub-reolink');
    const snapshot = flow.find((n) => n.type === 'camhub-snapshot' && n.account === account?.id);
    const inject =
      snapshot &&
      flow.find(
        (n) =>
          n.type === 'inject' &&
          ((n.wires as string[][] | undefined) ?? []).flat().includes(snapshot.id),
      );
    if (account && snapshot && inject) return { file, flow, snapshot, inject };
  }
  throw new Error('no example has a Reolink account and an inject wired to a snapshot node');
}

function pack(into: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // The build ran before the tests; prepack would only build again.
    execFile(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', into],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`npm pack failed: ${err.message}\n${stderr}`));
        const [info] = JSON.parse(stdout) as Array<{ filename: string }>;
        resolve(path.join(into, info.filename));
      },
    );
  });
}

interface Running {
  base: string;
  output(): string;
  stop(): Promise<void>;
}

async function startNodeRed(runtime: Runtime, userDir: string): Promise<Running> {
  const port = await freePort();
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'camhub-version-matrix',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false },
};
`,
  );
  const out: string[] = [];
  const child: ChildProcess = spawn(
    runtime.node,
    [runtime.redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
    { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: '' } },
  );
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${out.join('')}`);
    try {
      const res = await fetch(`${base}/settings`);
      if (res.ok && /Started flows/.test(out.join(''))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`Node-RED did not start:\n${out.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, output: () => out.join(''), stop };
}

/** Waits for a file to hold a whole JPEG (the file node writes it once). */
async function jpegFile(file: string, node: Running): Promise<Buffer> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (fs.existsSync(file)) {
      const bytes = fs.readFileSync(file);
      const n = bytes.length;
      if (n > 4 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9) return bytes;
    }
    if (Date.now() > until) throw new Error(`no JPEG in ${file}:\n${node.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the packed package in every Node-RED it claims', function () {
  // The first run installs each Node-RED from the registry; later runs find them in the cache.
  this.timeout(900_000);
  let work: string;
  let tarball: string;
  let sim: ReolinkSim;

  before(async () => {
    const html = path.join(ROOT, 'dist', 'nodes', 'camhub-snapshot.html');
    if (!fs.existsSync(html)) throw new Error(`${html} is missing: run npm run build first`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-versions-'));
    tarball = await pack(work);
    sim = await startReolinkSim({ port: 0 });
  });

  after(async () => {
    await sim?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  for (const spec of claimedRuntimes()) {
    const name = spec.nodeMajor
      ? `Node-RED ${spec.nodeRed} on Node.js ${spec.nodeMajor}`
      : `Node-RED ${spec.nodeRed}`;
    it(`${name}: installs, loads every node and takes a snapshot`, async () => {
      const runtime = await ensureRuntime(spec);
      const userDir = fs.mkdtempSync(path.join(work, 'user-'));
      await npmInstall(userDir, [tarball], runtime.node);
      const installed = JSON.parse(
        fs.readFileSync(
          path.join(userDir, 'node_modules', 'node-red-contrib-camhub', 'package.json'),
          'utf8',
        ),
      ) as PackageJson;

      const node = await startNodeRed(runtime, userDir);
      try {
        const log = () => `${runtime.label}:\n${node.output()}`;
        // Every node type the package lists is registered and enabled, without a load error.
        const sets = (await (
          await fetch(`${node.base}/nodes`, { headers: { accept: 'application/json' } })
        ).json()) as Array<{
          module: string;
          types: string[];
          enabled: boolean;
          err?: string;
        }>;
        const ours = sets.filter((s) => s.module === installed.name);
        for (const s of ours) {
          assert.ok(s.enabled && !s.err, `${s.types} failed: ${s.err}\n${log()}`);
        }
        assert.deepEqual(
          ours.flatMap((s) => s.types).sort(),
          Object.keys(installed['node-red'].nodes).sort(),
          log(),
        );

        // The example against the simulator, plus a file node that keeps the picture.
        const example = snapshotExample();
        const out = path.join(userDir, 'snapshot.jpg');
        const camera =
          (example.snapshot.camera as string) || [...sim.state.devices.keys()][0] || '';
        const flow = example.flow.map((n) => {
          if (n.type === 'camhub-reolink') return { ...n, baseUrl: sim.url };
          if (n.id === example.snapshot.id) {
            const wires = (n.wires as string[][] | undefined) ?? [[]];
            return { ...n, camera, wires: [[...(wires[0] ?? []), 'camhubmatrixfile']] };
          }
          return n;
        });
        flow.push({
          id: 'camhubmatrixfile',
          type: 'file',
          z: example.snapshot.z,
          name: 'keep the picture',
          filename: out,
          filenameType: 'str',
          appendNewline: false,
          createDir: true,
          overwriteFile: 'true',
          encoding: 'none',
          wires: [[]],
        });
        const deployed = await fetch(`${node.base}/flows`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'node-red-api-version': 'v2',
            'node-red-deployment-type': 'full',
          },
          body: JSON.stringify({ flows: flow }),
        });
        assert.equal(deployed.status, 200, `deploy of ${example.file}: ${await deployed.text()}`);
        // The deploy answers before every release has started the new flows: until then the
        // inject node is unknown (404).
        let injected: Response;
        const until = Date.now() + 60_000;
        for (;;) {
          injected = await fetch(`${node.base}/inject/${example.inject.id}`, { method: 'POST' });
          if (injected.status !== 404 || Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(injected.status, 200, log());
        const bytes = await jpegFile(out, node);
        assert.equal(bytes[0], 0xff, log());
        assert.equal(bytes[1], 0xd8, log());
        const picture = jpeg.decode(bytes);
        assert.ok(picture.width > 0 && picture.height > 0, log());
        assert.doesNotMatch(node.output(), /\[error\]/, log());
      } finally {
        await node.stop();
      }
    });
  }
});
