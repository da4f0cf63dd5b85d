/** The pieces every benchmark phase shares: the flow, timing one msg, side-by-side pairs. */
import fs from 'node:fs';
import path from 'node:path';
import { DIST, getNode, nextMessage, type FlowNode } from '../test/helpers/nodered';
import { rawReceiver, type BenchCloud, type BenchVendor, type RawEvents } from './cloud';
import { round, summarise, type Summary } from './stats';

/**
 * Is a node type built (in dist/)? Nodes landing on other branches join the bench by name
 * once they are: the bench runs on whatever this tree has.
 */
export function available(type: string): boolean {
  return fs.existsSync(path.join(DIST, 'nodes', `${type}.js`));
}

export const now = () => Number(process.hrtime.bigint()) / 1e6;

export interface Pair {
  node: Summary;
  raw: Summary;
  ratioP50: number;
  ratioP95: number;
  /** What the node adds in absolute terms: it does not grow with the cloud's own latency. */
  overheadP50Ms: number;
}

export function pair(node: number[], raw: number[]): Pair {
  const n = summarise(node);
  const r = summarise(raw);
  return {
    node: n,
    raw: r,
    ratioP50: round(n.p50 / r.p50),
    ratioP95: round(n.p95 / r.p95),
    overheadP50Ms: round(n.p50 - r.p50),
  };
}

/**
 * The account and one node per action. `events: false` leaves the event node out, so a polled
 * cloud's poller does not add its requests to an action's count.
 */
export function baseFlow(
  vendor: BenchVendor,
  cloud: BenchCloud,
  camera: string,
  options: { events?: boolean } = {},
): FlowNode[] {
  const flow: FlowNode[] = [
    { id: 'acc', type: vendor.configType, baseUrl: cloud.url, timeout: 30, ...cloud.account },
    { id: 'snap', type: 'camhub-snapshot', account: 'acc', camera, wires: [['out']] },
    {
      id: 'stream',
      type: 'camhub-stream',
      account: 'acc',
      camera,
      quality: cloud.streamQuality ?? 'sub',
      wires: [['out']],
    },
    { id: 'arm', type: 'camhub-arm', account: 'acc', camera, wires: [['out']] },
    ...(available('camhub-device')
      ? [{ id: 'dev', type: 'camhub-device', account: 'acc', camera, wires: [['out']] }]
      : []),
    ...(available('camhub-recordings')
      ? (['list', 'play', 'download'] as const).map((action) => ({
          id: `rec-${action}`,
          type: 'camhub-recordings',
          account: 'acc',
          camera,
          action,
          wires: [['out']],
        }))
      : []),
    { id: 'out', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
  if (options.events !== false) {
    flow.push({ id: 'evout', type: 'helper' });
    flow.push({
      id: 'ev',
      type: 'camhub-event',
      account: 'acc',
      camera: '',
      types: [],
      wires: [['evout']],
    });
  }
  return flow;
}

/** A msg into node `id` until a msg leaves on 'out'; a Catch on 'err' fails it. */
export async function viaNode(id: string, payload: unknown, timeoutMs = 30_000): Promise<number> {
  const t = now();
  const done = nextMessage('out', timeoutMs);
  // A failed call would otherwise only show as a timeout.
  const failed = nextMessage('err', timeoutMs).then((m) => {
    throw new Error(`${id}: ${JSON.stringify(m.error)}`);
  });
  failed.catch(() => undefined);
  getNode(id).receive({ payload });
  await Promise.race([done, failed]);
  return now() - t;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

/** Node and raw calls interleaved, so both see the same machine at the same time. */
export async function sideBySide(
  iter: number,
  node: (i: number) => Promise<number>,
  raw: (i: number) => Promise<number>,
  warmup = 10,
  reseed: (seed: number) => void = () => undefined,
): Promise<Pair> {
  const n: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < warmup; i++) {
    await node(i);
    await raw(i);
  }
  // Both calls of a pair meet the same jitter sequence (common random numbers), so the pair
  // differs by what each client does, not by which round trips happened to be slow.
  const timedNode = (i: number) => (reseed(1000 + i), node(i));
  const timedRaw = (i: number) => (reseed(1000 + i), raw(i));
  for (let i = 0; i < iter; i++) {
    if (i % 2 === 0) {
      n.push(await timedNode(i));
      r.push(await timedRaw(i));
    } else {
      r.push(await timedRaw(i));
      n.push(await timedNode(i));
    }
  }
  return pair(n, r);
}

/** What a webhook cloud does by default: call camhub's receiver, or a bare HTTP one. */
export function defaultRoute(vendor: BenchVendor, cloud: BenchCloud) {
  return async (webUrl: string, accountId: string) =>
    cloud.setCallback(
      `${webUrl}/camhub/${vendor.name}/${accountId}?authcode=${cloud.credentials.authcode}`,
    );
}

function defaultRaw(cloud: BenchCloud) {
  return async (onEvent: (event?: unknown) => void): Promise<RawEvents> => {
    const receiver = await rawReceiver((body) => onEvent(body));
    cloud.setCallback(receiver.url);
    return receiver;
  };
}

/** The account and one event node that attaches the event's picture (or a live one). */
export function pictureFlow(vendor: BenchVendor, cloud: BenchCloud, camera: string): FlowNode[] {
  return [
    baseFlow(vendor, cloud, camera)[0],
    {
      id: 'ev',
      type: 'camhub-event',
      account: 'acc',
      camera: '',
      types: [],
      image: 'event-or-live',
      wires: [['evout']],
    },
    { id: 'evout', type: 'helper' },
  ];
}

/**
 * "Cloud emits -> msg with its picture leaves camhub-event" (Attach picture: event-or-live),
 * then a raw client of the same channel that fetches the same picture once the event is in.
 */
export async function pictureLatency(
  vendor: BenchVendor,
  cloud: BenchCloud,
  webUrl: string,
  iter: number,
  camera: string,
) {
  await (cloud.routeEvents ?? defaultRoute(vendor, cloud))(webUrl, 'acc');
  const viaCamhub: number[] = [];
  let missing = 0;
  for (let i = 0; i < iter; i++) {
    const t = now();
    const got = nextMessage('evout', 30_000);
    cloud.reseedLatency(3000 + i);
    await cloud.trigger(camera);
    const msg = await got;
    if (!Buffer.isBuffer(msg.image)) missing++;
    viaCamhub.push(now() - t);
  }
  const viaRaw: number[] = [];
  let arrived: ((event: unknown) => void) | undefined;
  const raw = await (cloud.rawEvents ?? defaultRaw(cloud))((e) => arrived?.(e));
  const picture = cloud.rawEventPicture ?? (() => cloud.raw.snapshot(camera));
  for (let i = 0; i < iter; i++) {
    const t = now();
    const got = new Promise<unknown>((r) => (arrived = r));
    cloud.reseedLatency(3000 + i);
    await cloud.trigger(camera);
    const event = await got;
    arrived = undefined;
    await picture(event, camera);
    viaRaw.push(now() - t);
  }
  await raw.close();
  return { camhub: summarise(viaCamhub), raw: summarise(viaRaw), withoutPicture: missing };
}

/**
 * The recordings node beside a raw client of the same calls: list (the last 24 hours, every
 * page), then play and download of the newest, where the cloud has them.
 */
export async function recordingTimes(
  cloud: BenchCloud,
  camera: string,
  iter: number,
  warm: number,
): Promise<Record<string, Pair>> {
  const raw = cloud.raw.recordings;
  if (!raw || !available('camhub-recordings')) return {};
  await raw.seed(camera);
  const key = await raw.list(camera);
  const id = await newestRecording();
  const reseed = (seed: number) => cloud.reseedLatency(seed);
  const out: Record<string, Pair> = {};
  out['rec list'] = await sideBySide(
    iter,
    () => viaNode('rec-list', 'list'),
    () => timed(() => raw.list(camera)),
    warm,
    reseed,
  );
  const play = raw.play;
  if (play) {
    out['rec play'] = await sideBySide(
      iter,
      () => viaNode('rec-play', { action: 'play', id }),
      () => timed(() => play(camera, key)),
      warm,
      reseed,
    );
  }
  const download = raw.download;
  if (download) {
    out['rec dl'] = await sideBySide(
      iter,
      () => viaNode('rec-download', { action: 'download', id }),
      () => timed(() => download(camera, key)),
      warm,
      reseed,
    );
  }
  return out;
}

/** The id of the newest recording the recordings node lists. */
export async function newestRecording(): Promise<string> {
  const first = nextMessage('out', 30_000);
  getNode('rec-list').receive({ payload: 'list' });
  const items = (await first).payload as { id: string }[];
  if (!items.length) throw new Error('the recordings node listed nothing');
  return items[0].id;
}

/**
 * Routes the cloud's events to camhub and triggers until one reaches 'evout': the event stream
 * (MQTT, a poller) may still be connecting right after a deploy.
 */
export async function awaitEventChannel(
  vendor: BenchVendor,
  cloud: BenchCloud,
  webUrl: string,
  camera: string,
): Promise<void> {
  await (cloud.routeEvents ?? defaultRoute(vendor, cloud))(webUrl, 'acc');
  for (let i = 0; ; i++) {
    const got = nextMessage('evout', 2_000);
    await cloud.trigger(camera);
    if (
      await got.then(
        () => true,
        () => false,
      )
    ) {
      // A trigger sent while the channel was still connecting may come through late: let it
      // pass now, or it would answer the first timed event and every later one a step early.
      await new Promise((r) => setTimeout(r, 1500));
      return;
    }
    if (i === 10) throw new Error(`${vendor.name}: no event reached camhub-event`);
  }
}

/** "Cloud emits -> msg leaves camhub-event", then the same for a raw client of the same channel. */
export async function eventLatency(
  vendor: BenchVendor,
  cloud: BenchCloud,
  webUrl: string,
  iter: number,
  camera: string,
) {
  await (cloud.routeEvents ?? defaultRoute(vendor, cloud))(webUrl, 'acc');
  const viaCamhub: number[] = [];
  for (let i = 0; i < iter; i++) {
    const t = now();
    const got = nextMessage('evout', 10_000);
    cloud.reseedLatency(2000 + i);
    await cloud.trigger(camera);
    await got;
    viaCamhub.push(now() - t);
  }
  const viaRaw: number[] = [];
  let arrived: (() => void) | undefined;
  const raw = await (cloud.rawEvents ?? defaultRaw(cloud))(() => arrived?.());
  for (let i = 0; i < iter; i++) {
    const t = now();
    const got = new Promise<void>((r) => (arrived = r));
    cloud.reseedLatency(2000 + i);
    await cloud.trigger(camera);
    await got;
    arrived = undefined;
    viaRaw.push(now() - t);
  }
  await raw.close();
  return {
    channel: cloud.channel ?? cloud.events,
    camhub: summarise(viaCamhub),
    raw: summarise(viaRaw),
  };
}
