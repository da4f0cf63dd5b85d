import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  REOLINK_SEED,
  startReolinkSim,
  type ReolinkDeviceSeed,
  type ReolinkSim,
} from '../simulator/reolink';

/**
 * What the benchmark needs to know about one cloud. Adding a vendor to the benchmark means
 * writing one of these.
 */
export interface BenchVendor {
  name: string;
  configType: string;
  start(cameras: number): Promise<BenchCloud>;
}

export interface BenchCloud {
  url: string;
  cameraIds: string[];
  credentials: Record<string, string>;
  /** The raw HTTP calls a client would make, for the side-by-side ratios. */
  raw: {
    snapshot(camera: string): Promise<void>;
    stream(camera: string): Promise<void>;
    arm(camera: string, armed: boolean): Promise<void>;
  };
  /** How events reach a client: 'push' clouds call a URL, 'poll' clouds are asked. */
  events: 'push' | 'poll';
  /** Push clouds: point the cloud at a receiver and make one camera raise an event. */
  setCallback(url: string): void;
  trigger(camera: string): Promise<void>;
  /** Requests the cloud has served, to count polls. */
  requestCount(): number;
  /** The simulator's request log lives in this process: memory figures clear it first. */
  clearLog(): void;
  close(): Promise<void>;
}

const agent = new http.Agent({ keepAlive: true });

function request(method: string, url: string, body?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: data
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
          : {},
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 500) < 400 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** n cameras modelled on the seed's fixed camera, with unique uids. */
function seedDevices(n: number): ReolinkDeviceSeed[] {
  const template = REOLINK_SEED.find((d) => d.model === 'RLC-810A') ?? REOLINK_SEED[0];
  return Array.from({ length: n }, (_, i) => ({
    ...template,
    uid: `BENCH${String(i).padStart(11, '0')}`,
    deviceName: `Camera ${i + 1}`,
    alarmEnabled: true,
    online: true,
    recordings: [],
  }));
}

export const reolinkBench: BenchVendor = {
  name: 'reolink',
  configType: 'camhub-reolink',
  async start(cameras) {
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
        arm: async (uid, armed) => {
          await request('PUT', `${dev(uid)}/settings/alarm`, { enabled: armed });
          await request('GET', `${dev(uid)}/settings/alarm`);
        },
      },
      events: 'push',
      setCallback: (url) => sim.setCallback(url),
      trigger: async (uid) => {
        await sim.trigger(uid, { status: 'MD', aiType: 'none' });
      },
      requestCount: () => sim.requests().length,
      clearLog: () => sim.clearRequests(),
      close: () => sim.close(),
    };
  },
};

/** A bare HTTP receiver standing in for "a raw client of the same push channel". */
export async function rawReceiver(
  onPost: () => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      onPost();
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/raw?authcode=bench-authcode`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
