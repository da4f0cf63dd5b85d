import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const START = path.join(ROOT, 'dist', 'scripts', 'start.js');

export interface Demo {
  /** The editor, e.g. http://127.0.0.1:43121 (no trailing slash). */
  base: string;
  /** The simulated clouds by vendor, as `npm start` printed them. */
  sims: Record<string, string>;
  /** Everything the demo printed so far. */
  output(): string;
  /** The demo's Node-RED user directory. */
  dir: string;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A base port whose simulator ports are all free on 127.0.0.1: vendor n on base + n, and Arlo's
 * auth host and broker 10 and 20 above its API host.
 */
export async function freeSimBase(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const checks = await Promise.all(Array.from({ length: 30 }, (_, i) => portFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
}

export interface StartOptions {
  /**
   * Flows to leave in the user directory before start; `npm start` deploys the examples only
   * into an empty one. An empty tab gives the editor of a fresh install with this package.
   */
  flows?: unknown[];
  /** Extra environment, e.g. CAMHUB_LOG_LEVEL=debug. */
  env?: Record<string, string>;
  /** Another Node-RED to run (test/helpers/runtimes.ts); the dev dependency by default. */
  runtime?: { node: string; redJs: string };
}

/** Runs `npm start`'s script (dist/scripts/start.js) in a temporary user directory. */
export async function startDemo(options: StartOptions = {}): Promise<Demo> {
  if (!fs.existsSync(START)) throw new Error(`${START} is missing: run npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-browser-'));
  if (options.flows) fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(options.flows));
  const port = await freePort();
  const simBase = await freeSimBase();
  const out: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [START], {
    env: {
      ...process.env,
      PORT: String(port),
      CAMHUB_SIM_PORT: String(simBase),
      CAMHUB_DEMO_DIR: dir,
      ...(options.runtime
        ? { CAMHUB_NODE: options.runtime.node, CAMHUB_NODE_RED: options.runtime.redJs }
        : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const ready = /Open the editor: (http:\/\/127\.0\.0\.1:\d+)\//;
  const until = Date.now() + 90_000;
  for (;;) {
    const text = out.join('');
    const m = ready.exec(text);
    if (m) {
      const sims: Record<string, string> = {};
      const line = /Simulated clouds: (.*)/.exec(text)?.[1] ?? '';
      for (const part of line.split(',')) {
        const [vendor, url] = part.trim().split(/\s+/);
        if (vendor && url) sims[vendor] = url;
      }
      return { base: m[1], sims, dir, output: () => out.join(''), stop };
    }
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`npm start did not come up:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
