/**
 * `npm run bench`: camhub's overhead, cloud-call budget, event latency and memory, each measured
 * side by side with a raw client in the same run, so the ratios hold on a noisy machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  delay,
  getNode,
  helper,
  load,
  nextMessage,
  redeploy,
  serveHttpNode,
  unload,
  type FlowNode,
} from '../test/helpers/nodered';
import { arloBench } from './arlo';
import { blinkBench } from './blink';
import { rawReceiver, type BenchCloud, type BenchVendor, type RawEvents } from './cloud';
import { netatmoBench } from './netatmo';
import { reolinkBench } from './reolink';
import { round, summarise, type Summary } from './stats';

const ALL: BenchVendor[] = [reolinkBench, blinkBench, arloBench, netatmoBench];
/** BENCH_VENDORS=blink,arlo runs a subset while developing; the default is all four. */
const ONLY = (process.env.BENCH_VENDORS || '').split(',').filter(Boolean);
const VENDORS = ONLY.length ? ALL.filter((v) => ONLY.includes(v.name)) : ALL;
const ITER = Number(process.env.BENCH_ITER || 200);
const SCALE = (process.env.BENCH_CAMERAS || '10,100,500').split(',').map(Number);
const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS || 100);
const OUT = path.join(__dirname, '..', '.artifacts', 'bench.json');

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface Pair {
  node: Summary;
  raw: Summary;
  ratioP50: number;
  ratioP95: number;
  /** What the node adds in absolute terms: it does not grow with the cloud's own latency. */
  overheadP50Ms: number;
}

function pair(node: number[], raw: number[]): Pair {
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

function baseFlow(vendor: BenchVendor, cloud: BenchCloud, camera: string): FlowNode[] {
  return [
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
    ...(['list', 'play', 'download'] as const).map((action) => ({
      id: `rec-${action}`,
      type: 'camhub-recordings',
      account: 'acc',
      camera,
      action,
      wires: [['out']],
    })),
    { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['evout']] },
    { id: 'out', type: 'helper' },
    { id: 'evout', type: 'helper' },
    { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

async function viaNode(id: string, payload: unknown): Promise<number> {
  const t = now();
  const done = nextMessage('out', 30_000);
  // A failed call would otherwise only show as a timeout.
  const failed = nextMessage('err', 30_000).then((m) => {
    throw new Error(`${id}: ${JSON.stringify(m.error)}`);
  });
  failed.catch(() => undefined);
  getNode(id).receive({ payload });
  await Promise.race([done, failed]);
  return now() - t;
}

/**
 * The recordings node beside a raw client of the same calls: list (the last 24 hours, every
 * page), then play and download of the newest, where the cloud has them.
 */
async function recordingTimes(
  cloud: BenchCloud,
  camera: string,
): Promise<Record<string, Pair | undefined>> {
  const raw = cloud.raw.recordings;
  if (!raw) return {};
  await raw.seed(camera);
  const key = await raw.list(camera);
  const first = nextMessage('out', 30_000);
  getNode('rec-list').receive({ payload: 'list' });
  const items = (await first).payload as { id: string }[];
  if (!items.length) throw new Error('the recordings node listed nothing');
  const id = items[0].id;
  const out: Record<string, Pair | undefined> = {};
  out['rec list'] = await sideBySide(
    ITER,
    () => viaNode('rec-list', 'list'),
    () => timed(() => raw.list(camera)),
  );
  const play = raw.play;
  if (play) {
    out['rec play'] = await sideBySide(
      ITER,
      () => viaNode('rec-play', { action: 'play', id }),
      () => timed(() => play(camera, key)),
    );
  }
  const download = raw.download;
  if (download) {
    out['rec dl'] = await sideBySide(
      ITER,
      () => viaNode('rec-download', { action: 'download', id }),
      () => timed(() => download(camera, key)),
    );
  }
  return out;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

/** Node and raw calls interleaved, so both see the same machine at the same time. */
async function sideBySide(
  iter: number,
  node: (i: number) => Promise<number>,
  raw: (i: number) => Promise<number>,
) {
  const n: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < 10; i++) {
    await node(i);
    await raw(i);
  }
  for (let i = 0; i < iter; i++) {
    if (i % 2 === 0) {
      n.push(await node(i));
      r.push(await raw(i));
    } else {
      r.push(await raw(i));
      n.push(await node(i));
    }
  }
  return pair(n, r);
}

/** What a webhook cloud does by default: call camhub's receiver, or a bare HTTP one. */
function defaultRoute(vendor: BenchVendor, cloud: BenchCloud) {
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

/**
 * "Cloud emits -> msg with its picture leaves camhub-event" (Attach picture: event-or-live),
 * then a raw client of the same channel that fetches the same picture once the event is in.
 */
async function pictureLatency(
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
    const got = nextMessage('evpicout', 30_000);
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
    await cloud.trigger(camera);
    const event = await got;
    arrived = undefined;
    await picture(event, camera);
    viaRaw.push(now() - t);
  }
  await raw.close();
  return { camhub: summarise(viaCamhub), raw: summarise(viaRaw), withoutPicture: missing };
}

/** "Cloud emits -> msg leaves camhub-event", then the same for a raw client of the same channel. */
async function eventLatency(
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

/**
 * Cloud requests per poll interval of one account with 1, 10 and 50 event nodes. Polled clouds
 * are counted over 20 intervals, push clouds over 2 s (their "interval" is 1 s).
 */
async function requestsPerInterval(vendor: BenchVendor, cloud: BenchCloud) {
  const intervalMs = cloud.pollIntervalMs ?? 1000;
  const intervals = cloud.pollIntervalMs ? 20 : 2;
  const out: Record<'1' | '10' | '50', number> = { '1': 0, '10': 0, '50': 0 };
  for (const n of [1, 10, 50] as const) {
    const flow: FlowNode[] = [
      { id: 'acc', type: vendor.configType, baseUrl: cloud.url, ...cloud.account },
    ];
    for (let i = 0; i < n; i++)
      flow.push({
        id: `ev${i}`,
        type: 'camhub-event',
        account: 'acc',
        camera: '',
        types: [],
        wires: [[]],
      });
    await redeploy(flow, { acc: cloud.credentials });
    if (n === 1) await cloud.connect?.('acc');
    await delay(Math.max(500, intervalMs)); // start-up listing and the first poll
    const before = cloud.requestCount();
    await delay(intervalMs * intervals);
    out[`${n}`] = round((cloud.requestCount() - before) / intervals, 1);
  }
  return { mode: cloud.events, intervalMs, ...out };
}

/**
 * The test runtime records every node call (status, log, send) in sinon spies; that history is
 * the harness's memory, not camhub's, so it is dropped before each reading.
 */
function dropHarnessHistory(): void {
  (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
}

function memory() {
  dropHarnessHistory();
  gc();
  const m = process.memoryUsage();
  return { rssMB: round(m.rss / 2 ** 20, 1), heapMB: round(m.heapUsed / 2 ** 20, 1) };
}

async function memoryRun(vendor: BenchVendor) {
  const clouds = await Promise.all([0, 1, 2, 3].map(() => vendor.start(50)));
  await load([]);
  await delay(200);
  const before = memory();
  const flowFor = (variant: number): FlowNode[] => {
    const flow: FlowNode[] = [];
    clouds.forEach((cloud, a) => {
      flow.push({
        id: `acc${a}`,
        type: vendor.configType,
        baseUrl: cloud.url,
        name: `a${a}`,
        ...cloud.account,
      });
      const types = ['camhub-event', 'camhub-snapshot', 'camhub-arm', 'camhub-stream'];
      for (let i = 0; i < 100; i++) {
        flow.push({
          id: `n${a}-${i}`,
          type: types[i % 4],
          account: `acc${a}`,
          camera: i % 4 === 0 ? '' : cloud.cameraIds[i % cloud.cameraIds.length],
          name: i === 0 ? `v${variant}` : '',
          types: [],
          wires: [[]],
        });
      }
    });
    return flow;
  };
  const creds = Object.fromEntries(clouds.map((c, a) => [`acc${a}`, c.credentials]));
  const reading = () => {
    for (const c of clouds) c.clearLog();
    return memory();
  };
  await redeploy(flowFor(0), creds);
  for (const [a, cloud] of clouds.entries()) await cloud.connect?.(`acc${a}`);
  // Each account lists its cameras once, as the editor's picker would.
  for (let a = 0; a < 4; a++) await helper.request().get(`/camhub/accounts/acc${a}/cameras`);
  const deployed = reading();
  let after10 = deployed;
  const heapTrail: number[] = [];
  for (let i = 1; i <= REDEPLOYS; i++) {
    await redeploy(flowFor(i), creds, i % 2 ? 'nodes' : 'full');
    dropHarnessHistory();
    if (i % 10 === 0) {
      await delay(100);
      const m = reading();
      heapTrail.push(m.heapMB);
      if (i === 10) after10 = m;
    }
  }
  await delay(100);
  const afterAll = reading();
  await unload();
  await Promise.all(clouds.map((c) => c.close()));
  return {
    before,
    deployed,
    addedByFlow: {
      rssMB: round(deployed.rssMB - before.rssMB, 1),
      heapMB: round(deployed.heapMB - before.heapMB, 1),
    },
    after10Redeploys: after10,
    [`after${REDEPLOYS}Redeploys`]: afterAll,
    heapGrowthAfter10MB: round(afterAll.heapMB - after10.heapMB, 1),
    heapEvery10RedeploysMB: heapTrail,
  };
}

async function scaling(vendor: BenchVendor) {
  const rows: Record<string, unknown>[] = [];
  for (const cams of SCALE) {
    const cloud = await vendor.start(cams);
    const camera = cloud.cameraIds[cams - 1];
    const heap0 = memory().heapMB;
    await load(baseFlow(vendor, cloud, camera), { acc: cloud.credentials });
    await cloud.connect?.('acc');
    const web = await serveHttpNode();
    const listMs = await timed(() =>
      helper.request().get('/camhub/accounts/acc/cameras?refresh=1'),
    );
    const snap: number[] = [];
    for (let i = 0; i < 30; i++) snap.push(await viaNode('snap', i));
    const ev = await eventLatency(vendor, cloud, web.url, 30, camera);
    const heap1 = memory().heapMB;
    rows.push({
      cameras: cams,
      listCamerasMs: round(listMs, 1),
      snapshotP50Ms: round(summarise(snap).p50, 2),
      eventP50Ms: round(ev.camhub.p50, 2),
      heapAddedMB: round(heap1 - heap0, 1),
    });
    await web.close();
    await unload();
    await cloud.close();
  }
  return rows;
}

async function main() {
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    iterations: ITER,
    vendors: {} as Record<string, unknown>,
  };
  if (!(globalThis as { gc?: unknown }).gc)
    console.warn('run with --expose-gc for steady memory figures');
  for (const vendor of VENDORS) {
    console.log(`\n== ${vendor.name}`);
    // Memory first, while the process is fresh: later phases leave RSS the allocator keeps.
    const mem = await memoryRun(vendor);
    const cloud = await vendor.start(10);
    const camera = cloud.cameraIds[0];
    // Request counts first, while the cloud holds no recent events a poll would page through.
    await load([]);
    const polls = await requestsPerInterval(vendor, cloud);
    await unload();
    await load(baseFlow(vendor, cloud, camera), { acc: cloud.credentials });
    await cloud.connect?.('acc');
    const web = await serveHttpNode();
    const snapshot = await sideBySide(
      ITER,
      () => viaNode('snap', 1),
      () => timed(() => cloud.raw.snapshot(camera)),
    );
    const stream = await sideBySide(
      ITER,
      () => viaNode('stream', 1),
      () => timed(() => cloud.raw.stream(camera)),
    );
    const arm = await sideBySide(
      ITER,
      (i) => viaNode('arm', i % 2 === 0),
      (i) => timed(() => cloud.raw.arm(camera, i % 2 === 0)),
    );
    // A disarmed camera (or system) raises no event: leave it armed for the event figures.
    await cloud.raw.arm(camera, true);
    const recordings = await recordingTimes(cloud, camera);
    const events = await eventLatency(vendor, cloud, web.url, ITER, camera);
    await web.close();
    await unload();
    // The same events with their picture attached, on a flow of its own so the plain event
    // figures above are not slowed by picture fetches.
    await load(
      [
        baseFlow(vendor, cloud, camera)[0],
        {
          id: 'evpic',
          type: 'camhub-event',
          account: 'acc',
          camera: '',
          types: [],
          image: 'event-or-live',
          wires: [['evpicout']],
        },
        { id: 'evpicout', type: 'helper' },
      ],
      { acc: cloud.credentials },
    );
    await cloud.connect?.('acc');
    const picWeb = await serveHttpNode();
    const pictures = await pictureLatency(vendor, cloud, picWeb.url, ITER, camera);
    await picWeb.close();
    await unload();
    await cloud.close();
    const scale = await scaling(vendor);
    const result = {
      snapshot,
      stream,
      arm,
      recordings,
      events,
      eventsWithPicture: pictures,
      requestsPerPollInterval: polls,
      memory: mem,
      scaling: scale,
    };
    (report.vendors as Record<string, unknown>)[vendor.name] = result;

    const row = (name: string, p: Pair) =>
      `${name.padEnd(10)} node p50 ${p.node.p50.toFixed(2).padStart(7)} ms  raw p50 ${p.raw.p50.toFixed(2).padStart(7)} ms  ratio p50 ${p.ratioP50.toFixed(2)}  p95 ${p.ratioP95.toFixed(2)}  added ${p.overheadP50Ms.toFixed(2)} ms`;
    console.log(row('snapshot', snapshot));
    console.log(row('stream', stream));
    console.log(row('arm', arm));
    for (const [name, p] of Object.entries(recordings)) if (p) console.log(row(name, p));
    console.log(
      `events     (${events.channel}) camhub p50 ${events.camhub.p50.toFixed(2)} ms p99 ${events.camhub.p99.toFixed(2)} ms   raw p50 ${events.raw.p50.toFixed(2)} ms p99 ${events.raw.p99.toFixed(2)} ms`,
    );
    console.log(
      `picture    event -> msg with its picture: camhub p50 ${pictures.camhub.p50.toFixed(2)} ms p99 ${pictures.camhub.p99.toFixed(2)} ms   raw event + picture p50 ${pictures.raw.p50.toFixed(2)} ms p99 ${pictures.raw.p99.toFixed(2)} ms${pictures.withoutPicture ? `   (${pictures.withoutPicture} msgs without a picture)` : ''}`,
    );
    console.log(
      `requests   per ${cloud.events === 'poll' ? `${polls.intervalMs} ms poll interval` : 's (push)'} with 1/10/50 event nodes: ${polls['1']} / ${polls['10']} / ${polls['50']}`,
    );
    console.log(
      `memory     4 accounts x 50 cameras x 400 nodes: ${signed(mem.addedByFlow.rssMB)} MB RSS, ${signed(mem.addedByFlow.heapMB)} MB heap; heap after 10 -> ${REDEPLOYS} redeploys: ${signed(mem.heapGrowthAfter10MB)} MB (heap every 10: ${mem.heapEvery10RedeploysMB.join(', ')})`,
    );
    console.log(
      'scaling    cameras | list cameras ms | snapshot p50 ms | event p50 ms | heap added MB',
    );
    for (const r of scale) {
      console.log(
        `           ${String(r.cameras).padStart(7)} | ${String(r.listCamerasMs).padStart(15)} | ${String(r.snapshotP50Ms).padStart(15)} | ${String(r.eventP50Ms).padStart(12)} | ${String(r.heapAddedMB).padStart(13)}`,
      );
    }
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
  console.log(`\nJSON: ${path.relative(process.cwd(), OUT)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
