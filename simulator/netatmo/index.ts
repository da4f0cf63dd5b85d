import { SimControlError, SimServer } from '../common';
import type { FaultSpec, QueuedFault, RequestFilter, RequestLogEntry } from '../common';
import { checkTrigger, pushConnection, triggerEvent } from './events';
import type { TriggerOptions, TriggerResult } from './events';
import { apiErrorReply, registerNetatmoRoutes } from './routes';
import { CAMERA_SCOPES, type ModuleSeed, type Scope } from './seed';
import {
  DEFAULT_QUOTA,
  NetatmoApiError,
  NetatmoState,
  apiErrors,
  type NetatmoApp,
  type QuotaLimit,
  type TokenRecord,
  type WebhookDelivery,
} from './state';

export * from './seed';
export * from './events';
export {
  DEFAULT_QUOTA,
  NetatmoApiError,
  NetatmoState,
  OAuthError,
  sign,
  type NetatmoApp,
  type QuotaLimit,
  type TokenRecord,
  type WebhookDelivery,
} from './state';

export const DEFAULT_CLIENT_ID = 'camhub-sim-client';
export const DEFAULT_CLIENT_SECRET = 'camhub-sim-client-secret';

export interface NetatmoSimOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Scopes the app may be granted; default all camera scopes. */
  appScopes?: Scope[];
  /** Redirect URIs set for the app; empty (default) accepts any http(s) URI. */
  redirectUris?: string[];
  /** Access-token lifetime; 10800 s (3 h) as on the real cloud. */
  accessTokenTtlSec?: number;
  /** Per-user request quota; default 50 per 10 s and 500 per hour. */
  quota?: QuotaLimit[];
  /** Size of snapshot_720.jpg; small by default so tests stay fast. */
  snapshotSize?: readonly [number, number];
  /** An extra webhook target besides addwebhook's (the shared /_sim/callback). */
  callbackUrl?: string;
  /** Cameras in place of the seed's five, e.g. many for scaling figures; homes stay the seed's. */
  modules?: readonly ModuleSeed[];
}

export interface NetatmoSim {
  readonly url: string;
  readonly server: SimServer;
  readonly state: NetatmoState;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
  addFault(spec: FaultSpec): QueuedFault;
  clearFaults(): void;
  requests(filter?: RequestFilter): RequestLogEntry[];
  clearRequests(): void;
  /** Fires an event on a camera: recorded for getevents, pushed to the registered webhooks. */
  trigger(cameraId: string, options: TriggerOptions): Promise<TriggerResult>;
  disconnect(cameraId: string): Promise<WebhookDelivery[]>;
  reconnect(cameraId: string): Promise<WebhookDelivery[]>;
  setLanReachable(cameraId: string, reachable: boolean): void;
  expireAccessTokens(): number;
  /** Tokens issued so far; rotated ones carry rotatedAt. */
  tokens(): TokenRecord[];
  deliveries(): WebhookDelivery[];
  setCallback(url: string | null): void;
  reset(): void;
}

export function createNetatmoSim(options: NetatmoSimOptions = {}): {
  server: SimServer;
  state: NetatmoState;
} {
  const app: NetatmoApp = {
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
    name: 'camhub',
    scopes: options.appScopes ?? [...CAMERA_SCOPES],
    redirectUris: options.redirectUris ?? [],
  };
  const ttl = options.accessTokenTtlSec ?? 10_800;
  if (!(ttl > 0)) throw new RangeError('accessTokenTtlSec must be positive');
  const state = new NetatmoState({
    app,
    // vpn_url and local_url are paths on this same server, so they need its address.
    baseUrl: () => server.url,
    accessTokenTtlSec: ttl,
    quota: options.quota ?? DEFAULT_QUOTA,
    modules: options.modules,
  });
  const server: SimServer = new SimServer({
    name: 'netatmo',
    port: options.port,
    host: options.host,
    callbackUrl: options.callbackUrl,
    hooks: {
      devices: () => state.view(),
      setOnline: (id, online) => {
        const m = state.modules.get(id);
        if (!m) return false;
        const changed = m.connected !== online;
        if (online) state.reconnect(id);
        else state.disconnect(id);
        if (changed) {
          void pushConnection(
            state,
            server.callbackUrl,
            m,
            online ? 'connection' : 'disconnection',
          );
        }
        return true;
      },
      reset: () => state.reset(),
      trigger: async (event) => {
        const m = state.modules.get(String(event.camera));
        if (!m) throw new SimControlError(404, `unknown camera ${String(event.camera)}`);
        const o: TriggerOptions = {
          type: typeof event.type === 'string' ? event.type : 'movement',
          known: typeof event.known === 'boolean' ? event.known : undefined,
          person: typeof event.person === 'string' ? event.person : undefined,
        };
        const problem = checkTrigger(m, o);
        if (problem) throw new SimControlError(400, problem);
        return triggerEvent(state, server.callbackUrl, m, o);
      },
      faultReply: (status) => {
        const err =
          status === 429
            ? apiErrors.maxUsage()
            : status === 403
              ? apiErrors.invalidToken()
              : status >= 500
                ? new NetatmoApiError(status, 35, 'Unable to execute')
                : new NetatmoApiError(status, 21, 'Invalid argument');
        const reply = apiErrorReply(err);
        return {
          status,
          body: JSON.stringify(reply.body),
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
        };
      },
      notFound: (_req, res) => res.json(404, { error: { code: 31, message: 'Method not found' } }),
      onError: (err, _req, res) => {
        if (err instanceof NetatmoApiError) {
          const reply = apiErrorReply(err);
          res.json(reply.status, reply.body);
        } else {
          res.json(500, { error: { code: 35, message: 'Unable to execute' } });
        }
      },
    },
  });
  state.webhookDelayMs = () => server.latency.oneWay();
  registerNetatmoRoutes({ state, server, snapshotSize: options.snapshotSize ?? [320, 180] });
  return { server, state };
}

export async function startNetatmoSim(options: NetatmoSimOptions = {}): Promise<NetatmoSim> {
  const { server, state } = createNetatmoSim(options);
  const url = await server.start();
  const camera = (id: string) => {
    const m = state.modules.get(id);
    if (!m) throw new Error(`unknown Netatmo camera ${id}`);
    return m;
  };
  return {
    url,
    server,
    state,
    clientId: state.config.app.clientId,
    clientSecret: state.config.app.clientSecret,
    close: () => server.close(),
    addFault: (spec) => server.addFault(spec),
    clearFaults: () => server.clearFaults(),
    requests: (filter) => server.requests(filter),
    clearRequests: () => server.clearRequests(),
    trigger: (id, o) => {
      const m = camera(id);
      const problem = checkTrigger(m, o);
      if (problem) return Promise.reject(new Error(problem));
      return triggerEvent(state, server.callbackUrl, m, o);
    },
    disconnect: async (id) => {
      const m = camera(id);
      if (!m.connected) return [];
      state.disconnect(id);
      return pushConnection(state, server.callbackUrl, m, 'disconnection');
    },
    reconnect: async (id) => {
      const m = camera(id);
      if (m.connected) return [];
      state.reconnect(id);
      return pushConnection(state, server.callbackUrl, m, 'connection');
    },
    setLanReachable: (id, reachable) => {
      camera(id).lanReachable = reachable;
    },
    expireAccessTokens: () => state.expireAccessTokens(),
    tokens: () => state.tokens.map((t) => ({ ...t })),
    deliveries: () => state.deliveries.map((d) => ({ ...d })),
    setCallback: (u) => {
      server.callbackUrl = u;
    },
    reset: () => server.reset(),
  };
}
