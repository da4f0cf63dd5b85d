/**
 * Memory of a big flow and of 100 redeploys: heap after a forced GC, every 10 redeploys.
 */
import { delay, helper, load, redeploy, unload, type FlowNode } from '../test/helpers/nodered';
import type { BenchVendor } from './cloud';
import { available } from './harness';
import { round } from './stats';

const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS || 100);

/**
 * The node types each account gets in the memory and redeploy runs, with the properties a
 * node of that type needs. A type whose compiled node is not in dist/ (or not registered by
 * the test runtime) is left out, so a node added on another branch joins by one entry here.
 */
export const MEMORY_NODES: {
  type: string;
  /** How the table names this kind, when the type alone does not say. */
  label?: string;
  props: (camera: string) => Record<string, unknown>;
}[] = [
  { type: 'camhub-event', props: () => ({ camera: '', types: [] }) },
  { type: 'camhub-snapshot', props: (camera) => ({ camera }) },
  { type: 'camhub-arm', props: (camera) => ({ camera }) },
  { type: 'camhub-stream', props: (camera) => ({ camera }) },
  // Event pictures: the event node fetching each event's picture.
  {
    type: 'camhub-event',
    label: 'camhub-event with picture',
    props: () => ({ camera: '', types: [], image: 'event-or-live' }),
  },
  // Camera status: half of the device nodes watch (one shared state interval per account).
  { type: 'camhub-device', props: (camera) => ({ camera, watch: false }) },
  {
    type: 'camhub-device',
    label: 'camhub-device watching',
    props: () => ({ camera: '', watch: true }),
  },
  { type: 'camhub-control', props: (camera) => ({ camera }) },
  { type: 'camhub-recordings', props: (camera) => ({ camera }) },
];

function dropHarnessHistory(): void {
  // The test runtime records every node call (status, log, send) in sinon spies; that history
  // is the harness's memory, not camhub's.
  (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
}

function memory() {
  dropHarnessHistory();
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMB: round(m.rss / 2 ** 20, 1), heapMB: round(m.heapUsed / 2 ** 20, 1) };
}

export async function memoryRun(vendor: BenchVendor) {
  const kinds = MEMORY_NODES.filter((k) => available(k.type));
  const perAccount = 100;
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
      for (let i = 0; i < perAccount; i++) {
        const kind = kinds[i % kinds.length];
        flow.push({
          id: `n${a}-${i}`,
          type: kind.type,
          account: `acc${a}`,
          name: i === 0 ? `v${variant}` : '',
          ...kind.props(cloud.cameraIds[i % cloud.cameraIds.length]),
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
    nodeTypes: kinds.map((k) => k.label ?? k.type),
    nodesPerAccount: perAccount,
    redeploys: REDEPLOYS,
    before,
    deployed,
    addedByFlow: {
      rssMB: round(deployed.rssMB - before.rssMB, 1),
      heapMB: round(deployed.heapMB - before.heapMB, 1),
    },
    after10Redeploys: after10,
    afterAllRedeploys: afterAll,
    heapGrowthAfter10MB: round(afterAll.heapMB - after10.heapMB, 1),
    heapEvery10RedeploysMB: heapTrail,
  };
}
