import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NETATMO_IDS, startNetatmoSim, type NetatmoSim } from '../../simulator/netatmo';
import { REOLINK_UIDS, startReolinkSim, type ReolinkSim } from '../../simulator/reolink';
import { connectNetatmo, until } from '../helpers/netatmo';
import { startRuntime, type Runtime } from '../helpers/runtime';

const I = NETATMO_IDS;
const U = REOLINK_UIDS;
const AUTHCODE = 'rop-hook-key-42';

/** The events a flow wrote to its file, one JSON payload a line. */
function written(file: string): { eventId: string; type: string; camera: { id: string } }[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { eventId: string; type: string; camera: { id: string } });
}

/**
 * Webhook signatures checked in a Node-RED started as a user starts it, in the setups a user
 * meets: the default roots (the admin app's body parsers run first), separate roots, and an
 * httpNodeMiddleware. The bodies are those the clouds send: Netatmo's escaped slashes and
 * \u escapes, ROP's JSON under whatever content type.
 */
const SETUPS: { name: string; adminRoot?: string; nodeRoot?: string; extraSettings?: string }[] = [
  { name: 'default settings (admin and node roots both /)' },
  { name: 'separate admin and node roots', adminRoot: '/admin', nodeRoot: '/hooks' },
  {
    name: 'an httpNodeMiddleware that parses bodies',
    extraSettings: `httpNodeMiddleware: function (req, res, next) {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => { try { req.body = JSON.parse(text); } catch (e) { req.body = text; } next(); });
  },`,
  },
];

describe('Webhooks in a real Node-RED runtime', function () {
  this.timeout(120_000);
  let netatmo: NetatmoSim;
  let reolink: ReolinkSim;

  before(async () => {
    netatmo = await startNetatmoSim();
    reolink = await startReolinkSim();
  });
  after(async () => {
    await netatmo.close();
    await reolink.close();
  });

  for (const setup of SETUPS) {
    describe(`with ${setup.name}`, () => {
      let red: Runtime;
      let netatmoFile: string;
      let reolinkFile: string;

      before(async () => {
        red = await startRuntime(setup);
        netatmoFile = path.join(red.userDir, 'netatmo-events.jsonl');
        reolinkFile = path.join(red.userDir, 'reolink-events.jsonl');
        const file = (id: string, filename: string) => ({
          id,
          type: 'file',
          z: 'tab',
          filename,
          filenameType: 'str',
          appendNewline: true,
          createDir: true,
          overwriteFile: 'false',
          encoding: 'none',
          wires: [],
        });
        await red.deploy([
          { id: 'tab', type: 'tab', label: 'webhooks' },
          {
            id: 'nacc',
            type: 'camhub-netatmo',
            baseUrl: netatmo.url,
            webhookUrl: `${red.nodeUrl}/camhub/netatmo/nacc`,
            // No poll in this test's lifetime: whatever arrives came by webhook.
            pollInterval: 3600,
            timeout: 5,
            credentials: { clientId: netatmo.clientId, clientSecret: netatmo.clientSecret },
          },
          {
            id: 'nev',
            type: 'camhub-event',
            z: 'tab',
            account: 'nacc',
            camera: '',
            types: [],
            wires: [['nfile']],
          },
          file('nfile', netatmoFile),
          {
            id: 'racc',
            type: 'camhub-reolink',
            baseUrl: reolink.url,
            credentials: { authcode: AUTHCODE },
          },
          {
            id: 'rev',
            type: 'camhub-event',
            z: 'tab',
            account: 'racc',
            camera: '',
            types: [],
            wires: [['rfile']],
          },
          file('rfile', reolinkFile),
        ]);
        // The deploy answers before the nodes have started.
        for (const id of ['nacc', 'racc']) {
          for (let tries = 0; ; tries++) {
            const res = await fetch(`${red.adminUrl}camhub/accounts/${id}/cameras`);
            if (res.status !== 404) break;
            if (tries > 200) throw new Error(`account ${id} never started: ${red.log()}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        await connectNetatmo(red.adminUrl.replace(/\/$/, ''), netatmo, 'nacc');
        await until(
          'the webhook activation',
          () =>
            netatmo
              .deliveries()
              .some((d) => d.body.includes('webhook_activation') && d.status === 200),
          20_000,
        );
      });
      after(async () => {
        await red?.stop();
        netatmo.reset();
        reolink.reset();
      });

      it('accepts a signed Netatmo push written with escaped slashes, as Netatmo writes it', async () => {
        const r = await netatmo.trigger(I.welcome, { type: 'person', known: true });
        const push = r.deliveries[0];
        assert.match(push.body, /\\\//, 'the simulator escapes slashes as Netatmo does');
        assert.equal(push.status, 200, red.log());
        await until('the event in the file', () =>
          written(netatmoFile).some((e) => e.eventId === r.event!.id),
        );
      });

      it('verifies hand-written bodies with spaces and \\u escapes over their exact bytes', async () => {
        const bodies = [
          `{ "event_type" : "movement", "push_type" : "NACamera-movement", "event_id" : "sp-${Date.now()}", "camera_id" : "${I.welcome}", "home_id" : "${I.home}", "message" : "Bewegung erkannt" }`,
          `{"event_type":"movement","push_type":"NACamera-movement","event_id":"ue-${Date.now()}","camera_id":"${I.welcome}","home_id":"${I.home}","message":"Bewegung in der K\\u00fcche","snapshot_url":"https:\\/\\/netatmocameraimage.blob.core.windows.net\\/production\\/x"}`,
        ];
        for (const body of bodies) {
          const res = await fetch(`${red.nodeUrl}/camhub/netatmo/nacc`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'X-Netatmo-secret': createHmac('sha256', netatmo.clientSecret)
                .update(body)
                .digest('hex'),
            },
            body,
          });
          assert.equal(res.status, 200, body);
          const id = (JSON.parse(body) as { event_id: string }).event_id;
          await until(`event ${id}`, () => written(netatmoFile).some((e) => e.eventId === id));
        }
        // A forged signature still fails, over the same bytes.
        const forged = await fetch(`${red.nodeUrl}/camhub/netatmo/nacc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-Netatmo-secret': 'f'.repeat(64) },
          body: bodies[0],
        });
        assert.equal(forged.status, 401);
      });

      it('takes a Reolink alarm as JSON whatever content type ROP claims', async () => {
        reolink.setCallback(`${red.nodeUrl}/camhub/reolink/racc?authcode=${AUTHCODE}`);
        for (const contentType of [
          'application/x-www-form-urlencoded',
          'application/json',
          'text/plain;charset=UTF-8',
        ]) {
          const before = written(reolinkFile).length;
          const d = await reolink.trigger(U.fixed, { status: 'MD', contentType });
          assert.equal(d.status, 200, `${contentType}: ${red.log().slice(-2000)}`);
          await until(`the ${contentType} alarm`, () => written(reolinkFile).length > before);
          const last = written(reolinkFile).at(-1)!;
          assert.equal(last.camera.id, U.fixed);
        }
      });
    });
  }
});
