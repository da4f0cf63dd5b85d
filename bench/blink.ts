import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BLINK_IDS,
  blinkTime,
  DEFAULT_BLINK_EMAIL,
  DEFAULT_BLINK_PASSWORD,
  startBlinkSim,
  type BlinkDeviceSeed,
} from '../simulator/blink';
import { call, json, sleep, type BenchVendor, type RawEvents } from './cloud';

/**
 * Blink has no push channel: camhub polls media/changed. The bench polls every 200 ms (real
 * accounts: 30 s, the floor blinkpy keeps), so the event figures are poll-bound on both sides.
 */
const POLL_MS = 200;

/** n Blink Outdoor cameras on the seed's armed "Home" network, which has a sync module. */
function seedDevices(n: number): BlinkDeviceSeed[] {
  return Array.from({ length: n }, (_, i) => ({
    id: 100_000 + i,
    name: `Camera ${i + 1}`,
    kind: 'camera',
    type: 'catalina',
    networkId: BLINK_IDS.home,
    serial: `G8T1BENCH${String(i).padStart(7, '0')}`,
    enabled: true,
    thumbnailForm: 'path',
    liveview: 'immis',
  }));
}

interface Command {
  id?: number;
  network_id?: number;
}

interface Homescreen {
  cameras?: { id: number; network_id: number; thumbnail?: string }[];
}

export const blinkBench: BenchVendor = {
  name: 'blink',
  configType: 'camhub-blink',
  async start(cameras) {
    // The account's intervals have floors for real accounts; the env var lowers them for
    // simulators only. Each cloud starts with no stored session.
    process.env.CAMHUB_BLINK_MIN_INTERVAL_MS = '0';
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-bench-blink-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    const devices = seedDevices(cameras);
    const sim = await startBlinkSim({
      devices,
      // As on the real cloud, a command reports complete:false twice before it completes.
      commandPolls: 2,
      loginLimit: { max: 10_000 },
    });
    // A raw client logs in once, as camhub does; the login itself is not measured.
    const verifier = randomBytes(32).toString('base64url');
    const session = sim.state.newSession({
      challenge: createHash('sha256').update(verifier).digest('base64url'),
      hardwareId: 'bench-raw-client',
      redirectUri: 'immedia-blink://applinks.blink.com/signin/callback',
      state: 'bench',
    });
    const grant = sim.state.exchangeCode(sim.state.issueCode(session), verifier);
    if (!grant) throw new Error('the Blink simulator refused the raw client login');
    const headers = { Authorization: `Bearer ${grant.accessToken}` };
    const tier = `${sim.url}/rest-${sim.state.seed.tier}`;
    const acct = sim.state.seed.accountId;
    const net = (camera: string) => {
      const d = devices.find((x) => String(x.id) === camera);
      if (!d) throw new Error(`unknown bench camera ${camera}`);
      return d.networkId;
    };
    /** Sends a command and polls its status until it completes, as Blink's own app does. */
    const command = async (url: string): Promise<void> => {
      const cmd = json<Command>(await call('POST', url, { headers }));
      for (;;) {
        await sleep(0);
        const st = json<{ complete?: boolean; status_code?: number }>(
          await call('GET', `${tier}/network/${cmd.network_id}/command/${cmd.id}`, { headers }),
        );
        if (st.status_code !== 908) throw new Error(`command failed: ${st.status_code}`);
        if (st.complete) return;
      }
    };
    interface Media {
      id: number;
      device_id: number;
      created_at: string;
      media: string;
      deleted: boolean;
    }
    /** media/changed since a time, every page, as camhub follows them. */
    const mediaSince = async (since: number): Promise<Media[]> => {
      const out: Media[] = [];
      const text = new Date(since).toISOString().replace(/\.\d+Z$/, '+0000');
      for (let page = 1; ; page++) {
        const reply = json<{ limit: number; media: Media[] }>(
          await call(
            'GET',
            `${tier}/api/v1/accounts/${acct}/media/changed?since=${encodeURIComponent(text)}&page=${page}`,
            { headers },
          ),
        );
        out.push(...reply.media);
        if (reply.media.length < reply.limit) return out;
      }
    };
    const homescreen = async () =>
      json<Homescreen>(
        await call('GET', `${tier}/api/v3/accounts/${acct}/homescreen`, { headers }),
      );

    return {
      url: sim.url,
      cameraIds: devices.map((d) => String(d.id)),
      credentials: { email: DEFAULT_BLINK_EMAIL, password: DEFAULT_BLINK_PASSWORD },
      account: {
        pollInterval: POLL_MS / 1000,
        // Status polls and commands back to back: the raw client waits no longer either.
        commandPoll: 0,
        commandSpacing: 0,
        commandTimeout: 30,
      },
      streamQuality: 'main',
      raw: {
        recordings: {
          seed: async (camera) => {
            for (let i = 0; i < 30; i++) {
              await call('POST', `${sim.url}/_sim/blink/media`, {
                json: { deviceId: Number(camera), at: Date.now() - 60_000 - i * 40 * 60_000 },
              });
            }
          },
          list: async (camera) => {
            const mine = (await mediaSince(Date.now() - 86_400_000)).filter(
              (m) => String(m.device_id) === camera && !m.deleted,
            );
            const newest = mine.sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
            return newest ? `${newest.id}:${Date.parse(newest.created_at)}` : '';
          },
          // Blink has no play: the clip link needs the token. The entry is looked up, then fetched.
          download: async (_camera, key) => {
            const [id, at] = key.split(':').map(Number);
            const m = (await mediaSince(at - 60_000)).find((x) => x.id === id);
            if (!m) throw new Error('the clip is gone');
            await call('GET', `${tier}${m.media}`, { headers });
          },
        },
        snapshot: async (camera) => {
          await command(`${tier}/network/${net(camera)}/camera/${camera}/thumbnail`);
          const hs = await homescreen();
          const thumb = hs.cameras?.find((c) => String(c.id) === camera)?.thumbnail;
          if (!thumb) throw new Error('no thumbnail');
          await call('GET', `${tier}${thumb}.jpg`, { headers });
        },
        stream: async (camera) => {
          await call(
            'POST',
            `${tier}/api/v6/accounts/${acct}/networks/${net(camera)}/cameras/${camera}/liveview`,
            { headers, json: { intent: 'liveview', motion_event_start_time: null } },
          );
        },
        arm: async (camera, armed) => {
          await command(
            `${tier}/api/v1/accounts/${acct}/networks/${net(camera)}/state/${armed ? 'arm' : 'disarm'}`,
          );
          await homescreen();
        },
        status: async () => {
          await homescreen();
        },
      },
      minimum: {
        cameraStatus: {
          requests: 1,
          calls: 'GET homescreen (online, battery, armed)',
          source: 'vendor-facts 1.3',
        },
        eventPicture: {
          requests: 2,
          calls: "GET media/changed (the poll), GET the clip's thumbnail",
          source: 'vendor-facts 1.5, 1.8',
        },
        snapshot: {
          requests: 6,
          calls:
            'POST thumbnail, GET command until complete (3: complete:false twice), GET homescreen, GET image',
          source: 'vendor-facts 1.4, 1.5',
        },
        stream: { requests: 1, calls: 'POST liveview', source: 'vendor-facts 1.6' },
        arm: {
          requests: 4,
          calls: 'POST state/arm, GET command until complete (3)',
          source: 'vendor-facts 1.4',
        },
        status: {
          requests: 1,
          calls: 'GET homescreen (network armed)',
          source: 'vendor-facts 1.3',
        },
        event: {
          requests: 1,
          calls: 'GET media/changed, once per poll interval whatever the events',
          source: 'vendor-facts 1.8',
        },
        listCameras: { requests: 1, calls: 'GET homescreen', source: 'vendor-facts 1.3' },
        recordingsList: {
          requests: 2,
          calls: 'GET media/changed page by page, until a page comes back empty',
          source: 'vendor-facts 1.8',
        },
        recordingDownload: {
          requests: 1,
          calls: "GET the clip's media path, with the token",
          source: 'vendor-facts 1.8',
        },
      },
      setLatency: (rttMs, jitterMs) => sim.server.latency.set({ rttMs, jitterMs }),
      reseedLatency: (seed) => sim.server.latency.reseed(seed),
      logins: () => sim.state.counters.logins,
      events: 'poll',
      channel: 'poll (no push)',
      pollIntervalMs: POLL_MS,
      setCallback: () => undefined,
      routeEvents: async () => undefined,
      rawEvents: async (onEvent): Promise<RawEvents> => {
        // A hand-written poller: media/changed since a minute ago, every POLL_MS, new ids only.
        const seen = new Set(sim.state.media.map((m) => m.id));
        let stopped = false;
        const loop = (async () => {
          while (!stopped) {
            const since = encodeURIComponent(blinkTime(Date.now() - 60_000));
            const page = json<{ media?: { id: number; thumbnail?: string }[] }>(
              await call(
                'GET',
                `${tier}/api/v1/accounts/${acct}/media/changed?since=${since}&page=1`,
                {
                  headers,
                },
              ),
            );
            for (const m of page.media ?? []) {
              if (seen.has(m.id)) continue;
              seen.add(m.id);
              onEvent(m);
            }
            await sleep(POLL_MS);
          }
        })();
        return {
          close: async () => {
            stopped = true;
            await loop;
          },
        };
      },
      // The clip's thumbnail: its path plus ".jpg", with the token (vendor-facts 1.5, 1.8).
      rawEventPicture: async (event) => {
        await call('GET', `${tier}${(event as { thumbnail: string }).thumbnail}.jpg`, { headers });
      },
      trigger: async (camera) => {
        if (!sim.trigger(camera, 'motion'))
          throw new Error(`Blink camera ${camera} recorded no clip`);
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
