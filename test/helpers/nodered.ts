import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import helper from 'node-red-node-test-helper';
import type { NodeAPI, NodeMessage } from 'node-red';

helper.init(require.resolve('node-red'));

export { helper };

type NodeModule = (RED: NodeAPI) => void | Promise<void>;

const TYPES = [
  'camhub-reolink',
  'camhub-arlo',
  'camhub-blink',
  'camhub-netatmo',
  'camhub-event',
  'camhub-arm',
  'camhub-snapshot',
  'camhub-ptz',
  'camhub-stream',
  'camhub-recordings',
  'camhub-device',
  'camhub-control',
] as const;

let httpNodeApp: http.RequestListener | undefined;
let httpAdminApp: http.RequestListener | undefined;

/** The compiled nodes, exactly as the package ships them (CAMHUB_DIST may point elsewhere). */
export const DIST = process.env.CAMHUB_DIST
  ? path.resolve(process.env.CAMHUB_DIST)
  : path.join(__dirname, '..', '..', 'dist');

/** Node-RED's own core nodes, for flows (the examples) that use them. */
const CORE = path.dirname(require.resolve('@node-red/nodes/package.json'));
export const CORE_NODES: NodeModule[] = [
  'core/common/20-inject.js',
  'core/function/10-switch.js',
  'core/function/10-function.js',
  'core/function/15-change.js',
  'core/storage/10-file.js',
  'core/function/89-delay.js',
  'core/network/21-httprequest.js',
].map((f) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(CORE, f)) as NodeModule;
});

export const NODES: NodeModule[] = TYPES.map((type, i) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(DIST, 'nodes', `${type}.js`)) as NodeModule;
  if (i > 0) return mod;
  return (RED: NodeAPI) => {
    // Node-RED's HTTP node app; tests serve it on a real port to reach the webhooks.
    httpNodeApp = RED.httpNode as unknown as http.RequestListener;
    httpAdminApp = RED.httpAdmin as unknown as http.RequestListener;
    return mod(RED);
  };
});

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const CONFIG_TYPES = new Set(['camhub-reolink', 'camhub-arlo', 'camhub-blink', 'camhub-netatmo']);

/** Puts every non-config node on one tab with a position, as the editor does; Catch nodes need it. */
export function onTab(flow: FlowNode[]): FlowNode[] {
  if (flow.some((n) => n.type === 'tab')) return flow;
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    ...flow.map((n) => (CONFIG_TYPES.has(n.type) || n.z ? n : { x: 100, y: 100, ...n, z: 'tab1' })),
  ];
}

export async function load(
  flow: FlowNode[],
  credentials: Record<string, unknown> = {},
  extra: NodeModule[] = [],
): Promise<void> {
  await helper.load([...NODES, ...extra], onTab(flow), credentials);
}

interface HelperInternals {
  _redNodes: { setFlows(flow: unknown, creds: unknown, type: string): Promise<unknown> };
  _events: { once(event: string, fn: () => void): void; off(event: string, fn: () => void): void };
}

/**
 * A deploy as the editor does it. The test helper's own setFlows listens for the start only
 * after deploying and gives up after 300 ms, which big flows miss; this listens first.
 */
export async function redeploy(
  flow: FlowNode[],
  credentials?: Record<string, unknown>,
  type: 'full' | 'nodes' | 'flows' = 'full',
): Promise<void> {
  const h = helper as unknown as HelperInternals;
  let onStarted: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    h._events.once('flows:started', onStarted);
    timer = setTimeout(() => reject(new Error('flows did not start within 30 s')), 30_000);
  });
  try {
    await h._redNodes.setFlows(onTab(flow), credentials ?? {}, type);
    await started;
  } finally {
    clearTimeout(timer);
    h._events.off('flows:started', onStarted);
  }
}

export async function unload(): Promise<void> {
  await helper.unload();
}

export function getNode<T = HelperNode>(id: string): T {
  const n = helper.getNode(id) as unknown as T | null;
  if (!n) throw new Error(`node ${id} not in the flow`);
  return n;
}

type Msg = NodeMessage & Record<string, unknown>;

/** The helper nodes and test hooks, typed loosely: they are EventEmitters underneath. */
export interface HelperNode {
  on(event: string, listener: (arg: Msg) => void): unknown;
  once(event: string, listener: (arg: Msg) => void): unknown;
  removeListener(event: string, listener: (arg: Msg) => void): unknown;
  receive(msg: Record<string, unknown>): void;
}

/** Resolves with the next msg that reaches a helper node. */
export function nextMessage(
  id: string,
  timeoutMs = 10_000,
): Promise<NodeMessage & Record<string, unknown>> {
  const node = getNode<HelperNode>(id);
  return new Promise((resolve, reject) => {
    // Not once(): Node-RED keeps input listeners in an array it walks while calling them, so a
    // listener that removes itself mid-walk (as once() does) makes it skip the next one, and a
    // timed-out wait must not leave its listener behind. Removal waits for the walk to end.
    let settled = false;
    const onInput = (msg: NodeMessage & Record<string, unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      setImmediate(() => node.removeListener('input', onInput));
      resolve(msg);
    };
    const timer = setTimeout(() => {
      settled = true;
      node.removeListener('input', onInput);
      reject(new Error(`no msg at ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    node.on('input', onInput);
  });
}

/** Collects every msg reaching a helper node until stop() is called. */
export function collect(id: string): {
  msgs: (NodeMessage & Record<string, unknown>)[];
  stop: () => void;
} {
  const node = getNode<HelperNode>(id);
  const msgs: (NodeMessage & Record<string, unknown>)[] = [];
  const fn = (m: NodeMessage & Record<string, unknown>) => msgs.push(m);
  node.on('input', fn);
  return { msgs, stop: () => node.removeListener('input', fn) };
}

export interface CaughtError {
  message: string;
  code?: string;
  source?: { id: string; type: string };
}

/** Resolves with the error a catch node (wired to helper `id`) passes on. */
export async function nextCaught(id: string, timeoutMs = 10_000): Promise<CaughtError> {
  const msg = await nextMessage(id, timeoutMs);
  return msg.error as CaughtError;
}

/** Routes on Node-RED's HTTP node app and listeners on the runtime's event bus, for leak tests. */
export function runtimeHandles(): { routes: number; runtimeListeners: number } {
  const app = httpNodeApp as unknown as { _router?: { stack: unknown[] } } | undefined;
  const events = (helper as unknown as { _events: NodeJS.EventEmitter })._events;
  const runtimeListeners = events
    .eventNames()
    .reduce((n, name) => n + events.listenerCount(name), 0);
  return { routes: app?._router?.stack.length ?? 0, runtimeListeners };
}

/** Serves Node-RED's HTTP node app on a loopback port; close it with server.close(). */
export async function serveHttpNode(): Promise<{ url: string; close: () => Promise<void> }> {
  if (!httpNodeApp) throw new Error('flow not loaded');
  return serve(httpNodeApp);
}

/** Serves Node-RED's admin app (the editor's endpoints) on a loopback port, for browser flows. */
export async function serveHttpAdmin(): Promise<{ url: string; close: () => Promise<void> }> {
  if (!httpAdminApp) throw new Error('flow not loaded');
  return serve(httpAdminApp);
}

async function serve(
  app: http.RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface StatusCall {
  fill?: string;
  shape?: string;
  text?: string;
}

/** Records every status a node shows, in order. */
export function watchStatus(id: string): StatusCall[] {
  const node = getNode<HelperNode>(id);
  const seen: StatusCall[] = [];
  node.on('call:status', (call) =>
    seen.push(((call as unknown as { args: unknown[] }).args[0] ?? {}) as StatusCall),
  );
  return seen;
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A flow with an account, one node of `type` wired to helper h1, and a catch wired to c1. */
export function singleNodeFlow(
  type: string,
  baseUrl: string,
  props: Record<string, unknown> = {},
): FlowNode[] {
  return [
    { id: 'acc', type: 'camhub-reolink', baseUrl, timeout: 5 },
    { id: 'n1', type, account: 'acc', camera: '', wires: [['h1']], ...props },
    { id: 'h1', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['c1']] },
    { id: 'c1', type: 'helper' },
  ];
}
