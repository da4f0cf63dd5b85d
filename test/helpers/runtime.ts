import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A real Node-RED, started by its own red.js with this package installed in its user dir and
 * a settings file that only names the port (plus `extraSettings`, JS source): the setup a
 * user has after `npm install`, where the admin and node HTTP roots are both `/` and the
 * admin app's body parsers see every request first. The test helper's runtime has neither.
 */
export interface Runtime {
  /** Where the editor and its admin API answer, with a trailing slash. */
  adminUrl: string;
  /** Where httpNode routes (the camhub webhooks) answer, without a trailing slash. */
  nodeUrl: string;
  userDir: string;
  log: () => string;
  deploy(flows: Record<string, unknown>[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startRuntime(
  options: { adminRoot?: string; nodeRoot?: string; extraSettings?: string } = {},
): Promise<Runtime> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-red-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-camhub'), 'dir');
  const port = await freePort();
  const roots = [
    options.adminRoot ? `httpAdminRoot: ${JSON.stringify(options.adminRoot)},` : '',
    options.nodeRoot ? `httpNodeRoot: ${JSON.stringify(options.nodeRoot)},` : '',
  ].join('\n  ');
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'runtime-test-secret',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false },
  ${roots}
  ${options.extraSettings ?? ''}
};
`,
  );
  const out: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      require.resolve('node-red/red.js'),
      '--userDir',
      userDir,
      '--settings',
      path.join(userDir, 'settings.js'),
    ],
    {
      cwd: userDir,
      env: { ...process.env, CAMHUB_STATE_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const adminUrl = `${base}${(options.adminRoot ?? '/').replace(/\/?$/, '/')}`;
  const nodeUrl = `${base}${(options.nodeRoot ?? '/').replace(/\/$/, '')}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited: ${out.join('')}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start: ${out.join('')}`);
    }
    try {
      if ((await fetch(`${adminUrl}settings`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    adminUrl,
    nodeUrl,
    userDir,
    log: () => out.join(''),
    async deploy(flows) {
      const res = await fetch(`${adminUrl}flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flows),
      });
      if (!res.ok) throw new Error(`deploy failed: HTTP ${res.status} ${await res.text()}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
