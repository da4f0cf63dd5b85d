import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startReolinkSim, REOLINK_UIDS, type ReolinkSim } from '../../simulator/reolink';
import { ERROR_CODES } from '../../nodes/core/errors';
import { collect, getNode, load, unload, delay, type FlowNode } from '../helpers/nodered';

const RUNS = Number(process.env.HOSTILE_RUNS || 500);

/** Camera ids: this account's, other clouds' shapes, and junk. */
const cameraArb = fc.oneof(
  fc.constantFrom(...Object.values(REOLINK_UIDS)),
  fc.constantFrom('12345', '70:ee:50:aa:bb:cc', '5ZB17S7AA1234', 'owl-9876', '95270002RLC810AX:99'),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -1, 1e308),
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"},"id":"X"}')),
  fc.constant({ constructor: { prototype: { polluted: 'yes' } } }),
  fc.anything(),
);

const payloadArb = fc.oneof(
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
  }),
  fc.constantFrom('arm', 'disarm', 'status', '', 'stop', 'ARM', 'vacation'),
  fc.record(
    {
      action: fc.constantFrom('move', 'stop', 'zoom', 'focus', 'fly', '__proto__', 'constructor'),
      direction: fc.oneof(
        fc.constantFrom('left', 'rightUp', 'in', 'out', 'near', 'far', 'toString'),
        fc.string(),
      ),
      speed: fc.oneof(
        fc.integer({ min: -10, max: 100 }),
        fc.double(),
        fc.constantFrom(NaN, Infinity),
        fc.string(),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"},"action":"move"}')),
  fc.string({ minLength: 10_000, maxLength: 50_000 }),
);

const msgArb = fc.record(
  {
    payload: payloadArb,
    camera: cameraArb,
    quality: fc.oneof(fc.constantFrom('main', 'sub', 'extern', 'hd'), fc.anything()),
  },
  // A msg itself with a null prototype breaks Node-RED's own error routing before any node
  // runs, so only the values inside the msg are that hostile.
  { requiredKeys: ['payload'], noNullPrototype: true },
);

describe('hostile input', function () {
  this.timeout(600_000);
  let sim: ReolinkSim;

  before(async () => {
    sim = await startReolinkSim({ snapDelayMs: 0 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await unload();
  });

  for (const type of [
    'camhub-arm',
    'camhub-snapshot',
    'camhub-ptz',
    'camhub-stream',
    'camhub-recordings',
    'camhub-device',
    'camhub-control',
  ]) {
    it(`${type}: thousands of random msgs never throw past done(err), each error says what to do`, async () => {
      const flow: FlowNode[] = [
        { id: 'acc', type: 'camhub-reolink', baseUrl: sim.url, timeout: 5 },
        { id: 'n1', type, account: 'acc', camera: '', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ];
      await load(flow);
      const outs = collect('out');
      const errs = collect('caught');
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      process.on('unhandledRejection', onUncaught);
      try {
        await fc.assert(
          fc.asyncProperty(msgArb, async (msg) => {
            const outBefore = outs.msgs.length;
            const errBefore = errs.msgs.length;
            const settled = () => outs.msgs.length + errs.msgs.length > outBefore + errBefore;
            getNode('n1').receive(msg as Record<string, unknown>);
            for (let i = 0; i < 1000 && !settled(); i++) await delay(5);
            assert.equal(
              outs.msgs.length + errs.msgs.length,
              outBefore + errBefore + 1,
              'exactly one outcome per msg',
            );
            if (errs.msgs.length > errBefore) {
              const e = errs.msgs.at(-1)!.error as { code?: string; message?: string };
              assert.ok(
                e.code && (ERROR_CODES as readonly string[]).includes(e.code),
                `code ${String(e.code)}`,
              );
              assert.match(e.message ?? '', /\w.{15,}[.)]$/s, `a sentence: ${e.message}`);
            }
          }),
          { numRuns: RUNS },
        );
      } finally {
        process.off('uncaughtException', onUncaught);
        process.off('unhandledRejection', onUncaught);
      }
      assert.deepEqual(uncaught, []);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
      // And the next good msg works.
      const good: Record<string, unknown> = {
        'camhub-arm': { payload: 'status', camera: REOLINK_UIDS.fixed },
        'camhub-snapshot': { payload: 1, camera: REOLINK_UIDS.fixed },
        'camhub-ptz': { payload: { action: 'stop' }, camera: REOLINK_UIDS.ptzOutdoor },
        'camhub-stream': { payload: 1, camera: REOLINK_UIDS.fixed },
        'camhub-recordings': { payload: 'list', camera: REOLINK_UIDS.fixed },
        'camhub-device': { payload: 'status', camera: REOLINK_UIDS.fixed },
        'camhub-control': { payload: { get: true }, camera: REOLINK_UIDS.fixed },
      }[type] as Record<string, unknown>;
      const n = outs.msgs.length;
      getNode('n1').receive(good);
      for (let i = 0; i < 400 && outs.msgs.length === n; i++) await delay(5);
      assert.equal(outs.msgs.length, n + 1);
    });
  }
});
