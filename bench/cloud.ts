import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the benchmark needs to know about one cloud. Adding a vendor to the benchmark means
 * writing one of these.
 */
export interface BenchVendor {
  name: string;
  configType: string;
  start(cameras: number): Promise<BenchCloud>;
}

/** The actions whose cloud requests are counted against the protocol's minimum. */
export type ActionName =
  | 'snapshot'
  | 'stream'
  | 'arm'
  | 'status'
  | 'event'
  | 'eventPicture'
  | 'recordingsList'
  | 'recordingPlay'
  | 'recordingDownload'
  | 'cameraStatus'
  | 'listCameras';

/** The fewest cloud requests an action can take by the cloud's protocol, and where that is said. */
export interface Minimum {
  requests: number;
  /** Seed or vendor-facts section, e.g. "vendor-facts 4.5". */
  source: string;
  /** What the minimum is made of, in a few words. */
  calls: string;
}

/** A raw client's subscription to the cloud's push channel (or its poll loop). */
export interface RawEvents {
  close(): Promise<void>;
}

export interface BenchCloud {
  url: string;
  cameraIds: string[];
  credentials: Record<string, string>;
  /** Extra properties of the account config node: an auth host, intervals. */
  account?: Record<string, unknown>;
  /**
   * Runs once an account node with this id is deployed, for what a user does in the editor
   * after deploying (an OAuth consent). Later deploys reuse the session the account stored.
   */
  connect?(accountId: string): Promise<void>;
  /** The protocol's minimum request count per action, with its source. */
  minimum: Partial<Record<ActionName, Minimum>>;
  /** Simulated round-trip time of every host of this cloud (see simulator/common/latency.ts). */
  setLatency(rttMs: number, jitterMs: number): void;
  /** Restarts the jitter sequence: node and raw calls of one pair meet the same network. */
  reseedLatency(seed: number): void;
  /** Logins the cloud has seen (0 for clouds without one), for the time-to-ready figures. */
  logins(): number;
  /** The stream node's quality; default 'sub'. Cameras with one stream need 'main'. */
  streamQuality?: string;
  /** The raw calls a hand-written client would make, for the side-by-side ratios. */
  raw: {
    snapshot(camera: string): Promise<void>;
    stream(camera: string): Promise<void>;
    arm(camera: string, armed: boolean): Promise<void>;
    /** Reads the armed state, as camhub-arm's "status" does. */
    status(camera: string): Promise<void>;
    /**
     * The recordings node's calls, made by hand: `seed` puts recordings on the camera, `list`
     * lists the last 24 hours as camhub does (all pages) and returns what play and download
     * need; a cloud without play or download leaves them out.
     */
    recordings?: {
      seed(camera: string): Promise<void>;
      list(camera: string): Promise<string>;
      play?(camera: string, key: string): Promise<void>;
      download?(camera: string, key: string): Promise<void>;
    };
  };
  /** How events reach a client: 'push' clouds call a URL or publish, 'poll' clouds are asked. */
  events: 'push' | 'poll';
  /** The channel, in words, for the table: "webhook", "MQTT", "media/changed poll". */
  channel?: string;
  /** Polled clouds: the account's poll interval, which request counts are reported per. */
  pollIntervalMs?: number;
  /** Webhook clouds: point the cloud at a receiver URL. */
  setCallback(url: string): void;
  /**
   * Points the cloud's push channel at camhub's receiver for account `accountId` served on
   * `webUrl`. Default: setCallback to camhub's webhook with the credentials' authcode. Clouds
   * that publish to every subscriber (MQTT) or are polled need nothing.
   */
  routeEvents?(webUrl: string, accountId: string): Promise<void>;
  /**
   * A raw client of the same channel, calling onEvent once per event it sees. Default: a bare
   * HTTP receiver set as the callback.
   */
  rawEvents?(onEvent: (event?: unknown) => void): Promise<RawEvents>;
  /**
   * What a raw client does to get the picture of an event it received (`event` as its
   * rawEvents passed it): the event's own picture where the cloud names one, with the auth it
   * needs. Default: a fresh snapshot (raw.snapshot), as for a cloud without event pictures.
   */
  rawEventPicture?(event: unknown, camera: string): Promise<void>;
  /** Makes one camera raise one event. */
  trigger(camera: string): Promise<void>;
  /** Requests the cloud has served, to count polls. */
  requestCount(): number;
  /** The same requests as "METHOD /path", oldest first, to say which calls an action made. */
  requestLog(): string[];
  /** The simulator's request log lives in this process: memory figures clear it first. */
  clearLog(): void;
  close(): Promise<void>;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true });

/**
 * One HTTP call on a keep-alive agent, as a hand-written client would make it; rejects on a
 * status of 400 or more.
 */
export function call(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string> } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    let data: string | undefined;
    if (options.json !== undefined) {
      data = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form) {
      data = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (data !== undefined) headers['content-length'] = Buffer.byteLength(data);
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 500;
        if (status >= 400) reject(new Error(`HTTP ${status} from ${method} ${url}`));
        else resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The body of a reply as JSON of the expected shape (the benchmark trusts its simulators). */
export function json<T>(reply: RawReply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

/** A bare HTTP receiver standing in for "a raw client of the same push channel". */
export async function rawReceiver(
  onPost: (body: Buffer, headers: http.IncomingHttpHeaders) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      onPost(Buffer.concat(chunks), req.headers);
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
