import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { NETATMO_IDS, startNetatmoSim } from '../../../simulator/netatmo';
import { delay, serveHttpAdmin } from '../../helpers/nodered';
import { freePort } from './ports';
import type { FaultCloud, FaultVendor, LogEntry } from './types';

const I = NETATMO_IDS;

export const netatmoFaults: FaultVendor = {
  name: 'netatmo',
  configType: 'camhub-netatmo',
  async start(): Promise<FaultCloud> {
    const port = await freePort();
    // The matrix sends far more than a real flow would; the quota has its own tests.
    const sim = await startNetatmoSim({ port, quota: [{ limit: 100_000, windowMs: 10_000 }] });
    const polls = (after: number) =>
      sim
        .requests({ path: '/api/getevents' })
        .filter((r) => r.status === 200 && Date.parse(r.time) >= after).length;
    let restartedAt = 0;
    const activations = () =>
      sim.deliveries().filter((d) => d.body.includes('webhook_activation') && d.status === 200)
        .length;
    let activationsSeen = 0;
    return {
      account: (timeout) => ({
        id: 'acc',
        type: 'camhub-netatmo',
        baseUrl: sim.url,
        timeout,
        pollInterval: 0.1,
      }),
      credentials: { acc: { clientId: sim.clientId, clientSecret: sim.clientSecret } },
      cameras: {
        arm: I.welcome,
        snapshot: I.welcome,
        stream: I.welcome,
        device: I.welcome,
        'control-get': I.presence,
        'control-set': I.presence,
        'recordings-list': I.welcome,
      },
      naReasons: {
        ptz: 'Netatmo has no PTZ: no Netatmo security camera pans or tilts',
        'recordings-download':
          'Netatmo recordings are HLS streams from the camera; there is no file to download',
      },
      payloads: {
        arm: 'arm',
        snapshot: 1,
        stream: 1,
        ptz: { action: 'move', direction: 'left', speed: 5 },
        device: 'status',
        'control-get': { get: true },
        'control-set': { light: 'auto' },
        'recordings-list': 'list',
      },
      calls: {
        arm: { path: '/api/setstate', method: 'POST', idempotent: false },
        // The picture comes from the camera itself, over its LAN or its VPN address.
        snapshot: {
          path: '^/(local|restricted)/.*/live/snapshot_720\\.jpg$',
          method: 'GET',
          idempotent: true,
        },
        // The stream URL is the camera's current vpn_url, read from homestatus.
        stream: { path: '/api/homestatus', method: 'GET', idempotent: true },
        // Status and control values are both read from homestatus, afresh.
        device: { path: '/api/homestatus', method: 'GET', idempotent: true },
        'control-get': { path: '/api/homestatus', method: 'GET', idempotent: true },
        // The Presence floodlight, by setstate.
        'control-set': { path: '/api/setstate', method: 'POST', idempotent: false },
        // Event videos, by getevents pages.
        'recordings-list': { path: '/api/getevents', method: 'GET', idempotent: true },
      },
      /** Gives the consent in the editor, as a user does once: the tokens then live in the store. */
      async connect() {
        const admin = await serveHttpAdmin();
        try {
          const redirectUri = `${admin.url}/camhub/netatmo/oauth/callback`;
          const start = await fetch(`${admin.url}/camhub/accounts/acc/auth`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ redirectUri }),
          });
          assert.equal(start.status, 200, await start.clone().text());
          const step = ((await start.json()) as { data: { url: string } }).data;
          const html = await (await fetch(step.url)).text();
          const form = new URLSearchParams();
          for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
            form.set(m[1], m[2].replace(/&amp;/g, '&'));
          }
          form.set('decision', 'accept');
          const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
          const accepted = await fetch(new URL(action, sim.url), {
            method: 'POST',
            body: form,
            redirect: 'manual',
          });
          assert.equal(accepted.status, 302);
          const done = await fetch(accepted.headers.get('location') ?? '');
          assert.equal(done.status, 200, await done.text());
        } finally {
          await admin.close();
        }
      },
      addFault: (spec) => void sim.addFault(spec),
      clearFaults: () => sim.clearFaults(),
      requests: () => sim.requests(),
      clearRequests: () => sim.clearRequests(),
      async setOnline(camera, online) {
        if (online) await sim.reconnect(camera);
        else await sim.disconnect(camera);
      },
      expireToken: () => void sim.expireAccessTokens(),
      isLogin: (e: LogEntry) => e.method === 'POST' && e.path === '/oauth2/token',
      noChannel: 'Netatmo has no event stream: events come by webhook or polling',
      syncCommands:
        'Netatmo commands are synchronous: setstate answers with the result, and a snapshot is a plain GET from the camera',
      events: {
        camera: I.welcome,
        async connect() {
          // Polled: live once getevents has answered since the last (re)start.
          while (polls(restartedAt) === 0) await delay(20);
        },
        async trigger(camera) {
          await sim.trigger(camera, { type: 'movement' });
        },
      },
      webhook: {
        account: (webUrl) => ({
          id: 'acc',
          type: 'camhub-netatmo',
          baseUrl: sim.url,
          timeout: 5,
          webhookUrl: `${webUrl}/camhub/netatmo/acc`,
          // Events in these rows come by webhook only.
          pollInterval: 3600,
        }),
        async ready() {
          // Registered and activated: one more activation call answered 200 (section 3.8).
          const seen = activationsSeen;
          while (activations() <= seen) await delay(20);
          activationsSeen = activations();
        },
        push: async (camera) =>
          (await sim.trigger(camera, { type: 'movement' })).deliveries[0]?.status ?? null,
        async escapedPush(webUrl, camera) {
          const body = `{ "event_type" : "movement", "push_type" : "NACamera-movement", "event_id" : "esc-${Date.now()}", "camera_id" : "${camera}", "home_id" : "${I.home}", "message" : "Bewegung in der K\\u00fcche", "snapshot_url" : "https:\\/\\/netatmocameraimage.blob.core.windows.net\\/production\\/x" }`;
          const res = await fetch(`${webUrl}/camhub/netatmo/acc`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'X-Netatmo-secret': createHmac('sha256', sim.clientSecret).update(body).digest('hex'),
            },
            body,
          });
          return res.status;
        },
      },
      async restart() {
        // The same cloud, homes, events and tokens, back on the same port.
        await sim.server.close();
        restartedAt = Date.now();
        await sim.server.start();
      },
      close: () => sim.close(),
    };
  },
};
