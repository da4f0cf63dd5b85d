import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CAMERA_SCOPES, NETATMO_IDS, startNetatmoSim, type ModuleSeed } from '../simulator/netatmo';
import { helper } from '../test/helpers/nodered';
import { call, json, rawReceiver, type BenchVendor, type RawEvents } from './cloud';

/** Without a webhook URL camhub polls getevents; the bench polls every 200 ms (default 60 s). */
const POLL_MS = 200;
const CALLBACK = 'http://127.0.0.1:1880/camhub/netatmo/oauth/callback';
let apps = 0;

/** n Welcome cameras with monitoring on, in the seed's home "Maison", reached by vpn_url. */
function seedModules(n: number): ModuleSeed[] {
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return Array.from({ length: n }, (_, i) => ({
    id: `70:ee:51:00:${hex(i >> 8)}:${hex(i & 255)}`,
    type: 'NACamera',
    name: `Camera ${i + 1}`,
    homeId: NETATMO_IDS.home,
    roomId: '1001',
    monitoring: 'on',
    isLocal: false,
  }));
}

/**
 * "Connect to Netatmo" as the editor does it: the account's auth step, the consent page
 * accepted, and the redirect back to Node-RED's callback.
 */
async function consent(accountId: string, simUrl: string): Promise<void> {
  const start = await helper
    .request()
    .post(`/camhub/accounts/${accountId}/auth`)
    .send({ redirectUri: CALLBACK });
  const step = (start.body as { data?: { url?: string } }).data;
  if (start.status !== 200 || !step?.url) throw new Error(`Netatmo auth step: ${start.text}`);
  const html = (await call('GET', step.url)).body.toString('utf8');
  const form: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form[m[1]] = m[2].replace(/&amp;/g, '&');
  }
  form.decision = 'accept';
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const accepted = await call('POST', new URL(action, simUrl).toString(), { form });
  const back = new URL(String(accepted.headers.location ?? ''));
  const done = await helper.request().get(back.pathname + back.search);
  if (done.status !== 200) throw new Error(`Netatmo callback: ${done.status} ${done.text}`);
}

export const netatmoBench: BenchVendor = {
  name: 'netatmo',
  configType: 'camhub-netatmo',
  async start(cameras) {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-bench-netatmo-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    const modules = seedModules(cameras);
    // One app per cloud, so accounts of several clouds never share a login.
    const clientId = `bench-app-${++apps}`;
    const sim = await startNetatmoSim({
      modules,
      clientId,
      // The per-user quota (50 per 10 s) would throttle a benchmark, not measure it.
      quota: [{ limit: 1e9, windowMs: 1000 }],
    });
    // The raw client's own token pair for the same app, taken without the consent page.
    const code = sim.state.issueCode(clientId, CALLBACK, [...CAMERA_SCOPES]);
    const token = sim.state.exchangeCode(code, CALLBACK).accessToken;
    const headers = { Authorization: `Bearer ${token}` };
    const home = NETATMO_IDS.home;
    const homestatus = async () =>
      json<{ body: { home: { modules: { id: string; vpn_url?: string }[] } } }>(
        await call('GET', `${sim.url}/api/homestatus?home_id=${encodeURIComponent(home)}`, {
          headers,
        }),
      );
    /** vpn_url per camera, read once: it lasts until the camera reconnects. */
    const vpn = new Map<string, string>();
    const vpnOf = async (camera: string): Promise<string> => {
      if (!vpn.has(camera)) {
        for (const m of (await homestatus()).body.home.modules) {
          if (m.vpn_url) vpn.set(m.id, m.vpn_url);
        }
      }
      const url = vpn.get(camera);
      if (!url) throw new Error(`no vpn_url for ${camera}`);
      return url;
    };
    const webhook = async (url: string | null) => {
      if (url) await call('POST', `${sim.url}/api/addwebhook`, { headers, form: { url } });
      else await call('POST', `${sim.url}/api/dropwebhook`, { headers, form: {} });
    };

    return {
      url: sim.url,
      cameraIds: modules.map((m) => m.id),
      credentials: { clientId, clientSecret: sim.clientSecret },
      account: { pollInterval: POLL_MS / 1000 },
      connect: (accountId) => consent(accountId, sim.url),
      raw: {
        recordings: {
          seed: async (camera) => {
            for (let i = 0; i < 30; i++) await sim.trigger(camera, { type: 'movement' });
          },
          // getevents pages back over the last 24 hours, as camhub reads them.
          list: async (camera) => {
            const since = Date.now() / 1000 - 86_400;
            let cursor = '';
            let newest = '';
            for (let page = 0; page < 20; page++) {
              const q = new URLSearchParams({ home_id: home, size: '50' });
              if (cursor) q.set('event_id', cursor);
              const events = json<{
                body: {
                  home: {
                    events: { id: string; time: number; module_id: string; video_id?: string }[];
                  };
                };
              }>(await call('GET', `${sim.url}/api/getevents?${q.toString()}`, { headers })).body
                .home.events;
              newest ||= events.find((e) => e.module_id === camera && e.video_id)?.video_id ?? '';
              const last = events.at(-1);
              if (!last || events.length < 50 || last.time < since) break;
              cursor = last.id;
            }
            return newest;
          },
          // camhub reads homestatus for the address, then checks the playlist is there.
          play: async (camera, videoId) => {
            await homestatus();
            await call('GET', `${await vpnOf(camera)}/vod/${videoId}/files/high/index.m3u8`);
          },
        },
        snapshot: async (camera) => {
          await call('GET', `${await vpnOf(camera)}/live/snapshot_720.jpg`);
        },
        // camhub reads homestatus for the current vpn_url and builds the HLS URL from it.
        stream: async () => {
          await homestatus();
        },
        arm: async (camera, armed) => {
          await call('POST', `${sim.url}/api/setstate`, {
            headers,
            json: {
              home: { id: home, modules: [{ id: camera, monitoring: armed ? 'on' : 'off' }] },
            },
          });
          await homestatus();
        },
        status: async () => {
          await homestatus();
        },
      },
      minimum: {
        cameraStatus: {
          requests: 1,
          calls: 'POST homestatus (online, monitoring, sd_status, battery)',
          source: 'vendor-facts 3.3',
        },
        eventPicture: {
          requests: 1,
          calls: "GET the push's snapshot_url",
          source: 'vendor-facts 3.5, 3.8',
        },
        snapshot: {
          requests: 1,
          calls: 'GET <vpn_url>/live/snapshot_720.jpg (vpn_url kept until a reconnect)',
          source: 'vendor-facts 3.5, 3.6',
        },
        stream: {
          requests: 1,
          calls: 'POST homestatus for the current vpn_url (it changes on reconnect)',
          source: 'vendor-facts 3.6',
        },
        arm: {
          requests: 1,
          calls: 'POST setstate (errors come in its reply)',
          source: 'vendor-facts 3.4',
        },
        status: { requests: 1, calls: 'POST homestatus', source: 'vendor-facts 3.3, 3.4' },
        event: { requests: 0, calls: 'signed webhook push', source: 'vendor-facts 3.8' },
        listCameras: {
          requests: 2,
          calls: 'POST homesdata, POST homestatus of the home with cameras (online, vpn_url)',
          source: 'vendor-facts 3.3',
        },
        recordingsList: {
          requests: 1,
          calls: 'GET getevents (the events carry video_id and video_status)',
          source: 'vendor-facts 3.8',
        },
        recordingPlay: {
          requests: 1,
          calls: "GET homestatus for the camera's current vpn_url; the VOD URL is built from it",
          source: 'vendor-facts 3.6',
        },
      },
      setLatency: (rttMs, jitterMs) => sim.server.latency.set({ rttMs, jitterMs }),
      reseedLatency: (seed) => sim.server.latency.reseed(seed),
      logins: () =>
        sim
          .requests({ path: '/oauth2/token' })
          .filter((r) => r.status === 200 && String(r.body).includes('authorization_code')).length,
      // Request counts are for an account without a public webhook URL, which polls.
      events: 'poll',
      channel: 'webhook',
      pollIntervalMs: POLL_MS,
      setCallback: (url) => sim.setCallback(url),
      // The app's webhook, registered as camhub does when it has a public URL; Netatmo's
      // activation call then stops camhub's polling.
      routeEvents: async (webUrl, accountId) => {
        await webhook(`${webUrl}/camhub/netatmo/${accountId}`);
        await new Promise((r) => setTimeout(r, 200));
      },
      rawEvents: async (onEvent): Promise<RawEvents> => {
        // A hand-written receiver checks the signature and reads the JSON, as camhub does.
        const receiver = await rawReceiver((body, h) => {
          const sig = createHmac('sha256', sim.clientSecret).update(body).digest('hex');
          if (h['x-netatmo-secret'] !== sig) return;
          const push = JSON.parse(body.toString('utf8')) as { push_type?: string };
          if (push.push_type !== 'webhook_activation') onEvent(push);
        });
        await webhook(receiver.url);
        return {
          close: async () => {
            await webhook(null);
            await receiver.close();
          },
        };
      },
      // The push's snapshot_url is a public link: a plain GET.
      rawEventPicture: async (event) => {
        await call('GET', (event as { snapshot_url: string }).snapshot_url);
      },
      trigger: async (camera) => {
        const r = await sim.trigger(camera, { type: 'movement' });
        if (!r.event) throw new Error(`Netatmo camera ${camera} recorded no event`);
      },
      requestLog: () => sim.requests().map((r) => `${r.method} ${r.path}`),
      requestCount: () => sim.requests().length,
      clearLog: () => sim.clearRequests(),
      close: async () => {
        await sim.close();
        fs.rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
};
