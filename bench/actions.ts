/**
 * Cloud requests per action against the protocol's minimum, and the time from a deploy to the
 * first successful action.
 */
import {
  helper,
  load,
  nextMessage,
  redeploy,
  serveHttpNode,
  unload,
} from '../test/helpers/nodered';
import type { ActionName, BenchCloud, BenchVendor, Minimum } from './cloud';
import { awaitEventChannel, baseFlow, now, viaNode } from './harness';
import { round } from './stats';

export interface ActionCount {
  action: ActionName;
  camhub: number;
  raw: number | null;
  minimum: Minimum | null;
  /** camhub's requests, "METHOD /path". */
  calls: string[];
}

/**
 * One action of a node: the payload it is sent, and the raw client's same action. More actions
 * (recordings, camera status, event pictures) are added here as their nodes land.
 */
export interface CountedAction {
  action: ActionName;
  node: string;
  payload: (i: number) => unknown;
  raw?: (cloud: BenchCloud, camera: string, i: number) => Promise<unknown>;
}

export const ACTIONS: CountedAction[] = [
  { action: 'snapshot', node: 'snap', payload: () => 1, raw: (c, cam) => c.raw.snapshot(cam) },
  { action: 'stream', node: 'stream', payload: () => 1, raw: (c, cam) => c.raw.stream(cam) },
  {
    action: 'arm',
    node: 'arm',
    // Alternating, so each count is of a real change; the count is taken on a disarm.
    payload: (i) => i % 2 === 0,
    raw: (c, cam, i) => c.raw.arm(cam, i % 2 === 0),
  },
  { action: 'status', node: 'arm', payload: () => 'status', raw: (c, cam) => c.raw.status(cam) },
];

const settle = () => new Promise((r) => setTimeout(r, 50));

/**
 * Requests camhub makes for one action once the account is warm (logged in, cameras listed),
 * beside the raw client's and the protocol minimum. The flow has no event node, so a poller's
 * requests are not counted against an action.
 */
export async function requestsPerAction(
  vendor: BenchVendor,
  cloud: BenchCloud,
  camera: string,
): Promise<ActionCount[]> {
  const rows: ActionCount[] = [];
  await load(baseFlow(vendor, cloud, camera, { events: false }), { acc: cloud.credentials });
  await cloud.connect?.('acc');
  for (const a of ACTIONS) {
    // Two warm-up rounds: the first may log in, list cameras or open the event stream.
    for (let i = 0; i < 2; i++) {
      await viaNode(a.node, a.payload(i));
      await a.raw?.(cloud, camera, i);
    }
    await settle();
    cloud.clearLog();
    await viaNode(a.node, a.payload(3));
    await settle();
    const camhub = cloud.requestCount();
    const calls = cloud.requestLog();
    let raw: number | null = null;
    if (a.raw) {
      cloud.clearLog();
      await a.raw(cloud, camera, 3);
      await settle();
      raw = cloud.requestCount();
    }
    rows.push({ action: a.action, camhub, raw, minimum: cloud.minimum[a.action] ?? null, calls });
  }
  // The editor's camera picker: a refresh lists again; names and such may be kept.
  cloud.clearLog();
  await helper.request().get('/camhub/accounts/acc/cameras?refresh=1');
  rows.push({
    action: 'listCameras',
    camhub: cloud.requestCount(),
    raw: null,
    minimum: cloud.minimum.listCameras ?? null,
    calls: cloud.requestLog(),
  });
  await unload();

  // Event to msg: what camhub asks the cloud between the cloud's event and the msg. Armed
  // first: a disarmed camera (or system) raises no event, and camhub drops events it believes
  // come from a disarmed one.
  await cloud.raw.arm(camera, true);
  await load(baseFlow(vendor, cloud, camera), { acc: cloud.credentials });
  await cloud.connect?.('acc');
  const web = await serveHttpNode();
  await awaitEventChannel(vendor, cloud, web.url, camera);
  await settle();
  cloud.clearLog();
  const got = nextMessage('evout', 10_000);
  await cloud.trigger(camera);
  await got;
  rows.push({
    action: 'event',
    camhub: cloud.requestCount(),
    raw: null,
    minimum: cloud.minimum.event ?? null,
    calls: cloud.requestLog(),
  });
  await web.close();
  await unload();
  return rows;
}

export interface ReadyFigure {
  /** Deploy to the first snapshot's msg, login and camera listing included. */
  coldMs: number;
  coldRequests: number;
  coldLogins: number;
  /** A full redeploy of the same account: its kept session should need no login. */
  savedMs: number;
  savedRequests: number;
  savedLogins: number;
}

/** Deploy to the first successful snapshot, cold (fresh state) and with the kept session. */
export async function timeToReady(
  vendor: BenchVendor,
  rttMs: number,
  jitterMs: number,
): Promise<ReadyFigure> {
  const cloud = await vendor.start(10);
  const camera = cloud.cameraIds[0];
  cloud.setLatency(rttMs, jitterMs);
  const flow = baseFlow(vendor, cloud, camera, { events: false });
  cloud.clearLog();
  const logins0 = cloud.logins();
  let t = now();
  await load(flow, { acc: cloud.credentials });
  // Netatmo's consent in the editor is part of a cold start: it is a user's step.
  await cloud.connect?.('acc');
  await viaNode('snap', 1, 60_000);
  const coldMs = now() - t;
  const coldRequests = cloud.requestCount();
  const coldLogins = cloud.logins() - logins0;
  await new Promise((r) => setTimeout(r, 200));
  cloud.clearLog();
  const logins1 = cloud.logins();
  t = now();
  await redeploy(flow, { acc: cloud.credentials }, 'full');
  await viaNode('snap', 1, 60_000);
  const savedMs = now() - t;
  const figure: ReadyFigure = {
    coldMs: round(coldMs, 1),
    coldRequests,
    coldLogins,
    savedMs: round(savedMs, 1),
    savedRequests: cloud.requestCount(),
    savedLogins: cloud.logins() - logins1,
  };
  await unload();
  await cloud.close();
  return figure;
}
