import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { ARLO_SEED, ARLO_USER, startArloSim, type ArloDeviceSeed } from '../simulator/arlo';
import { call, json, type BenchVendor, type RawEvents } from './cloud';
import { USER_AGENT } from '../nodes/vendors/arlo/client';

/** A base station with n cameras behind it, modelled on the seed's. */
function seedDevices(n: number): ArloDeviceSeed[] {
  const base = ARLO_SEED.find((d) => d.deviceType === 'basestation') ?? ARLO_SEED[0];
  const cam = ARLO_SEED.find((d) => d.deviceType === 'camera' && d.parentId === base.deviceId);
  if (!cam) throw new Error('the Arlo seed has no camera behind its base station');
  return [
    base,
    ...Array.from({ length: n }, (_, i) => ({
      ...cam,
      deviceId: `59D1B${String(i).padStart(8, '0')}`,
      deviceName: `Camera ${i + 1}`,
    })),
  ];
}

type Packet = Record<string, unknown> & {
  action?: string;
  resource?: string;
  properties?: Record<string, unknown>;
};

export const arloBench: BenchVendor = {
  name: 'arlo',
  configType: 'camhub-arlo',
  async start(cameras) {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-bench-arlo-'));
    process.env.CAMHUB_STATE_DIR = stateDir;
    const devices = seedDevices(cameras);
    const base = devices[0];
    const sim = await startArloSim({
      devices,
      // The cloud's own relay delays are left out, so what remains is client overhead.
      eventDelayMs: 0,
      snapDelayMs: 0,
      // The raw client subscribes once; camhub renews on its heartbeat as it always does.
      subscriptionTtlMs: 3_600_000,
    });
    const userId = ARLO_USER.userId;
    // The raw client's login is not measured: it gets a finished token as camhub ends up with.
    const token = sim.state.issueToken(true, 'bench-raw-client').token;
    // The web app's headers: Cloudflare turns anything else away (vendor-facts 2.2, 2.10).
    const headers = {
      Authorization: token,
      'Auth-Version': '2',
      SchemaVersion: '1',
      xcloudId: base.xCloudId,
      'User-Agent': USER_AGENT,
      Origin: 'https://my.arlo.com',
      Referer: 'https://my.arlo.com/',
    };

    // A raw MQTT subscriber of the base station's topics, connected for the cloud's lifetime.
    const listeners = new Set<(p: Packet) => void>();
    const client = await mqtt.connectAsync(sim.mqttUrl, {
      clientId: `user_${userId}_${String(randomInt(1e9, 1e10 - 1))}`,
      username: userId,
      password: token,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    client.on('message', (_topic, payload) => {
      let p: Packet;
      try {
        p = JSON.parse(payload.toString('utf8')) as Packet;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(p);
    });
    await client.subscribeAsync(`d/${base.xCloudId}/out/#`, { qos: 1 });
    const api = (p: string) => `${sim.url}/hmsweb${p}`;
    await call('POST', api(`/users/devices/notify/${base.deviceId}`), {
      headers,
      json: {
        to: base.deviceId,
        from: `${userId}_web`,
        resource: `subscriptions/${userId}_web`,
        action: 'set',
        publishResponse: false,
        transId: `web!${randomUUID()}`,
        properties: { devices: [base.deviceId] },
      },
    });
    /** The next packet that matches, registered before the request that causes it. */
    const packet = (match: (p: Packet) => boolean): Promise<Packet> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(l);
          reject(new Error('no packet within 10 s'));
        }, 10_000);
        const l = (p: Packet) => {
          if (!match(p)) return;
          clearTimeout(timer);
          listeners.delete(l);
          resolve(p);
        };
        listeners.add(l);
      });
    const cameraCall = (camera: string, properties: Record<string, unknown>) => ({
      to: base.deviceId,
      from: `${userId}_web`,
      resource: `cameras/${camera}`,
      action: 'set',
      publishResponse: true,
      transId: `web!${randomUUID()}`,
      properties,
    });

    interface Item {
      deviceId: string;
      name: string;
      utcCreatedDate: number;
      presignedContentUrl: string;
    }
    const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
    const library = async (camera: string): Promise<Item[]> => {
      const now = Date.now();
      const reply = json<{ data: Item[] }>(
        await call('POST', api('/users/library'), {
          headers,
          json: { dateFrom: ymd(now - 2 * 86_400_000), dateTo: ymd(now + 86_400_000) },
        }),
      );
      return reply.data
        .filter((i) => i.deviceId === camera && i.utcCreatedDate >= now - 86_400_000)
        .sort((a, b) => b.utcCreatedDate - a.utcCreatedDate);
    };
    const libraryItem = async (camera: string, name: string): Promise<Item> => {
      const item = (await library(camera)).find((i) => i.name === name);
      if (!item) throw new Error('the library lost the clip');
      return item;
    };

    return {
      url: sim.url,
      cameraIds: devices.slice(1).map((d) => d.deviceId),
      credentials: { email: ARLO_USER.email, password: ARLO_USER.password },
      account: { authUrl: sim.authUrl, commandTimeout: 30 },
      streamQuality: 'main',
      raw: {
        recordings: {
          // 30 clips over the last day, added as uploaded clips.
          seed: async (camera) => {
            for (let i = 0; i < 30; i++) {
              await call('POST', `${sim.url}/_sim/library`, {
                json: { cameraId: camera, createdMs: Date.now() - 60_000 - i * 40 * 60_000 },
              });
            }
          },
          list: async (camera) => (await library(camera))[0]?.name ?? '',
          // The links expire, so a play or download reads the library again, as camhub does.
          play: async (camera, name) => {
            await libraryItem(camera, name);
          },
          download: async (camera, name) => {
            const item = await libraryItem(camera, name);
            await call('GET', item.presignedContentUrl);
          },
        },
        snapshot: async (camera) => {
          const ready = packet(
            (p) => p.resource === `cameras/${camera}` && p.action === 'fullFrameSnapshotAvailable',
          );
          await call('POST', api('/users/devices/fullFrameSnapshot'), {
            headers,
            json: cameraCall(camera, { activityState: 'fullFrameSnapshot' }),
          });
          const url = (await ready).properties?.presignedFullFrameSnapshotUrl;
          if (typeof url !== 'string') throw new Error('no snapshot URL');
          await call('GET', url);
        },
        stream: async (camera) => {
          await call('POST', api('/users/devices/startStream'), {
            headers,
            json: {
              ...cameraCall(camera, { activityState: 'startUserStream', cameraId: camera }),
              responseUrl: '',
            },
          });
        },
        arm: async (_camera, armed) => {
          const mode = armed ? 'mode1' : 'mode0';
          const done = packet((p) => {
            const entry = p[base.deviceId] as { activeModes?: unknown } | undefined;
            return (
              p.resource === 'activeAutomations' &&
              Array.isArray(entry?.activeModes) &&
              entry.activeModes.includes(mode)
            );
          });
          const reply = await call('POST', api('/users/devices/automation/active'), {
            headers,
            json: {
              activeAutomations: [
                {
                  deviceId: base.deviceId,
                  timestamp: Date.now(),
                  activeModes: [mode],
                  activeSchedules: [],
                },
              ],
            },
          });
          if (json<{ success?: boolean }>(reply).success !== true) throw new Error('mode refused');
          await done;
        },
        status: async () => {
          await call('GET', api('/users/devices/automation/active'), { headers });
        },
      },
      minimum: {
        cameraStatus: {
          requests: 3,
          calls: 'GET v2/users/devices, notify get (battery, on MQTT), GET automation/active',
          source: 'vendor-facts 2.3, 2.4, 2.5',
        },
        eventPicture: {
          requests: 2,
          calls: 'POST fullFrameSnapshot, GET presigned URL (a motion packet names no picture)',
          source: 'vendor-facts 2.6, 2.9',
        },
        snapshot: {
          requests: 2,
          calls: 'POST fullFrameSnapshot, (result on MQTT), GET presigned URL',
          source: 'vendor-facts 2.6',
        },
        stream: { requests: 1, calls: 'POST startStream', source: 'vendor-facts 2.7' },
        arm: {
          requests: 1,
          calls: 'POST automation/active, (confirmed on MQTT)',
          source: 'vendor-facts 2.5',
        },
        status: {
          requests: 1,
          calls: 'GET automation/active (0 once the stream has told the mode)',
          source: 'vendor-facts 2.5',
        },
        event: { requests: 0, calls: 'MQTT push', source: 'vendor-facts 2.4, 2.9' },
        listCameras: { requests: 1, calls: 'GET v2/users/devices', source: 'vendor-facts 2.3' },
        recordingsList: { requests: 1, calls: 'POST users/library', source: 'vendor-facts 2.9' },
        recordingPlay: {
          requests: 1,
          calls: 'POST users/library for a fresh presigned URL (they expire)',
          source: 'vendor-facts 2.9, 2.11',
        },
        recordingDownload: {
          requests: 2,
          calls: 'POST users/library, GET the presigned content URL',
          source: 'vendor-facts 2.9',
        },
      },
      setLatency: (rttMs, jitterMs) => sim.server.latency.set({ rttMs, jitterMs }),
      reseedLatency: (seed) => sim.server.latency.reseed(seed),
      logins: () => sim.state.logins,
      events: 'push',
      channel: 'MQTT',
      setCallback: () => undefined,
      // The broker publishes to every subscriber: camhub's connection needs no routing.
      routeEvents: async () => undefined,
      rawEvents: async (onEvent): Promise<RawEvents> => {
        const l = (p: Packet) => {
          if (p.properties?.motionDetected === true) onEvent();
        };
        listeners.add(l);
        return { close: async () => void listeners.delete(l) };
      },
      trigger: async (camera) => {
        if (!sim.trigger(camera, 'motion').delivered) throw new Error('motion not published');
      },
      requestLog: () =>
        [...sim.auth.requests(), ...sim.server.requests()].map((r) => `${r.method} ${r.path}`),
      requestCount: () => sim.server.requests().length + sim.auth.requests().length,
      clearLog: () => sim.clearRequests(),
      close: async () => {
        await client.endAsync(true);
        await sim.close();
        fs.rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
};
