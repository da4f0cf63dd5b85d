import assert from 'node:assert/strict';
import { ARLO_IDS, ARLO_USER, startArloSim, type ArloSim } from '../../../simulator/arlo';
import { collect, delay, load, unload, type FlowNode } from '../../helpers/nodered';

const CREDS = { acc: { email: ARLO_USER.email, password: ARLO_USER.password } };
const U = ARLO_IDS;
type Payload = Record<string, unknown> & { image?: Record<string, unknown> };

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let stateDir = 0;

describe('Events on Arlo: smart labels, pictures, armed, the end of an activity', function () {
  let sim: ArloSim;

  before(async () => {
    sim = await startArloSim({ subscriptionTtlMs: 1000, snapDelayMs: 30 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    process.env.CAMHUB_STATE_DIR = `/tmp/camhub-events-arlo-${process.pid}-${++stateDir}`;
  });
  afterEach(async () => {
    await unload();
    sim.reset();
  });

  const flow = (props: Record<string, unknown> = {}, acc: Record<string, unknown> = {}) =>
    [
      {
        id: 'acc',
        type: 'camhub-arlo',
        baseUrl: sim.url,
        authUrl: sim.authUrl,
        timeout: 5,
        commandTimeout: 1.5,
        heartbeat: 0.3,
        ...acc,
      },
      { id: 'ev', type: 'camhub-event', account: 'acc', camera: '', wires: [['h1']], ...props },
      { id: 'h1', type: 'helper' },
    ] as FlowNode[];
  const listening = () =>
    until('the stream and the base subscription', () => {
      const c = sim.bus.connections;
      return c.mqtt + c.sse === 1 && sim.state.publishing(U.base);
    });
  const byType = <M extends { payload?: unknown }>(msgs: M[], type: string) =>
    msgs.filter((m) => (m.payload as Payload).type === type);

  it("labels a person from the MQTT library/add item and attaches the recording's thumbnail", async () => {
    await load(flow({ image: 'event' }), CREDS);
    await listening();
    const got = collect('h1');
    sim.trigger(U.frontDoor, 'person');
    await until('motion and person', () => got.msgs.length >= 2);
    await delay(50);
    got.stop();
    assert.equal(got.msgs.length, 2);
    const [motion] = byType(got.msgs, 'motion');
    const [person] = byType(got.msgs, 'person');
    const p = person.payload as Payload;
    assert.deepEqual(p.labels, ['person']);
    assert.equal(p.armed, true, 'the base is in its armed mode');
    assert.equal((motion.payload as Payload).armed, true);
    assert.ok(Buffer.isBuffer(person.image), 'the thumbnail as a Buffer');
    assert.equal((person.image as Buffer)[0], 0xff);
    assert.equal(p.image?.source, 'event');
    assert.match(String(p.image?.url), /X-Amz-Signature=/);
    assert.ok(Date.parse(String(p.image?.expiresAt)) > Date.now(), 'presigned URLs expire');
    assert.deepEqual(Object.keys(p.clip as object).sort(), ['id', 'ready']);
    assert.equal((p.clip as { ready: boolean }).ready, true);
    assert.equal(sim.requests({ path: '/hmsweb/users/library' }).length, 0, 'MQTT needs no read');
  });

  it('reads the library after a motion on SSE, where library/add never arrives', async () => {
    sim.setAccount({ transport: 'sse' });
    await load(flow({ types: ['person'], image: 'event' }, { libraryDelay: 0.05 }), CREDS);
    await listening();
    assert.equal(sim.bus.connections.sse, 1);
    const got = collect('h1');
    sim.trigger(U.backYard, 'person');
    await until('the person from the library', () => got.msgs.length >= 1);
    await delay(100);
    got.stop();
    assert.equal(got.msgs.length, 1, 'one msg per recording');
    const p = got.msgs[0].payload as Payload;
    assert.equal(p.type, 'person');
    assert.deepEqual(p.camera, { id: U.backYard, name: 'Back yard' });
    assert.ok(Buffer.isBuffer(got.msgs[0].image));
    const reads = sim.requests({ path: '/hmsweb/users/library' });
    assert.ok(reads.length >= 1);
    assert.match(JSON.stringify(reads[0].body), /"dateFrom":"\d{8}"/);
  });

  it('sends the end of a motion as a second msg with the same eventId, when asked', async () => {
    await load(
      [
        ...flow({ ended: true }),
        { id: 'plain', type: 'camhub-event', account: 'acc', camera: '', wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ],
      CREDS,
    );
    await listening();
    const got = collect('h1');
    const plain = collect('h2');
    sim.trigger(U.frontDoor, 'motion');
    await until('the start', () => got.msgs.length >= 1);
    sim.trigger(U.frontDoor, 'motion-end');
    await until('the end', () => got.msgs.length >= 2);
    await delay(50);
    got.stop();
    plain.stop();
    const [start, end] = got.msgs.map((m) => m.payload as Payload);
    assert.equal(start.phase, 'start');
    assert.equal(end.phase, 'end');
    assert.equal(end.eventId, start.eventId);
    assert.equal(end.type, 'motion');
    assert.deepEqual(
      plain.msgs.map((m) => (m.payload as Payload).phase),
      ['start'],
    );
  });

  it('says armed false in a disarmed mode (dropped unless asked), and null when the mode cannot be read', async () => {
    sim.setModeElsewhere('mode0', { target: U.base });
    await load(
      [
        ...flow({ includeDisarmed: true }),
        { id: 'strict', type: 'camhub-event', account: 'acc', camera: '', wires: [['h2']] },
        { id: 'h2', type: 'helper' },
      ],
      CREDS,
    );
    await listening();
    const got = collect('h1');
    const strict = collect('h2');
    sim.trigger(U.frontDoor, 'motion');
    await until('the disarmed motion', () => got.msgs.length >= 1);
    assert.equal((got.msgs[0].payload as Payload).armed, false);
    await unload();
    sim.reset();
    sim.addFault({ path: '/hmsweb/users/devices/automation/active', status: 500, count: 50 });
    await load(flow(), CREDS);
    await listening();
    const unknown = collect('h1');
    sim.trigger(U.frontDoor, 'motion');
    await until('the motion with an unknown mode', () => unknown.msgs.length >= 1);
    unknown.stop();
    got.stop();
    strict.stop();
    assert.equal(strict.msgs.length, 0);
    assert.equal((unknown.msgs[0].payload as Payload).armed, null);
  });

  it('still sends the smart detection when its thumbnail has expired, with the error code', async () => {
    await load(flow({ types: ['vehicle'], image: 'event' }), CREDS);
    await listening();
    sim.addFault({
      path: '/_s3/snapshots/',
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      contentType: 'application/xml',
      count: 5,
    });
    const got = collect('h1');
    sim.trigger(U.frontDoor, 'vehicle');
    await until('the vehicle', () => got.msgs.length >= 1);
    got.stop();
    assert.equal(got.msgs[0].image, undefined);
    const p = got.msgs[0].payload as Payload;
    assert.equal(p.type, 'vehicle');
    assert.equal(typeof p.image?.error, 'string');
  });
});
