import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  collect,
  delay,
  getNode,
  load,
  serveHttpNode,
  unload,
  type FlowNode,
} from '../helpers/nodered';
import { FAULTS, reliabilityDoc, type FaultId } from './matrix';
import { FAULT_VENDORS } from './vendors';
import {
  NODE_TYPES,
  type CloudCall,
  type FaultCloud,
  type LogEntry,
  type NodeKind,
} from './vendors/types';

const KINDS = Object.keys(NODE_TYPES) as NodeKind[];
/** Columns that only read: the never-completes row has no command to wait for there. */
const READS: NodeKind[] = ['device', 'control-get', 'recordings-list', 'recordings-download'];
/** Node properties beyond the camera; a download cap small enough for the endless body. */
const PROPS: Partial<Record<NodeKind, Record<string, unknown>>> = {
  'recordings-download': { action: 'download', maxBytes: 4 * 1024 * 1024 },
};
/** A recording to download, from the list the good round reads first. */
let recordingId = '';
const DOC = path.join(__dirname, '..', '..', 'docs', 'reliability.md');
const cells: { vendor: string; node: string; fault: FaultId; result: string }[] = [];

function record(vendor: string, node: string, fault: FaultId, result: string): void {
  cells.push({ vendor, node, fault, result });
}

function matches(entry: LogEntry, call: CloudCall): boolean {
  const pathOk = call.path.startsWith('^')
    ? new RegExp(call.path).test(entry.path)
    : entry.path.startsWith(call.path);
  return pathOk && (!call.method || call.method.toUpperCase() === entry.method.toUpperCase());
}

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  /** The output msg's payload, when it is a msg. */
  payload?: unknown;
}

function flowFor(cloud: FaultCloud, timeoutSec: number): FlowNode[] {
  const flow: FlowNode[] = [cloud.account(timeoutSec)];
  for (const kind of KINDS) {
    const camera = cloud.cameras[kind];
    if (!camera) continue;
    // Each node has its own output, so nodes running at once cannot answer for each other.
    flow.push(
      {
        id: kind,
        type: NODE_TYPES[kind],
        account: 'acc',
        camera,
        ...PROPS[kind],
        wires: [[`out-${kind}`]],
      },
      { id: `out-${kind}`, type: 'helper' },
    );
  }
  flow.push(
    { id: 'catch', type: 'catch', scope: null, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  );
  return flow;
}

/** Sends the node its payload and waits for its one outcome, a msg or a caught error. */
async function run(cloud: FaultCloud, kind: NodeKind, timeoutMs = 20_000): Promise<Outcome> {
  const outs = collect(`out-${kind}`);
  const errs = collect('caught');
  type Caught = { code?: string; message?: string; source?: { id?: string } };
  const mine = () => errs.msgs.filter((m) => (m.error as Caught).source?.id === kind);
  try {
    const payload =
      kind === 'recordings-download'
        ? { action: 'download', id: recordingId }
        : cloud.payloads[kind];
    getNode(kind).receive({ payload });
    const until = Date.now() + timeoutMs;
    while (outs.msgs.length + mine().length === 0) {
      if (Date.now() > until) throw new Error(`${kind}: no outcome within ${timeoutMs} ms`);
      await delay(10);
    }
    if (outs.msgs.length) return { ok: true, payload: outs.msgs[0].payload };
    const e = mine()[0].error as Caught;
    return { ok: false, code: e.code, message: e.message };
  } finally {
    outs.stop();
    errs.stop();
  }
}

function expectError(o: Outcome, code: string, what: string): void {
  assert.equal(o.ok, false, `${what}: expected ${code}, got a msg`);
  assert.equal(o.code, code, `${what}: ${o.message}`);
}

for (const vendor of FAULT_VENDORS) {
  describe(`fault matrix: ${vendor.name}`, function () {
    this.timeout(90_000);
    let cloud: FaultCloud;
    let stateDir = '';
    const savedStateDir = process.env.CAMHUB_STATE_DIR;

    before(async () => {
      // Each cloud starts with no stored session, so logins are counted from a clean slate.
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `camhub-faults-${vendor.name}-`));
      process.env.CAMHUB_STATE_DIR = stateDir;
      cloud = await vendor.start();
      await cloud.seedRecordings?.();
    });
    after(async () => {
      await cloud?.close();
      if (savedStateDir === undefined) delete process.env.CAMHUB_STATE_DIR;
      else process.env.CAMHUB_STATE_DIR = savedStateDir;
      fs.rmSync(stateDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      await unload();
    });

    const kinds = KINDS;
    const na = (kind: NodeKind): string | undefined =>
      cloud.cameras[kind] && cloud.calls[kind]
        ? undefined
        : `n/a: ${
            cloud.naReasons?.[kind] ??
            `no ${vendor.name} camera has ${kind === 'ptz' ? 'PTZ' : kind}`
          }`;

    /** Deploys the flow and runs one good round of `only` (default: every node). */
    async function ready(timeoutSec = 5, only?: NodeKind): Promise<void> {
      cloud.clearFaults();
      cloud.quiet?.(only !== undefined);
      await load(flowFor(cloud, timeoutSec), cloud.credentials);
      await cloud.connect?.();
      // One good round first: logs in and fills the camera list, as a running flow has.
      for (const kind of only ? [only] : kinds) {
        if (na(kind)) continue;
        if (kind === 'recordings-download') {
          const list = await run(cloud, 'recordings-list');
          recordingId = ((list.payload as { id: string }[] | undefined) ?? [])[0]?.id ?? '';
          assert.ok(recordingId, `no recording to download: ${list.code} ${list.message}`);
        }
        const o = await run(cloud, kind);
        assert.ok(o.ok, `${kind} before the fault: ${o.code} ${o.message}`);
      }
      cloud.clearRequests();
    }

    it('token expired mid-session: one re-login shared by every node, then success', async () => {
      if (!cloud.expireToken) {
        for (const k of kinds) record(vendor.name, k, 'token-expired', `n/a: ${cloud.noToken}`);
        return;
      }
      await ready();
      await cloud.expireToken();
      const usable = kinds.filter((k) => !na(k));
      const outcomes = await Promise.all(usable.map((k) => run(cloud, k)));
      outcomes.forEach((o, i) => assert.ok(o.ok, `${usable[i]}: ${o.code} ${o.message}`));
      const logins = cloud.requests().filter((e) => cloud.isLogin?.(e));
      assert.equal(logins.length, 1, JSON.stringify(logins));
      for (const k of kinds) record(vendor.name, k, 'token-expired', na(k) ?? 'ok');
    });

    for (const kind of kinds) {
      describe(`${NODE_TYPES[kind]} (${kind})`, () => {
        const call = () => cloud.calls[kind]!;
        /** The node keeps working: with the fault gone, the next msg gets its answer. */
        async function nextWorks(k: NodeKind, after: string): Promise<void> {
          cloud.clearFaults();
          const next = await run(cloud, k);
          assert.ok(next.ok, `after ${after}: ${next.code} ${next.message}`);
        }

        it('429 with Retry-After: no request before it elapses, then success', async function () {
          if (na(kind)) return void record(vendor.name, kind, 'rate-limited', na(kind)!);
          await ready(5, kind);
          cloud.addFault({ path: call().path, method: call().method, status: 429, retryAfter: 1 });
          const o = await run(cloud, kind);
          assert.ok(o.ok, `${o.code} ${o.message}`);
          const hits = cloud.requests().filter((e) => matches(e, call()));
          assert.ok(hits.length >= 2, JSON.stringify(hits));
          const gap = Date.parse(hits[1].time) - Date.parse(hits[0].time);
          assert.ok(gap >= 950, `retried after ${gap} ms`);
          record(vendor.name, kind, 'rate-limited', 'ok');
        });

        it('a burst of 5xx: bounded retries for reads, none for commands, then CLOUD_ERROR', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'server-errors', na(kind)!);
          await ready(5, kind);
          cloud.addFault({ path: call().path, method: call().method, status: 503, count: 10 });
          const o = await run(cloud, kind);
          expectError(o, 'CLOUD_ERROR', kind);
          const hits = cloud.requests().filter((e) => matches(e, call())).length;
          if (call().idempotent) assert.ok(hits >= 2 && hits <= 3, `${hits} requests`);
          else assert.equal(hits, 1, 'a command is sent once');
          await nextWorks(kind, '5xx');
          record(vendor.name, kind, 'server-errors', 'ok');
        });

        it('a reply slower than the timeout: TIMEOUT', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'slow-reply', na(kind)!);
          await ready(1, kind);
          cloud.addFault({ path: call().path, method: call().method, delayMs: 1600, count: 3 });
          const o = await run(cloud, kind, 30_000);
          expectError(o, 'TIMEOUT', kind);
          await delay(1700); // let the simulator's delayed replies drain
          await nextWorks(kind, 'the slow reply');
          record(vendor.name, kind, 'slow-reply', 'ok');
        });

        it('a slow drip: TIMEOUT at the total deadline, then the next msg works', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'slow-drip', na(kind)!);
          await ready(1, kind);
          cloud.addFault({ path: call().path, method: call().method, dripMs: 200, count: 3 });
          const o = await run(cloud, kind, 30_000);
          expectError(o, 'TIMEOUT', kind);
          cloud.clearFaults();
          const next = await run(cloud, kind);
          assert.ok(next.ok, `after the drip: ${next.code} ${next.message}`);
          record(vendor.name, kind, 'slow-drip', 'ok');
        });

        it('an endless body: CLOUD_ERROR at the size cap, then the next msg works', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'endless-body', na(kind)!);
          await ready(5, kind);
          cloud.addFault({ path: call().path, method: call().method, endless: true, count: 3 });
          const o = await run(cloud, kind, 30_000);
          if (kind === 'recordings-download') {
            // A file over the node's maxBytes is the user's limit, not the cloud's fault.
            expectError(o, 'INVALID_INPUT', kind);
            assert.match(o.message ?? '', /larger than the limit/);
          } else {
            expectError(o, 'CLOUD_ERROR', kind);
            assert.match(o.message ?? '', /too large/);
          }
          const hits = cloud.requests().filter((e) => matches(e, call())).length;
          assert.equal(hits, 1, 'a reply over the cap is not fetched again');
          cloud.clearFaults();
          const next = await run(cloud, kind);
          assert.ok(next.ok, `after the endless body: ${next.code} ${next.message}`);
          record(vendor.name, kind, 'endless-body', 'ok');
        });

        it('a huge Content-Length: CLOUD_ERROR before reading', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'huge-content-length', na(kind)!);
          await ready(5, kind);
          cloud.addFault({
            path: call().path,
            method: call().method,
            contentLength: 2 * 1024 * 1024 * 1024,
            count: 3,
          });
          const o = await run(cloud, kind);
          if (kind === 'recordings-download') {
            expectError(o, 'INVALID_INPUT', kind);
            assert.match(o.message ?? '', /larger than the limit/);
          } else {
            expectError(o, 'CLOUD_ERROR', kind);
            assert.match(o.message ?? '', /2048 MB, over the limit/);
          }
          await nextWorks(kind, 'the huge Content-Length');
          record(vendor.name, kind, 'huge-content-length', 'ok');
        });

        it('a malformed body: CLOUD_ERROR', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'malformed-body', na(kind)!);
          await ready(5, kind);
          cloud.addFault({ path: call().path, method: call().method, malformed: true, count: 3 });
          const o = await run(cloud, kind);
          expectError(o, 'CLOUD_ERROR', kind);
          await nextWorks(kind, 'the malformed body');
          record(vendor.name, kind, 'malformed-body', 'ok');
        });

        it('a connection reset: reads retried, commands not resent', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'connection-reset', na(kind)!);
          await ready(5, kind);
          cloud.addFault({ path: call().path, method: call().method, reset: true });
          const o = await run(cloud, kind);
          const hits = cloud.requests().filter((e) => matches(e, call())).length;
          if (call().idempotent) {
            assert.ok(o.ok, `${o.code} ${o.message}`);
          } else {
            expectError(o, 'CLOUD_ERROR', kind);
            assert.equal(hits, 1, 'a command is sent once');
          }
          await nextWorks(kind, 'the reset');
          record(vendor.name, kind, 'connection-reset', 'ok');
        });

        it('the camera offline: OFFLINE', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'device-offline', na(kind)!);
          await ready(5, kind);
          const camera = cloud.offlineDevices?.[kind] ?? cloud.cameras[kind]!;
          await cloud.setOnline(camera, false);
          try {
            const o = await run(cloud, kind);
            if (kind === 'device') {
              // A status read answers for an offline camera: that is its state (README).
              assert.ok(o.ok, `${o.code} ${o.message}`);
              assert.equal((o.payload as { online?: boolean }).online, false);
            } else if (cloud.offlineAnswers?.includes(kind)) {
              // Recordings the cloud keeps are listed and fetched while the camera is away.
              assert.ok(o.ok, `${o.code} ${o.message}`);
            } else {
              expectError(o, 'OFFLINE', kind);
            }
          } finally {
            await cloud.setOnline(camera, true);
          }
          await nextWorks(kind, 'the camera came back');
          record(vendor.name, kind, 'device-offline', 'ok');
        });

        it('an asynchronous command that never completes: TIMEOUT, no hang', async () => {
          if (na(kind)) return void record(vendor.name, kind, 'command-never-completes', na(kind)!);
          if (!cloud.neverComplete || !cloud.asyncKinds?.includes(kind)) {
            return void record(
              vendor.name,
              kind,
              'command-never-completes',
              `n/a: ${
                READS.includes(kind)
                  ? 'a read: there is no command to wait for'
                  : (cloud.syncCommands ?? 'no asynchronous command')
              }`,
            );
          }
          await ready(5, kind);
          await cloud.neverComplete(kind);
          const o = await run(cloud, kind, 60_000);
          if (kind === 'device') {
            // A status read gives what it has: the fields only the silent base station knows
            // are null (README "camhub-device"), and the msg still comes.
            assert.ok(o.ok, `${o.code} ${o.message}`);
            const st = o.payload as Record<string, unknown>;
            for (const f of cloud.unansweredNulls ?? []) assert.equal(st[f], null, f);
          } else {
            expectError(o, 'TIMEOUT', kind);
          }
          await nextWorks(kind, 'the command that never completed');
          record(vendor.name, kind, 'command-never-completes', 'ok');
        });
      });
    }

    /** The functional nodes plus an event node, as a flow that listens and acts has. */
    async function withEvents(): Promise<{
      got: ReturnType<typeof collect>;
      close(): Promise<void>;
    }> {
      await load(
        [
          ...flowFor(cloud, 5),
          {
            id: 'ev',
            type: 'camhub-event',
            account: 'acc',
            camera: '',
            types: [],
            wires: [['out']],
          },
          { id: 'out', type: 'helper' },
        ],
        cloud.credentials,
      );
      await cloud.connect?.();
      const web = await serveHttpNode();
      await cloud.events.connect(web.url);
      const got = collect('out');
      return {
        got,
        close: async () => {
          got.stop();
          await web.close();
        },
      };
    }

    it('a command right after the event stream reconnects: works at once', async () => {
      if (!cloud.channel) {
        for (const k of kinds)
          record(vendor.name, k, 'reconnect-command', `n/a: ${cloud.noChannel}`);
        return;
      }
      cloud.quiet?.(false);
      const ctx = await withEvents();
      try {
        const usable = kinds.filter((k) => !na(k));
        for (const k of usable) assert.ok((await run(cloud, k)).ok, `${k} before the drop`);
        await cloud.channel.drop();
        await cloud.channel.back();
        for (const k of usable) {
          const o = await run(cloud, k);
          assert.ok(o.ok, `${k} right after the reconnect: ${o.code} ${o.message}`);
        }
        for (const k of kinds) record(vendor.name, k, 'reconnect-command', na(k) ?? 'ok');
      } finally {
        await ctx.close();
      }
    });

    it('events after the event stream reconnects: resume, none twice', async () => {
      if (!cloud.channel) {
        record(vendor.name, 'event', 'reconnect-events', `n/a: ${cloud.noChannel}`);
        return;
      }
      cloud.quiet?.(false);
      const ctx = await withEvents();
      try {
        const waitFor = async (n: number) => {
          for (let i = 0; i < 600 && ctx.got.msgs.length < n; i++) await delay(50);
          assert.ok(ctx.got.msgs.length >= n, `${ctx.got.msgs.length} events, wanted ${n}`);
        };
        await cloud.events.trigger(cloud.events.camera);
        await waitFor(1);
        await cloud.channel.drop();
        await cloud.channel.back();
        // Longer than a command waits (1.5 s) plus a registration lives unrenewed (1 s in the
        // simulator): only a renewed registration still delivers.
        await delay(4000);
        await cloud.events.trigger(cloud.events.camera);
        await waitFor(2);
        await delay(500);
        const ids = ctx.got.msgs.map((m) => (m.payload as { eventId: string }).eventId);
        assert.equal(new Set(ids).size, ids.length, `no event twice: ${ids.join(', ')}`);
        record(vendor.name, 'event', 'reconnect-events', 'ok');
      } finally {
        await ctx.close();
      }
    });

    it('the cloud restarting under a running event channel: events resume, none twice', async () => {
      cloud.quiet?.(false);
      await load(
        [
          cloud.account(5),
          {
            id: 'ev',
            type: 'camhub-event',
            account: 'acc',
            camera: '',
            types: [],
            wires: [['out']],
          },
          { id: 'out', type: 'helper' },
        ],
        cloud.credentials,
      );
      await cloud.connect?.();
      const web = await serveHttpNode();
      try {
        await cloud.events.connect(web.url);
        const got = collect('out');
        const waitFor = async (n: number) => {
          for (let i = 0; i < 600 && got.msgs.length < n; i++) await delay(50);
          assert.ok(got.msgs.length >= n, `${got.msgs.length} events, wanted ${n}`);
        };
        await cloud.events.trigger(cloud.events.camera);
        await waitFor(1);
        const before = got.msgs.length;
        await cloud.restart();
        await cloud.events.connect(web.url);
        await cloud.events.trigger(cloud.events.camera);
        await waitFor(before + 1);
        await delay(500);
        got.stop();
        const ids = got.msgs.map((m) => (m.payload as { eventId: string }).eventId);
        assert.equal(new Set(ids).size, ids.length, `no event twice: ${ids.join(', ')}`);
        record(vendor.name, 'event', 'cloud-restart', 'ok');
      } finally {
        await web.close();
      }
    });
  });
}

for (const vendor of FAULT_VENDORS) {
  describe(`webhook rows: ${vendor.name}`, function () {
    this.timeout(90_000);
    let cloud: FaultCloud;
    let stateDir = '';
    let web: { url: string; close: () => Promise<void> } | undefined;
    const savedStateDir = process.env.CAMHUB_STATE_DIR;

    before(async () => {
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `camhub-hooks-${vendor.name}-`));
      process.env.CAMHUB_STATE_DIR = stateDir;
      cloud = await vendor.start();
    });
    after(async () => {
      await web?.close();
      await cloud?.close();
      if (savedStateDir === undefined) delete process.env.CAMHUB_STATE_DIR;
      else process.env.CAMHUB_STATE_DIR = savedStateDir;
      fs.rmSync(stateDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      await unload();
    });

    const flow = (webUrl: string): FlowNode[] => [
      cloud.webhook!.account(webUrl),
      { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', types: [], wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    /** Node-RED's node server first, so the public URL is known before the deploy. */
    async function webUrl(): Promise<string> {
      if (!web) {
        await load([cloud.account(5)], cloud.credentials);
        web = await serveHttpNode();
        await unload();
      }
      return web.url;
    }
    async function arrives(got: { msgs: unknown[] }, n: number, what: string): Promise<void> {
      for (let i = 0; i < 600 && got.msgs.length < n; i++) await delay(20);
      assert.ok(got.msgs.length >= n, `${what}: ${got.msgs.length} events, wanted ${n}`);
    }

    it('Node-RED restarting: the webhook is registered again and events keep coming', async () => {
      if (!cloud.webhook) {
        record(vendor.name, 'event', 'webhook-after-restart', `n/a: ${cloud.noWebhook}`);
        return;
      }
      const url = await webUrl();
      await load(flow(url), cloud.credentials);
      await cloud.connect?.();
      await cloud.webhook.ready(url);
      let got = collect('out');
      assert.equal(await cloud.webhook.push(cloud.events.camera), 200);
      await arrives(got, 1, 'before the restart');
      got.stop();
      // A restart with the saved login: no new sign-in.
      await unload();
      await load(flow(url), cloud.credentials);
      await cloud.webhook.ready(url);
      got = collect('out');
      assert.equal(await cloud.webhook.push(cloud.events.camera), 200);
      await arrives(got, 1, 'after the restart');
      got.stop();
      record(vendor.name, 'event', 'webhook-after-restart', 'ok');
    });

    it('a body with escaped slashes and \\u escapes: checked over its bytes, the event arrives', async () => {
      if (!cloud.webhook) {
        record(vendor.name, 'event', 'signature-over-escaped-body', `n/a: ${cloud.noWebhook}`);
        return;
      }
      const url = await webUrl();
      await load(flow(url), cloud.credentials);
      await cloud.connect?.();
      await cloud.webhook.ready(url);
      const got = collect('out');
      assert.equal(await cloud.webhook.escapedPush(url, cloud.events.camera), 200);
      await arrives(got, 1, 'the escaped push');
      got.stop();
      record(vendor.name, 'event', 'signature-over-escaped-body', 'ok');
    });
  });
}

describe('docs/reliability.md', () => {
  it('matches the tested matrix', function () {
    if (cells.length === 0) this.skip();
    const doc = reliabilityDoc(cells);
    if (process.env.UPDATE_DOCS === '1') fs.writeFileSync(DOC, doc);
    assert.equal(
      fs.readFileSync(DOC, 'utf8'),
      doc,
      'run `UPDATE_DOCS=1 npm run test:reliability` and commit',
    );
  });
});

// FAULTS is the row order of the document; keep the import used when a vendor skips rows.
void FAULTS;
