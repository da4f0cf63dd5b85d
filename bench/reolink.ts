import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REOLINK_SEED,
  startReolinkSim,
  type ReolinkDeviceSeed,
  type ReolinkSim,
} from '../simulator/reolink';

import { call, json, type BenchVendor } from './cloud';

export { rawReceiver, type BenchCloud, type BenchVendor } from './cloud';

const request = async (method: string, url: string, body?: unknown): Promise<void> => {
  await call(method, url, body === undefined ? {} : { json: body });
};

/** n cameras modelled on the seed's fixed camera, with unique uids. */
function seedDevices(n: number): ReolinkDeviceSeed[] {
  const template = REOLINK_SEED.find((d) => d.model === 'RLC-810A') ?? REOLINK_SEED[0];
  return Array.from({ length: n }, (_, i) => ({
    ...template,
    uid: `BENCH${String(i).padStart(11, '0')}`,
    deviceName: `Camera ${i + 1}`,
    alarmEnabled: true,
    online: true,
    // Enough files for a list that pages (40 a page) over the last 24 hours.
    recordings: [
      { daysAgo: 0, count: 60 },
      { daysAgo: 1, count: 60 },
    ],
  }));
}

const pad = (n: number) => String(n).padStart(2, '0');
function local(ms: number): { date: string; time: string } {
  const d = new Date(ms);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
  };
}

export const reolinkBench: BenchVendor = {
  name: 'reolink',
  configType: 'camhub-reolink',
  async start(cameras) {
    // Each cloud starts with no camera names kept from an earlier one.
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-bench-reolink-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    const sim: ReolinkSim = await startReolinkSim({
      devices: seedDevices(cameras),
      snapDelayMs: 0,
    });
    const dev = (uid: string) => `${sim.url}/v1.0/devices/${uid}`;
    return {
      url: sim.url,
      cameraIds: sim.devices().map((d) => d.uid),
      credentials: { authcode: 'bench-authcode' },
      raw: {
        snapshot: (uid) =>
          request('GET', `${dev(uid)}/snap/snapshot.jpg?channel=0&stream_type=mainStream`),
        stream: (uid) =>
          request('POST', `${dev(uid)}/live/play-session`, { channel: 0, streamType: 'subStream' }),
        recordings: {
          seed: async () => undefined,
          // The last 24 hours: yesterday from this time, then today, every page of each.
          list: async (uid) => {
            const now = Date.now();
            const from = local(now - 86_400_000);
            const to = local(now);
            let newest = '';
            for (const [date, start, end] of [
              [to.date, '00:00:00', to.time],
              [from.date, from.time, '23:59:59'],
            ]) {
              let token: string | undefined;
              do {
                const q = new URLSearchParams({
                  channel: '0',
                  stream_type: 'mainStream',
                  record_date: date,
                  start_at: start,
                  end_at: end,
                  ...(token ? { next_token: token } : {}),
                });
                const page = json<{ nextToken?: string; items: { fileName: string }[] }>(
                  await call('GET', `${dev(uid)}/records?${q.toString()}`),
                );
                if (page.items.length) newest ||= page.items[page.items.length - 1].fileName;
                token = page.nextToken;
              } while (token);
            }
            return newest;
          },
          play: (uid, fileName) =>
            request('POST', `${dev(uid)}/records/play-session`, { channel: 0, fileName }),
        },
        // Synchronous (vendor-facts 4.4): the reply comes once the device applied it.
        arm: (uid, armed) => request('PUT', `${dev(uid)}/settings/alarm`, { enabled: armed }),
        status: (uid) => request('GET', `${dev(uid)}/settings/alarm`),
      },
      minimum: {
        cameraStatus: {
          requests: 2,
          calls:
            'GET devices (online), GET settings/alarm (armed); + states/battery on battery cameras',
          source: 'vendor-facts 4.3, 4.4',
        },
        eventPicture: {
          requests: 1,
          calls: 'GET snap/snapshot.jpg (the alarm webhook names no picture)',
          source: 'vendor-facts 4.5, 4.8',
        },
        snapshot: { requests: 1, calls: 'GET snap/snapshot.jpg', source: 'vendor-facts 4.5' },
        stream: { requests: 1, calls: 'POST live/play-session', source: 'vendor-facts 4.6' },
        arm: {
          requests: 1,
          calls: 'PUT settings/alarm (synchronous, answered once applied)',
          source: 'vendor-facts 4.4',
        },
        status: { requests: 1, calls: 'GET settings/alarm', source: 'vendor-facts 4.4' },
        event: {
          requests: 0,
          calls: 'the server POSTs the alarm webhook',
          source: 'vendor-facts 4.8',
        },
        listCameras: {
          requests: 1,
          calls: 'GET devices, + 1 general-config per camera whose name is not known',
          source: 'vendor-facts 4.3',
        },
        recordingsList: {
          requests: 2,
          calls: 'GET records for today and for yesterday (24 h span two record_dates; 40 a page)',
          source: 'vendor-facts 4.6',
        },
        recordingPlay: {
          requests: 1,
          calls: 'POST records/play-session',
          source: 'vendor-facts 4.6',
        },
      },
      setLatency: (rttMs, jitterMs) => sim.server.latency.set({ rttMs, jitterMs }),
      reseedLatency: (seed) => sim.server.latency.reseed(seed),
      logins: () => 0,
      events: 'push',
      channel: 'webhook',
      setCallback: (url) => sim.setCallback(url),
      trigger: async (uid) => {
        await sim.trigger(uid, { status: 'MD', aiType: 'none' });
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
