import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { ARLO_USER } from '../../simulator/arlo';
import {
  demoAuthcode,
  demoBlinkPassword,
  demoNetatmoSecret,
  DEMO_BLINK_EMAIL,
} from '../../scripts/demo-flows';
import { startDemo, type Demo } from '../browser/demo';

/**
 * The secrets audit, on a real Node-RED started as `npm start` starts it (encrypted
 * credentials, runtime log at debug level): every example flow runs, plus error paths with
 * wrong credentials, and then every place a secret could surface is searched.
 */
describe('secrets audit', function () {
  this.timeout(180_000);
  let demo: Demo;
  const comms: string[] = [];
  const admin: string[] = [];
  let ws: WebSocket | undefined;

  before(async () => {
    demo = await startDemo({ env: { CAMHUB_LOG_LEVEL: 'debug', CAMHUB_DEMO_EVENT_MS: '1500' } });
    // Everything the editor sees: debug msgs (every example ends in debug nodes) and status.
    ws = new WebSocket(`${demo.base.replace('http', 'ws')}/comms`);
    await new Promise<void>((resolve, reject) => {
      ws!.once('open', () => resolve());
      ws!.once('error', reject);
    });
    ws.on('message', (data: WebSocket.RawData) => comms.push(data.toString()));
    ws.send(JSON.stringify({ subscribe: 'debug' }));
    ws.send(JSON.stringify({ subscribe: 'status/#' }));
  });

  after(async () => {
    ws?.close();
    await demo?.stop();
  });

  async function adminGet(p: string): Promise<void> {
    const res = await fetch(`${demo.base}${p}`);
    admin.push(await res.text());
  }

  it('finds no secret in flows, logs, msgs, status texts, admin replies or errors', async () => {
    const secret = fs.readFileSync(path.join(demo.dir, '.credential-secret'), 'utf8').trim();
    const wrong = {
      reolink: 'wrong-authcode-5e1d',
      blink: 'wrong-blink-pass-8c2b',
      arlo: 'wrong-arlo-pass-3f9a',
      netatmo: 'wrong-netatmo-secret-77d0',
    };
    const secrets: Record<string, string> = {
      'reolink authcode': demoAuthcode(secret),
      'blink password': demoBlinkPassword(secret),
      'netatmo client secret': demoNetatmoSecret(secret),
      'arlo password': ARLO_USER.password,
      'credential secret': secret,
      ...Object.fromEntries(Object.entries(wrong).map(([k, v]) => [`wrong ${k}`, v])),
    };

    // Error paths next to the examples: every functional node with bad msgs, and accounts of
    // every cloud with wrong secrets.
    const z = 'audit-tab';
    const accounts: Record<string, { type: string; credentials: Record<string, string> }> = {
      'audit-reolink': {
        type: 'camhub-reolink',
        credentials: { username: 'u', password: wrong.reolink, authcode: wrong.reolink },
      },
      'audit-blink': {
        type: 'camhub-blink',
        credentials: { email: DEMO_BLINK_EMAIL, password: wrong.blink },
      },
      'audit-arlo': {
        type: 'camhub-arlo',
        credentials: { email: ARLO_USER.email, password: wrong.arlo },
      },
      'audit-netatmo': {
        type: 'camhub-netatmo',
        credentials: { clientId: 'camhub-demo', clientSecret: wrong.netatmo },
      },
    };
    const current = (await (await fetch(`${demo.base}/flows`)).json()) as Record<string, unknown>[];
    const byType = (t: string) =>
      current.find((n) => n.type === t) as Record<string, unknown> | undefined;
    const nodes: Record<string, unknown>[] = [{ id: z, type: 'tab', label: 'audit' }];
    let y = 40;
    for (const [id, a] of Object.entries(accounts)) {
      const demoAccount = byType(a.type);
      const { users: _users, ...settings } = (demoAccount ?? {}) as Record<string, unknown>;
      nodes.push({
        ...settings,
        id,
        type: a.type,
        name: `wrong secret (${a.type})`,
        credentials: a.credentials,
      });
      for (const kind of ['snapshot', 'arm', 'stream', 'ptz']) {
        for (const account of [id, demoAccount?.id]) {
          if (!account) continue;
          const inject = `${id}-${kind}-${account === id ? 'wrong' : 'bad'}`;
          nodes.push(
            {
              id: inject,
              type: 'inject',
              z,
              props: [{ p: 'payload' }, { p: 'camera', v: 'no-such-camera', vt: 'str' }],
              payload: account === id ? '' : '{"action":"fly","__proto__":{"x":1}}',
              payloadType: account === id ? 'str' : 'json',
              repeat: '',
              once: false,
              x: 100,
              y,
              wires: [[`${inject}-n`]],
            },
            {
              id: `${inject}-n`,
              type: `camhub-${kind}`,
              z,
              account,
              camera: '',
              x: 300,
              y,
              wires: [[]],
            },
          );
          y += 40;
        }
      }
    }
    nodes.push(
      { id: 'audit-catch', type: 'catch', z, scope: null, x: 100, y, wires: [['audit-debug']] },
      {
        id: 'audit-debug',
        type: 'debug',
        z,
        active: true,
        tosidebar: true,
        complete: 'true',
        targetType: 'full',
        x: 300,
        y,
        wires: [],
      },
    );
    // Added as the editor deploys: the new accounts carry their credentials in the request.
    const res = await fetch(`${demo.base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify([...current, ...nodes]),
    });
    admin.push(await res.text());
    assert.ok(res.ok, `adding the audit flow: HTTP ${res.status}`);

    // Run every inject: the examples' buttons and the audit's error paths.
    const flows = (await (await fetch(`${demo.base}/flows`)).json()) as {
      id: string;
      type: string;
    }[];
    for (const n of flows.filter((f) => f.type === 'inject')) {
      await fetch(`${demo.base}/inject/${n.id}`, { method: 'POST' });
    }
    // Let the simulated clouds raise a few events and the error paths finish.
    await new Promise((r) => setTimeout(r, 8000));

    for (const n of flows.filter((f) => /^camhub-(reolink|blink|arlo|netatmo)$/.test(f.type))) {
      await adminGet(`/camhub/accounts/${n.id}/cameras`);
      await adminGet(`/camhub/accounts/${n.id}/state`);
      await adminGet(`/camhub/accounts/${n.id}/modes`);
      await adminGet(`/credentials/${n.type}/${n.id}`);
    }
    await adminGet('/flows');

    const places: Record<string, string> = {
      'flows.json': fs.readFileSync(path.join(demo.dir, 'flows.json'), 'utf8'),
      'flows_cred.json': fs.readFileSync(path.join(demo.dir, 'flows_cred.json'), 'utf8'),
      'runtime log (debug level)': demo.output(),
      'msgs and status texts': comms.join('\n'),
      'admin replies': admin.join('\n'),
    };
    for (const f of fs.readdirSync(path.join(demo.dir, 'camhub'), { withFileTypes: true })) {
      if (f.isFile())
        places[`camhub/${f.name}`] = fs.readFileSync(path.join(demo.dir, 'camhub', f.name), 'utf8');
    }
    // The audit must have seen real traffic, or finding nothing proves nothing.
    assert.match(places['msgs and status texts'], /AUTH_FAILED/);
    assert.match(places['msgs and status texts'], /INVALID_INPUT|UNKNOWN_CAMERA/);
    assert.match(places['msgs and status texts'], /"text":"snapshot \d/);
    assert.match(places['runtime log (debug level)'], /\[debug\]/);
    assert.match(places['flows_cred.json'], /"\$"/, 'credentials are stored encrypted');

    const found: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const [what, value] of Object.entries(secrets)) {
        if (value && text.includes(value)) found.push(`${what} in ${where}`);
      }
    }
    assert.deepEqual(found, []);
  });
});
