/**
 * Cloud requests per action against the protocol's minimum, and the time from a deploy to the
 * first successful action.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  helper,
  load,
  nextMessage,
  redeploy,
  serveHttpNode,
  unload,
} from '../test/helpers/nodered';
import type { ActionName, BenchCloud, BenchVendor, Minimum } from './cloud';
import {
  available,
  awaitEventChannel,
  baseFlow,
  newestRecording,
  now,
  pictureFlow,
  viaNode,
} from './harness';
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
  /** The node type the action needs; left out while that node is not built. */
  requires?: string;
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
  // Camera status (online, battery, storage) from camhub-device; no raw client yet.
  { action: 'cameraStatus', requires: 'camhub-device', node: 'dev', payload: () => 1 },
  {
    action: 'recordingsList',
    requires: 'camhub-recordings',
    node: 'rec-list',
    payload: () => 'list',
    raw: (c, cam) => c.raw.recordings?.list(cam) ?? Promise.resolve(),
  },
  {
    action: 'recordingPlay',
    requires: 'camhub-recordings',
    node: 'rec-play',
    payload: () => ({ action: 'play', id: recordingId }),
  },
  {
    action: 'recordingDownload',
    requires: 'camhub-recordings',
    node: 'rec-download',
    payload: () => ({ action: 'download', id: recordingId }),
  },
];

/** The newest recording's id, read once the recordings node is deployed. */
let recordingId = '';

const settle = () => new Promise((r) => setTimeout(r, 50));

/**
 * The requests one run of `fn` makes, counted twice; the smaller count is the action's own.
 * A background request (a poll, a heartbeat) the window happened to catch is not the action's,
 * and it rarely lands in both windows.
 */
async function count(
  cloud: BenchCloud,
  fn: (attempt: number) => Promise<unknown>,
  attempts = 2,
): Promise<{ n: number; calls: string[] }> {
  let best: { n: number; calls: string[] } | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    await settle();
    cloud.clearLog();
    await fn(attempt);
    await settle();
    const n = cloud.requestCount();
    if (!best || n < best.n) best = { n, calls: cloud.requestLog() };
  }
  return best as { n: number; calls: string[] };
}

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
  if (available('camhub-recordings') && cloud.raw.recordings) {
    await cloud.raw.recordings.seed(camera);
    recordingId = await newestRecording();
  }
  for (const a of ACTIONS.filter((x) => !x.requires || available(x.requires))) {
    if (a.action.startsWith('record') && !cloud.raw.recordings) continue;
    if (a.action === 'recordingPlay' && !cloud.raw.recordings?.play) continue;
    if (a.action === 'recordingDownload' && !cloud.raw.recordings?.download) continue;
    // Two warm-up rounds: the first may log in, list cameras or open the event stream.
    for (let i = 0; i < 2; i++) {
      await viaNode(a.node, a.payload(i));
      await a.raw?.(cloud, camera, i);
    }
    // Odd payloads both times: the arm count is of a disarm, twice.
    const node = await count(cloud, (k) => viaNode(a.node, a.payload(3 + 2 * k)));
    const rawCall = a.raw;
    const raw = rawCall ? (await count(cloud, (k) => rawCall(cloud, camera, 3 + 2 * k))).n : null;
    rows.push({
      action: a.action,
      camhub: node.n,
      raw,
      minimum: cloud.minimum[a.action] ?? null,
      calls: node.calls,
    });
  }
  // The editor's camera picker: a refresh lists again; names and such may be kept.
  // Once: a second refresh right after the first may be answered from what it just read.
  const list = await count(
    cloud,
    () => helper.request().get('/camhub/accounts/acc/cameras?refresh=1'),
    1,
  );
  rows.push({
    action: 'listCameras',
    camhub: list.n,
    raw: null,
    minimum: cloud.minimum.listCameras ?? null,
    calls: list.calls,
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
  const event = await count(cloud, async () => {
    const got = nextMessage('evout', 10_000);
    await cloud.trigger(camera);
    await got;
  });
  rows.push({
    action: 'event',
    camhub: event.n,
    raw: null,
    minimum: cloud.minimum.event ?? null,
    calls: event.calls,
  });
  await web.close();
  await unload();

  // Event to msg with its picture: what camhub asks the cloud for the picture.
  if (pictureNodeReady()) {
    await load(pictureFlow(vendor, cloud, camera), { acc: cloud.credentials });
    await cloud.connect?.('acc');
    const picWeb = await serveHttpNode();
    await awaitEventChannel(vendor, cloud, picWeb.url, camera);
    const pic = await count(cloud, async () => {
      const got = nextMessage('evout', 30_000);
      await cloud.trigger(camera);
      await got;
    });
    rows.push({
      action: 'eventPicture',
      camhub: pic.n,
      raw: null,
      minimum: cloud.minimum.eventPicture ?? null,
      calls: pic.calls,
    });
    await picWeb.close();
    await unload();
  }
  return rows;
}

/** The event node's "Attach picture" option (msg.image) is built. */
export function pictureNodeReady(): boolean {
  const html = path.join(__dirname, '..', 'nodes', 'camhub-event.html');
  return fs.existsSync(html) && fs.readFileSync(html, 'utf8').includes('node-input-image');
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
