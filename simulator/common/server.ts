import http from 'node:http';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { FaultQueue, faultReplies, parseFaultSpec } from './faults';
import type { FaultSpec, QueuedFault } from './faults';
import { HTML_CONTENT_TYPE, nginxErrorPage } from './pages';
import { Latency, parseLatencySpec } from './latency';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const CONTROL_PREFIX = '/_sim';
// Bodies larger than this are not something a camera API client should ever send.
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_LOGGED_BODY_CHARS = 4096;

export interface BasicAuthConfig {
  username: string;
  password: string;
  /** Realm in the WWW-Authenticate challenge; defaults to the server name. */
  realm?: string;
}

export interface SimRequest {
  readonly method: string;
  /** Pathname without the query string, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Values of `:name` segments of the matched route, percent-decoded. */
  readonly params: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly url: URL;
  readonly raw: IncomingMessage;
  /** Parses the body as JSON; throws a SyntaxError when it is empty or not JSON. */
  json(): unknown;
}

export type SimHandler = (req: SimRequest, res: SimResponse) => void | Promise<void>;

export class SimResponse {
  private finished = false;

  constructor(readonly raw: ServerResponse) {}

  /** True once a reply was written or the connection is gone, so nothing more may be sent. */
  get sent(): boolean {
    return this.finished || this.raw.headersSent || this.raw.destroyed;
  }

  send(status: number, body: Buffer | string, headers: OutgoingHttpHeaders = {}): void {
    if (this.sent) return;
    this.finished = true;
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.raw.writeHead(status, { ...headers, 'Content-Length': payload.length });
    this.raw.end(payload);
  }

  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, JSON.stringify(value), { 'Content-Type': JSON_CONTENT_TYPE, ...headers });
  }

  text(
    status: number,
    text: string,
    contentType = 'text/plain; charset=utf-8',
    headers: OutgoingHttpHeaders = {},
  ): void {
    this.send(status, text, { 'Content-Type': contentType, ...headers });
  }

  buffer(
    status: number,
    data: Buffer,
    contentType: string,
    headers: OutgoingHttpHeaders = {},
  ): void {
    this.send(status, data, { 'Content-Type': contentType, ...headers });
  }

  /** For a reply written straight to `raw`: nothing more may be sent through this object. */
  markSent(): void {
    this.finished = true;
  }

  /** Drops the connection without a reply, as a crashed or overloaded upstream would. */
  destroy(): void {
    this.finished = true;
    this.raw.socket?.destroy();
    this.raw.destroy();
  }
}

/** Thrown by control-API hooks to answer with a specific status and message. */
export class SimControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimControlError';
  }
}

export interface SimReply {
  status: number;
  body: string | Buffer;
  headers?: OutgoingHttpHeaders;
}

/** What a vendor plugs into the shared control API and error handling. */
export interface SimVendorHooks {
  /** Body of `GET /_sim/devices`. */
  devices?: () => unknown;
  /** Returns false when the device id is unknown. */
  setOnline?: (id: string, online: boolean) => boolean;
  /** Puts vendor state back to its seed. */
  reset?: () => void;
  /** Handles `POST /_sim/events`; the result is sent back as JSON. */
  trigger?: (event: Record<string, unknown>) => unknown;
  /** The vendor's own reply for a faulted status when the fault gives no body. */
  faultReply?: (status: number) => SimReply | undefined;
  /** Reply for a path no route matches. */
  notFound?: SimHandler;
  /** Reply when a vendor handler throws. */
  onError?: (err: unknown, req: SimRequest, res: SimResponse) => void;
}

export interface SimServerOptions {
  name: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  host?: string;
  /** Puts every non-control route behind HTTP Basic auth, like a partner's Nginx gateway. */
  auth?: BasicAuthConfig;
  hooks?: SimVendorHooks;
  /** Initial event callback URL; `POST /_sim/reset` returns to it. */
  callbackUrl?: string;
  /** Oldest request-log entries are dropped beyond this many. */
  maxLogEntries?: number;
  /**
   * The simulated network path; default: its own, from CAMHUB_SIM_RTT_MS and
   * CAMHUB_SIM_RTT_JITTER_MS. A vendor with several hosts passes one shared instance.
   */
  latency?: Latency;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** ISO-8601 time the request arrived. */
  time: string;
  /** null while in progress; 0 when the connection closed without a reply. */
  status: number | null;
  /** True when a queued fault shaped the reply. */
  fault: boolean;
  /** Request body: parsed JSON when it is JSON, else text; absent when empty. Values of secret fields (passwords, client secrets, tokens, authcodes) read "[redacted]". */
  body?: unknown;
  /** Scheme of the Authorization header (e.g. "Basic"); its value is never logged. */
  authScheme?: string;
}

export interface RequestFilter {
  method?: string;
  /** Prefix of the path, or a regular expression tested against it. */
  path?: string | RegExp;
}

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: SimHandler;
}

// A trailing slash is significant: "/calendar/" is not "/calendar", as on the vendors' servers.
function splitPath(path: string): string[] {
  return path.split('/').slice(1);
}

function matchRoute(route: Route, segments: string[]): Record<string, string> | undefined {
  if (route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i];
    const got = segments[i];
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Fields whose values never reach the request log: passwords, client secrets, access and
 * refresh tokens, authcodes. The log is shown to anyone debugging a flow, as the README says.
 */
const SECRET_FIELD = /pass|secret|token|authcode|verifier/i;
const REDACTED = '[redacted]';

function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 20 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) && v !== null && v !== '' ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

function redactQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of query) out[k] = SECRET_FIELD.test(k) && v ? REDACTED : v;
  return out;
}

function bodyForLog(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return redactValue(JSON.parse(text) as unknown);
  } catch {
    // A form body (logins, OAuth token calls): keep its shape, mask its secrets.
    if (/^[\w.%+*-]+=[^&]*(&[\w.%+*-]+=[^&]*)*$/.test(text)) {
      const form = new URLSearchParams(text);
      return new URLSearchParams(redactQuery(form)).toString();
    }
    return text.length > MAX_LOGGED_BODY_CHARS ? `${text.slice(0, MAX_LOGGED_BODY_CHARS)}…` : text;
  }
}

/**
 * A small vendor-agnostic HTTP server: routing, a request log, fault injection, an optional Basic
 * auth gate and the shared `/_sim/` control API. Each vendor simulator registers its routes on one.
 */
export class SimServer {
  readonly name: string;
  hooks: SimVendorHooks;
  /** Where vendor events are delivered; null when unset. */
  callbackUrl: string | null;

  private readonly options: SimServerOptions;
  private readonly routes: Route[] = [];
  private readonly faults = new FaultQueue();
  private log: RequestLogEntry[] = [];
  private readonly sockets = new Set<Socket>();
  /** Every non-control request waits one round trip of this before it is handled. */
  readonly latency: Latency;
  private inFlight = 0;
  private peakInFlight = 0;

  /** Open client connections; leak tests expect it back at zero once clients close. */
  get openConnections(): number {
    return this.sockets.size;
  }
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: http.Server | undefined;
  private baseUrl: string | undefined;

  constructor(options: SimServerOptions) {
    this.options = options;
    this.name = options.name;
    this.hooks = options.hooks ?? {};
    this.callbackUrl = options.callbackUrl ?? null;
    this.latency = options.latency ?? new Latency();
    this.registerControlApi();
  }

  /** Base URL once started, e.g. `http://127.0.0.1:8704`. */
  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name} simulator is not started`);
    return this.baseUrl;
  }

  route(method: string, pattern: string, handler: SimHandler): this {
    this.routes.push({
      method: method.toUpperCase(),
      pattern,
      segments: splitPath(pattern),
      handler,
    });
    return this;
  }

  addFault(spec: FaultSpec): QueuedFault {
    return this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  pendingFaults(): QueuedFault[] {
    return this.faults.list();
  }

  requests(filter: RequestFilter = {}): RequestLogEntry[] {
    return this.log
      .filter((e) => {
        if (filter.method && e.method !== filter.method.toUpperCase()) return false;
        if (filter.path instanceof RegExp) return filter.path.test(e.path);
        if (typeof filter.path === 'string') return e.path.startsWith(filter.path);
        return true;
      })
      .map((e) => ({ ...e }));
  }

  clearRequests(): void {
    this.log = [];
  }

  /**
   * Non-control requests being handled right now, and the most at once since the last
   * resetConcurrency(): how a test sees that a client overlaps calls, and by how much, without
   * timing anything.
   */
  concurrency(): { inFlight: number; peak: number } {
    return { inFlight: this.inFlight, peak: this.peakInFlight };
  }

  resetConcurrency(): void {
    this.peakInFlight = this.inFlight;
  }

  /** Vendor state back to seed; faults, request log and callback URL back to their start values. */
  reset(): void {
    this.hooks.reset?.();
    this.faults.clear();
    this.log = [];
    this.callbackUrl = this.options.callbackUrl ?? null;
    this.latency.reset();
    this.resetConcurrency();
  }

  /** Resolves after `ms`, unless the server closes first; used for simulated latency. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const server = http.createServer((req, res) => {
      void this.dispatch(req, res);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive and stalled sockets would otherwise hold server.close() open indefinitely.
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private async dispatch(raw: IncomingMessage, rawRes: ServerResponse): Promise<void> {
    const res = new SimResponse(rawRes);
    let body: Buffer;
    try {
      body = await readBody(raw);
    } catch {
      res.text(413, nginxErrorPage(413), HTML_CONTENT_TYPE);
      return;
    }
    const url = new URL(raw.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    const method = (raw.method ?? 'GET').toUpperCase();
    const isControl = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
    const segments = splitPath(path);

    let params: Record<string, string> = {};
    let route: Route | undefined;
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const p = matchRoute(r, segments);
      if (p) {
        route = r;
        params = p;
        break;
      }
    }

    const req: SimRequest = {
      method,
      path,
      query: url.searchParams,
      params,
      headers: raw.headers,
      body,
      url,
      raw,
      json: () => JSON.parse(body.toString('utf8')) as unknown,
    };

    let entry: RequestLogEntry | undefined;
    if (!isControl) {
      entry = this.logRequest(req);
      const logged = entry;
      rawRes.on('finish', () => {
        logged.status = rawRes.statusCode;
      });
      rawRes.on('close', () => {
        if (logged.status === null) logged.status = 0;
      });
      this.inFlight++;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      let counted = true;
      const done = () => {
        if (counted) this.inFlight--;
        counted = false;
      };
      rawRes.on('finish', done);
      rawRes.on('close', done);
      // The whole round trip is spent before the handler runs, so a reply never arrives sooner
      // than rttMs - jitterMs after its request, whatever the handler does.
      const rtt = this.latency.roundTrip();
      if (rtt > 0) await this.sleep(rtt);
      if (res.sent) return;
      const fault = this.faults.take(method, path);
      if (fault) {
        entry.fault = true;
        if (await this.applyFault(fault, res)) return;
        if (res.sent) return;
      }
      if (this.options.auth && !this.authorized(req)) {
        const realm = this.options.auth.realm ?? this.name;
        res.text(401, nginxErrorPage(401), HTML_CONTENT_TYPE, {
          'WWW-Authenticate': `Basic realm="${realm}"`,
        });
        return;
      }
    }

    try {
      if (route) {
        await route.handler(req, res);
      } else if (!isControl && this.hooks.notFound) {
        await this.hooks.notFound(req, res);
      } else {
        res.json(404, { error: 'not found' });
      }
      if (!res.sent) throw new Error(`handler for ${method} ${path} sent no reply`);
    } catch (err) {
      if (res.sent) return;
      if (err instanceof SimControlError) {
        res.json(err.status, { error: err.message });
      } else if (!isControl && this.hooks.onError) {
        this.hooks.onError(err, req, res);
      } else {
        res.json(500, { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private logRequest(req: SimRequest): RequestLogEntry {
    const entry: RequestLogEntry = {
      method: req.method,
      path: req.path,
      query: redactQuery(req.query),
      time: new Date().toISOString(),
      status: null,
      fault: false,
    };
    const body = bodyForLog(req.body);
    if (body !== undefined) entry.body = body;
    const auth = req.headers.authorization;
    if (auth) entry.authScheme = auth.split(' ')[0];
    this.log.push(entry);
    const max = this.options.maxLogEntries ?? 5000;
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
    return entry;
  }

  private authorized(req: SimRequest): boolean {
    const auth = this.options.auth;
    const header = req.headers.authorization;
    if (!auth || !header) return !auth;
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return (
      safeEqual(decoded.slice(0, colon), auth.username) &&
      safeEqual(decoded.slice(colon + 1), auth.password)
    );
  }

  /** Returns true when the fault produced the reply; false lets the request proceed. */
  private async applyFault(fault: QueuedFault, res: SimResponse): Promise<boolean> {
    if (fault.delayMs) await this.sleep(fault.delayMs);
    if (res.sent) return true;
    if (!faultReplies(fault)) return false;
    if (fault.reset) {
      res.destroy();
      return true;
    }
    const headers: OutgoingHttpHeaders = { ...fault.headers };
    if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
    if (fault.dripMs !== undefined || fault.endless || fault.contentLength !== undefined) {
      this.streamFault(fault, res, headers);
      return true;
    }
    if (fault.malformed) {
      // Cut mid-token so that every JSON parser fails, not just strict ones.
      res.send(fault.status ?? 200, '{"message":"ok","items":[{"uid":"9527', {
        'Content-Type': fault.contentType ?? JSON_CONTENT_TYPE,
        ...headers,
      });
      return true;
    }
    const status = fault.status ?? (fault.body !== undefined ? 200 : 429);
    if (fault.body !== undefined) {
      const isText = typeof fault.body === 'string';
      const payload = isText ? (fault.body as string) : JSON.stringify(fault.body);
      const contentType =
        fault.contentType ?? (isText ? 'text/plain; charset=utf-8' : JSON_CONTENT_TYPE);
      res.send(status, payload, { 'Content-Type': contentType, ...headers });
      return true;
    }
    const vendor = this.hooks.faultReply?.(status);
    if (vendor) {
      res.send(vendor.status, vendor.body, {
        ...vendor.headers,
        ...(fault.contentType ? { 'Content-Type': fault.contentType } : {}),
        ...headers,
      });
    } else {
      res.json(status, { error: 'simulated fault', status }, headers);
    }
    return true;
  }

  /**
   * The replies that never end or claim too much: a slow drip, an endless body, a huge
   * Content-Length. Each runs until the client gives up or the server closes.
   */
  private streamFault(fault: QueuedFault, res: SimResponse, headers: OutgoingHttpHeaders): void {
    const raw = res.raw;
    res.markSent();
    raw.writeHead(fault.status ?? 200, {
      'Content-Type': fault.contentType ?? JSON_CONTENT_TYPE,
      ...(fault.contentLength !== undefined ? { 'Content-Length': fault.contentLength } : {}),
      ...headers,
    });
    if (fault.contentLength !== undefined) {
      raw.write('{"items":[');
      return;
    }
    if (fault.dripMs !== undefined) {
      raw.write('{');
      const timer = setInterval(() => raw.write(' '), fault.dripMs);
      this.timers.add(timer);
      raw.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    raw.write('[');
    const pump = (): void => {
      while (!raw.destroyed && this.server) {
        if (!raw.write(chunk)) {
          raw.once('drain', pump);
          return;
        }
      }
    };
    setImmediate(pump);
  }

  private registerControlApi(): void {
    const p = CONTROL_PREFIX;
    const parseJson = (req: SimRequest): unknown => {
      if (req.body.length === 0) return {};
      try {
        return req.json();
      } catch {
        throw new SimControlError(400, 'body is not valid JSON');
      }
    };
    const needHook = <K extends keyof SimVendorHooks>(key: K): NonNullable<SimVendorHooks[K]> => {
      const hook = this.hooks[key];
      if (!hook) throw new SimControlError(501, `${this.name} simulator does not support this`);
      return hook as NonNullable<SimVendorHooks[K]>;
    };

    this.route('GET', p, (_req, res) => {
      res.json(200, {
        name: this.name,
        routes: this.routes.map((r) => `${r.method} ${r.pattern}`),
      });
    });
    this.route('GET', `${p}/devices`, (_req, res) => {
      res.json(200, needHook('devices')());
    });
    for (const state of ['online', 'offline'] as const) {
      this.route('POST', `${p}/devices/:id/${state}`, (req, res) => {
        const known = needHook('setOnline')(req.params.id, state === 'online');
        if (!known) throw new SimControlError(404, `unknown device ${req.params.id}`);
        res.json(200, { id: req.params.id, online: state === 'online' });
      });
    }
    this.route('GET', `${p}/faults`, (_req, res) => {
      res.json(200, this.faults.list());
    });
    this.route('POST', `${p}/faults`, (req, res) => {
      const spec = parseFaultSpec(parseJson(req));
      if (typeof spec === 'string') throw new SimControlError(400, spec);
      res.json(201, this.addFault(spec));
    });
    this.route('DELETE', `${p}/faults`, (_req, res) => {
      this.clearFaults();
      res.json(200, { cleared: true });
    });
    this.route('GET', `${p}/requests`, (req, res) => {
      const method = req.query.get('method') ?? undefined;
      const path = req.query.get('path') ?? undefined;
      res.json(200, this.requests({ method, path }));
    });
    this.route('DELETE', `${p}/requests`, (_req, res) => {
      this.clearRequests();
      res.json(200, { cleared: true });
    });
    this.route('GET', `${p}/latency`, (_req, res) => {
      res.json(200, this.latency.current);
    });
    this.route('PUT', `${p}/latency`, (req, res) => {
      const spec = parseLatencySpec(parseJson(req));
      if (typeof spec === 'string') throw new SimControlError(400, spec);
      this.latency.set(spec);
      res.json(200, this.latency.current);
    });
    this.route('GET', `${p}/concurrency`, (_req, res) => {
      res.json(200, this.concurrency());
    });
    this.route('DELETE', `${p}/concurrency`, (_req, res) => {
      this.resetConcurrency();
      res.json(200, this.concurrency());
    });
    this.route('POST', `${p}/reset`, (_req, res) => {
      this.reset();
      res.json(200, { reset: true });
    });
    this.route('GET', `${p}/callback`, (_req, res) => {
      res.json(200, { url: this.callbackUrl });
    });
    this.route('PUT', `${p}/callback`, (req, res) => {
      const body = parseJson(req);
      const url = isRecord(body) ? body.url : undefined;
      if (url !== null && !isHttpUrl(url)) {
        throw new SimControlError(400, 'url must be an http(s) URL or null');
      }
      this.callbackUrl = url;
      res.json(200, { url });
    });
    this.route('POST', `${p}/events`, async (req, res) => {
      const body = parseJson(req);
      if (!isRecord(body) || typeof body.camera !== 'string') {
        throw new SimControlError(400, 'body must be an object with a string "camera"');
      }
      const result: unknown = await needHook('trigger')(body);
      res.json(200, result ?? { triggered: true });
    });
  }
}

export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // An oversized body is drained rather than cut off so that the 413 reply can still be read.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new Error('body too large'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
