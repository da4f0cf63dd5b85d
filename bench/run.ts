/**
 * `npm run bench`: camhub's overhead, cloud-call budget, event latency and memory, each measured
 * side by side with a raw client in the same run, so the ratios hold on a noisy machine. The
 * latency figures are taken with the simulators at 0 ms and at a real cloud's round-trip time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  delay,
  helper,
  load,
  redeploy,
  serveHttpNode,
  unload,
  type FlowNode,
} from '../test/helpers/nodered';
import {
  pictureNodeReady,
  requestsPerAction,
  timeToReady,
  type ActionCount,
  type ReadyFigure,
} from './actions';
import { arloBench } from './arlo';
import { blinkBench } from './blink';
import type { BenchCloud, BenchVendor } from './cloud';
import {
  available,
  awaitEventChannel,
  baseFlow,
  eventLatency,
  pictureFlow,
  pictureLatency,
  recordingTimes,
  sideBySide,
  timed,
  viaNode,
  type Pair,
} from './harness';
import { memoryRun } from './memory';
import { netatmoBench } from './netatmo';
import { reolinkBench } from './reolink';
import { round, summarise } from './stats';

const ALL: BenchVendor[] = [reolinkBench, blinkBench, arloBench, netatmoBench];
/** BENCH_VENDORS=blink,arlo runs a subset while developing; the default is all four. */
const ONLY = (process.env.BENCH_VENDORS || '').split(',').filter(Boolean);
const VENDORS = ONLY.length ? ALL.filter((v) => ONLY.includes(v.name)) : ALL;
/** Iterations per figure at 0 ms, and at a real round-trip time (each one takes a few RTTs). */
const ITER = Number(process.env.BENCH_ITER || 20);
const ITER_RTT = Number(process.env.BENCH_ITER_RTT || 20);
/** Round-trip times to run the side-by-side figures at, and the jitter of each non-zero one. */
const RTTS = (process.env.BENCH_RTTS || '0,80').split(',').map(Number);
const JITTER = Number(process.env.BENCH_JITTER || 20);
/** The round-trip time of the scaling and time-to-ready figures: a real cloud's. */
const SCALE_RTT = Number(process.env.BENCH_SCALE_RTT || 80);
const SCALE = (process.env.BENCH_CAMERAS || '10,100,500,2000').split(',').map(Number);
/** BENCH_PHASES=counts,latency runs a subset: memory, polls, counts, latency, ready, scaling. */
const PHASES = new Set(
  (process.env.BENCH_PHASES || 'memory,polls,counts,latency,ready,scaling').split(','),
);
const OUT = path.join(__dirname, '..', '.artifacts', 'bench.json');

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
const jitterFor = (rtt: number) => (rtt > 0 ? JITTER : 0);

/**
 * Cloud requests per poll interval of one account with 1, 10 and 50 event nodes. Polled clouds
 * are counted over 20 intervals, push clouds over 2 s (their "interval" is 1 s).
 */
async function requestsPerInterval(vendor: BenchVendor, cloud: BenchCloud) {
  const intervalMs = cloud.pollIntervalMs ?? 1000;
  const intervals = cloud.pollIntervalMs ? 20 : 2;
  const out: Record<'1' | '10' | '50', number> = { '1': 0, '10': 0, '50': 0 };
  await load([]);
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
  await unload();
  return { mode: cloud.events, intervalMs, ...out };
}

/** The state interval of the watch figures (the runtime floor is lowered for the bench). */
const WATCH_MS = 500;

/**
 * Cloud requests per state interval of one account with 1, 10 and 50 watching camhub-device
 * nodes: the watch is one shared reading per account, so the count must not grow.
 */
async function watchRequests(vendor: BenchVendor, cloud: BenchCloud) {
  const intervals = 6;
  const out: Record<'1' | '10' | '50', number> = { '1': 0, '10': 0, '50': 0 };
  process.env.CAMHUB_MIN_STATE_INTERVAL_MS = '0';
  await load([]);
  for (const n of [1, 10, 50] as const) {
    const flow: FlowNode[] = [
      {
        id: 'acc',
        type: vendor.configType,
        baseUrl: cloud.url,
        ...cloud.account,
        stateInterval: WATCH_MS / 1000,
      },
    ];
    for (let i = 0; i < n; i++)
      flow.push({
        id: `dev${i}`,
        type: 'camhub-device',
        account: 'acc',
        camera: i % 2 ? '' : cloud.cameraIds[i % cloud.cameraIds.length],
        watch: true,
        wires: [[]],
      });
    await redeploy(flow, { acc: cloud.credentials });
    if (n === 1) await cloud.connect?.('acc');
    await delay(WATCH_MS * 2); // the first readings
    const before = cloud.requestCount();
    await delay(WATCH_MS * intervals);
    out[`${n}`] = round((cloud.requestCount() - before) / intervals, 1);
  }
  await unload();
  return { intervalMs: WATCH_MS, ...out };
}

interface LatencyFigures {
  rttMs: number;
  jitterMs: number;
  iterations: number;
  snapshot: Pair;
  stream: Pair;
  arm: Pair;
  status: Pair;
  events: Awaited<ReturnType<typeof eventLatency>>;
  /** The recordings node's list, play and download, where the cloud has them. */
  recordings: Record<string, Pair>;
  /** Event to msg with its picture attached; absent before the event node could attach one. */
  picture?: Awaited<ReturnType<typeof pictureLatency>>;
}

/** Every side-by-side figure at one round-trip time. */
async function atLatency(
  vendor: BenchVendor,
  cloud: BenchCloud,
  camera: string,
  rttMs: number,
): Promise<LatencyFigures> {
  const jitterMs = jitterFor(rttMs);
  cloud.setLatency(rttMs, jitterMs);
  const iter = rttMs > 0 ? ITER_RTT : ITER;
  const warm = rttMs > 0 ? 4 : 10;
  // Actions without the event node: a poller's requests would land between an action's and
  // draw from the same jitter sequence (the raw client polls nothing meanwhile either).
  await load(baseFlow(vendor, cloud, camera, { events: false }), { acc: cloud.credentials });
  await cloud.connect?.('acc');
  const side = (node: string, payload: (i: number) => unknown, raw: (i: number) => Promise<void>) =>
    sideBySide(
      iter,
      (i) => viaNode(node, payload(i)),
      (i) => timed(() => raw(i)),
      warm,
      (seed) => cloud.reseedLatency(seed),
    );
  const snapshot = await side(
    'snap',
    () => 1,
    () => cloud.raw.snapshot(camera),
  );
  const stream = await side(
    'stream',
    () => 1,
    () => cloud.raw.stream(camera),
  );
  const arm = await side(
    'arm',
    (i) => i % 2 === 0,
    (i) => cloud.raw.arm(camera, i % 2 === 0),
  );
  const status = await side(
    'arm',
    () => 'status',
    () => cloud.raw.status(camera),
  );
  const recordings = await recordingTimes(cloud, camera, iter, warm);
  // A disarmed camera (or system) raises no event: leave it armed for the event figures.
  await cloud.raw.arm(camera, true);
  await unload();
  await load(baseFlow(vendor, cloud, camera), { acc: cloud.credentials });
  await cloud.connect?.('acc');
  const web = await serveHttpNode();
  await awaitEventChannel(vendor, cloud, web.url, camera);
  const events = await eventLatency(vendor, cloud, web.url, iter, camera);
  await web.close();
  await unload();
  // The same events with their picture attached, on a flow of their own so the plain event
  // figures are not slowed by picture fetches.
  let picture: LatencyFigures['picture'];
  if (pictureNodeReady()) {
    await load(pictureFlow(vendor, cloud, camera), { acc: cloud.credentials });
    await cloud.connect?.('acc');
    const picWeb = await serveHttpNode();
    await awaitEventChannel(vendor, cloud, picWeb.url, camera);
    picture = await pictureLatency(vendor, cloud, picWeb.url, iter, camera);
    await picWeb.close();
    await unload();
  }
  cloud.setLatency(0, 0);
  return {
    rttMs,
    jitterMs,
    iterations: iter,
    snapshot,
    stream,
    arm,
    status,
    recordings,
    events,
    picture,
  };
}

/** Listing, snapshot and event figures per account size, at a real cloud's round-trip time. */
async function scaling(vendor: BenchVendor) {
  const rows: Record<string, number>[] = [];
  for (const cams of SCALE) {
    const cloud = await vendor.start(cams);
    const camera = cloud.cameraIds[cams - 1];
    // The heap of an empty runtime, then the flow (a redeploy would not know the Catch node).
    await load([]);
    await delay(200);
    const heap0 = heapMB();
    await unload();
    cloud.setLatency(SCALE_RTT, jitterFor(SCALE_RTT));
    await load(baseFlow(vendor, cloud, camera), { acc: cloud.credentials });
    await cloud.connect?.('acc');
    const web = await serveHttpNode();
    cloud.clearLog();
    // The first listing of a fresh account (what the editor's picker waits for), then a refresh.
    const listMs = await timed(() => helper.request().get('/camhub/accounts/acc/cameras'));
    const listRequests = cloud.requestCount();
    const relistMs = await timed(() =>
      helper.request().get('/camhub/accounts/acc/cameras?refresh=1'),
    );
    const snap: number[] = [];
    for (let i = 0; i < 6; i++) snap.push(await viaNode('snap', i));
    // An event figure that cannot be taken is recorded as missing, not the end of the run.
    const ev = await awaitEventChannel(vendor, cloud, web.url, camera)
      .then(() => eventLatency(vendor, cloud, web.url, 6, camera))
      .catch((err: unknown) => {
        console.warn(`scaling ${cams}: no event figure (${String(err)})`);
        return { camhub: { p50: NaN }, raw: { p50: NaN } };
      });
    const heap1 = heapMB();
    rows.push({
      cameras: cams,
      listCamerasMs: round(listMs, 1),
      listRequests,
      listInRoundTrips: round(listMs / SCALE_RTT, 1),
      relistMs: round(relistMs, 1),
      snapshotP50Ms: round(summarise(snap).p50, 1),
      eventP50Ms: round(ev.camhub.p50, 1),
      eventRawP50Ms: round(ev.raw.p50, 1),
      heapAddedMB: round(heap1 - heap0, 1),
    });
    await web.close();
    await unload();
    await cloud.close();
  }
  return rows;
}

function heapMB(): number {
  (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / 2 ** 20, 1);
}

const fmt = (n: number, w = 7, d = 1) => n.toFixed(d).padStart(w);

function printLatency(figs: LatencyFigures[]) {
  console.log(
    `action     ${figs.map((f) => `| ${`${f.rttMs} ms RTT`.padEnd(9)} node p50  raw p50  ratio p50 / p95 `).join('')}`,
  );
  const names = ['snapshot', 'stream', 'arm', 'status', ...Object.keys(figs[0]?.recordings ?? {})];
  for (const name of names) {
    console.log(
      `${name.padEnd(10)} ${figs
        .map((f) => {
          const p = (f as unknown as Record<string, Pair | undefined>)[name] ?? f.recordings[name];
          if (!p) return '|          (none)';
          return `|          ${fmt(p.node.p50, 8)} ${fmt(p.raw.p50, 8)}   ${p.ratioP50.toFixed(2)} / ${p.ratioP95.toFixed(2)}   `;
        })
        .join('')}`,
    );
  }
  console.log(
    `events     ${figs
      .map(
        (f) =>
          `|          ${fmt(f.events.camhub.p50, 8)} ${fmt(f.events.raw.p50, 8)}   ${(f.events.camhub.p50 / f.events.raw.p50).toFixed(2)} / ${(f.events.camhub.p95 / f.events.raw.p95).toFixed(2)}   `,
      )
      .join('')}  (${figs[0]?.events.channel})`,
  );
  if (figs.every((f) => f.picture)) {
    console.log(
      `picture    ${figs
        .map((f) => {
          const p = f.picture as NonNullable<LatencyFigures['picture']>;
          return `|          ${fmt(p.camhub.p50, 8)} ${fmt(p.raw.p50, 8)}   ${(p.camhub.p50 / p.raw.p50).toFixed(2)} / ${(p.camhub.p95 / p.raw.p95).toFixed(2)}   `;
        })
        .join(
          '',
        )}  (event -> msg with msg.image${figs.some((f) => f.picture?.withoutPicture) ? '; some without a picture' : ''})`,
    );
  }
}

function printCounts(counts: ActionCount[]) {
  console.log('requests   action         camhub  raw  minimum  (calls; source)');
  for (const c of counts) {
    const over =
      c.minimum && c.camhub > c.minimum.requests ? `  <- above: ${c.calls.join(', ')}` : '';
    console.log(
      `           ${c.action.padEnd(14)} ${String(c.camhub).padStart(6)} ${String(c.raw ?? '-').padStart(4)} ${String(c.minimum?.requests ?? '?').padStart(8)}  (${c.minimum?.calls ?? ''}; ${c.minimum?.source ?? ''})${over}`,
    );
  }
}

function printReady(ready: Record<string, ReadyFigure>) {
  for (const [rtt, r] of Object.entries(ready)) {
    console.log(
      `ready      at ${rtt} ms RTT: cold ${r.coldMs} ms (${r.coldRequests} requests, ${r.coldLogins} logins), kept session ${r.savedMs} ms (${r.savedRequests} requests, ${r.savedLogins} logins)`,
    );
  }
}

async function main() {
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      loadavg: os.loadavg().map((n) => round(n, 1)),
    },
    iterations: { at0ms: ITER, atRtt: ITER_RTT },
    rtts: RTTS,
    jitterMs: JITTER,
    vendors: {} as Record<string, unknown>,
  };
  if (!(globalThis as { gc?: unknown }).gc)
    console.warn('run with --expose-gc for steady memory figures');
  const started = Date.now();
  for (const vendor of VENDORS) {
    console.log(`\n== ${vendor.name}`);
    const result: Record<string, unknown> = {};
    (report.vendors as Record<string, unknown>)[vendor.name] = result;
    // Memory first, while the process is fresh: later phases leave RSS the allocator keeps.
    if (PHASES.has('memory')) {
      const mem = await memoryRun(vendor);
      result.memory = mem;
      console.log(
        `memory     4 accounts x 50 cameras x ${mem.nodesPerAccount * 4} nodes (${mem.nodeTypes.join(', ')}): ${signed(mem.addedByFlow.rssMB)} MB RSS, ${signed(mem.addedByFlow.heapMB)} MB heap; heap after 10 -> ${mem.redeploys} redeploys: ${signed(mem.heapGrowthAfter10MB)} MB (heap every 10: ${mem.heapEvery10RedeploysMB.join(', ')})`,
      );
    }
    const cloud = await vendor.start(10);
    const camera = cloud.cameraIds[0];
    if (PHASES.has('polls')) {
      // Request counts first, while the cloud holds no recent events a poll would page through.
      const polls = await requestsPerInterval(vendor, cloud);
      result.requestsPerPollInterval = polls;
      console.log(
        `polls      requests per ${cloud.events === 'poll' ? `${polls.intervalMs} ms poll interval` : 's (push)'} with 1/10/50 event nodes: ${polls['1']} / ${polls['10']} / ${polls['50']}`,
      );
    }
    if (PHASES.has('polls') && available('camhub-device')) {
      const watch = await watchRequests(vendor, cloud);
      result.watchRequestsPerInterval = watch;
      console.log(
        `watch      requests per ${watch.intervalMs} ms state interval with 1/10/50 watching camhub-device nodes: ${watch['1']} / ${watch['10']} / ${watch['50']}`,
      );
    }
    if (PHASES.has('counts')) {
      const counts = await requestsPerAction(vendor, cloud, camera);
      result.requestsPerAction = counts;
      printCounts(counts);
    }
    if (PHASES.has('latency')) {
      const figs: LatencyFigures[] = [];
      for (const rtt of RTTS) figs.push(await atLatency(vendor, cloud, camera, rtt));
      result.latency = figs;
      printLatency(figs);
    }
    await cloud.close();
    if (PHASES.has('ready')) {
      const ready: Record<string, ReadyFigure> = {};
      for (const rtt of [0, SCALE_RTT]) ready[rtt] = await timeToReady(vendor, rtt, jitterFor(rtt));
      result.timeToReady = ready;
      printReady(ready);
    }
    if (PHASES.has('scaling')) {
      const scale = await scaling(vendor);
      result.scaling = scale;
      console.log(
        `scaling    at ${SCALE_RTT} ms RTT: cameras | list ms (requests, RTTs) | refresh ms | snapshot p50 | event p50 camhub / raw | heap MB`,
      );
      for (const r of scale) {
        console.log(
          `           ${String(r.cameras).padStart(7)} | ${fmt(r.listCamerasMs, 8)} (${r.listRequests}, ${r.listInRoundTrips}) | ${fmt(r.relistMs)} | ${fmt(r.snapshotP50Ms)} | ${fmt(r.eventP50Ms)} / ${fmt(r.eventRawP50Ms)} | ${signed(r.heapAddedMB)}`,
        );
      }
    }
    console.log(`(${round((Date.now() - started) / 1000, 0)} s so far)`);
  }
  report.durationS = round((Date.now() - started) / 1000, 0);
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
