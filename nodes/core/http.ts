import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance, type Method } from 'axios';
import { AbortedError, SingleFlight, backoffDelay, parseRetryAfter, sleep } from './async';
import { CamhubError, errors } from './errors';
import { type Logger, silentLogger } from './log';
import type { LoginGate } from './login-gate';
import { redact, redactUrl } from './redact';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest {
  method: HttpMethod;
  /** Relative to the client's base URL, or absolute (presigned URLs, per-camera hosts). */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded; an array repeats its key (Netatmo's `ids[]`). */
  form?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  expect?: 'json' | 'buffer' | 'text';
  /**
   * May the request be sent again after a 5xx or a dropped connection? Defaults to true for
   * GET only: arm and PTZ must never run twice because a reply got lost.
   */
  idempotent?: boolean;
  /** Share one in-flight request between identical concurrent calls (GET only by default). */
  coalesce?: boolean;
  timeoutMs?: number;
  /** false for calls that must not carry the session's credentials (login, presigned URLs). */
  auth?: boolean;
  /** Words for error messages, e.g. "Snapshot of Front door". */
  label?: string;
  /** 0 hands a 3xx back to the caller, for logins that read the Location themselves. */
  maxRedirects?: number;
  /**
   * A step of an automatic login (not one the user starts): it waits for the account's login
   * back-off, and a refusal (AUTH_FAILED, RATE_LIMITED) extends it. See LoginGate.
   */
  login?: boolean;
  /** false: a 429 fails at once, for a cloud where every further try lengthens a lockout. */
  retryRateLimited?: boolean;
  /**
   * The largest reply body accepted, in bytes; defaults per `expect` (MAX_REPLY_BYTES). Give a
   * larger one for a video download, never an unbounded one.
   */
  maxBytes?: number;
}

/**
 * Default size caps per kind of reply. A camera API answers JSON in kilobytes and a snapshot in
 * a few megabytes; anything far larger is a fault, and is refused before it fills the memory.
 */
export const MAX_REPLY_BYTES: Record<NonNullable<HttpRequest['expect']>, number> = {
  json: 8 * 1024 * 1024,
  /** Login pages, HLS playlists. */
  text: 2 * 1024 * 1024,
  /** Snapshots and thumbnails. */
  buffer: 32 * 1024 * 1024,
};

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

export interface HttpAuth {
  /** Headers that carry the session's credentials. */
  headers(): Promise<Record<string, string>> | Record<string, string>;
  /**
   * Re-authenticate after the cloud rejected the credentials. Implementations coalesce, so a
   * burst of 401s causes one login. Absent when the credentials cannot change by themselves.
   */
  refresh?(): Promise<void>;
}

export interface HttpClientOptions {
  /** Display name for messages, e.g. "Reolink". */
  vendor: string;
  baseUrl: string;
  timeoutMs?: number;
  /** Per-kind size caps replacing MAX_REPLY_BYTES for this client. */
  maxBytes?: Partial<Record<NonNullable<HttpRequest['expect']>, number>>;
  /** Retries after a 5xx or network error, idempotent requests only. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this fails fast as RATE_LIMITED rather than holding a msg. */
  maxRetryAfterMs?: number;
  auth?: HttpAuth;
  /** The account's login back-off, shared by all its clients. */
  gate?: LoginGate;
  /**
   * Does this error of a login step refuse the login? Default: every AUTH_FAILED and
   * RATE_LIMITED. A cloud asking for a 2FA code has not refused it.
   */
  isLoginRefusal?: (err: CamhubError) => boolean;
  /** Current secret values, masked in every message that leaves the client. */
  secrets?: () => readonly (string | undefined)[];
  /** Vendor error shapes to CamhubErrors; undefined falls back to the generic mapping. */
  mapError?: (reply: RawReply, req: HttpRequest) => CamhubError | undefined;
  /** Is this reply "your credentials are not valid"? Default: 401 or 403. */
  isAuthError?: (reply: RawReply) => boolean;
  log?: Logger;
  random?: () => number;
  /** Connections kept open to the cloud at most; default 8. */
  maxSockets?: number;
}

const DEFAULTS = {
  timeoutMs: 15_000,
  maxRetries: 2,
  backoffBaseMs: 300,
  backoffMaxMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/** vendorCode of the error for a reply over its size cap, so callers can say it their way. */
export const TOO_LARGE = 'reply_too_large';

/** Network failures where the request certainly never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The one HTTP layer every vendor client uses: timeouts, Retry-After, backoff for idempotent
 * calls, one shared re-authentication, coalescing of identical GETs, redaction, and a close()
 * that leaves no socket or timer behind.
 */
export class HttpClient {
  private readonly opts: Required<
    Pick<
      HttpClientOptions,
      'timeoutMs' | 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'maxRetryAfterMs'
    >
  > &
    HttpClientOptions;
  private readonly axios: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /**
   * One controller per request or wait, aborted together on close. A single shared signal
   * would carry one listener per concurrent request (Node warns past ten).
   */
  private readonly pending = new Set<AbortController>();
  private readonly flights: SingleFlight<HttpResponse>;
  private readonly refreshFlight = new SingleFlight<void>();
  /** Bumped by every re-login: a 401 to a request sent before it needs no new login. */
  private authGeneration = 0;
  private readonly log: Logger;
  private closed = false;
  /** Counts requests put on the wire; benchmarks and tests read it. */
  sent = 0;

  constructor(options: HttpClientOptions) {
    this.opts = { ...DEFAULTS, ...stripUndefined(options) } as HttpClient['opts'];
    this.log = options.log ?? silentLogger;
    const maxSockets = options.maxSockets ?? 8;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
    // Joining a GET is pointless once it has outlived every deadline and wait it could have.
    const o = this.opts;
    this.flights = new SingleFlight<HttpResponse>(
      o.timeoutMs * (o.maxRetries + 1) + o.backoffMaxMs * o.maxRetries + o.maxRetryAfterMs,
    );
    this.axios = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      maxRedirects: 3,
      // Replies are parsed here, not by axios, so a malformed body is a clear error.
      transformResponse: [(data: unknown) => data],
    });
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    this.assertOpen();
    const gate = this.opts.gate;
    if (!gate) return this.coalesced<T>(req);
    // Credentials that cannot renew themselves (Basic auth) are "logged in" by every request.
    const fixedCredentials = req.auth !== false && !!this.opts.auth && !this.opts.auth.refresh;
    if (req.login) await gate.check('login');
    else if (fixedCredentials) await gate.check('request');
    try {
      const res = await this.coalesced<T>(req);
      if (req.auth !== false && this.opts.auth) await gate.succeeded();
      return res;
    } catch (err) {
      const refusal =
        err instanceof CamhubError && (this.opts.isLoginRefusal?.(err) ?? true) ? err : undefined;
      if (refusal && (req.login || fixedCredentials)) await gate.failed(refusal);
      throw err;
    }
  }

  private async coalesced<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const coalesce = req.coalesce ?? req.method === 'GET';
    if (!coalesce) return (await this.withRetries(req)) as HttpResponse<T>;
    const key = `${req.method} ${this.resolveUrl(req)} ${req.expect ?? 'json'}`;
    return (await this.flights.run(key, () => this.withRetries(req))) as HttpResponse<T>;
  }

  /**
   * A file download: the reply is read with the request's own size cap and deadline (a huge
   * or trickling file costs at most `maxBytes` and `timeoutMs`), then said in a file's words:
   * over the cap is the caller's limit (INVALID_INPUT), a 404 or a refused presigned link
   * means the file is gone. Never retried: files are large, and a slow one would only repeat.
   */
  async download(
    req: Omit<HttpRequest, 'expect' | 'coalesce' | 'maxBytes'>,
    maxBytes: number,
  ): Promise<HttpResponse<Buffer>> {
    const label = req.label ?? `${req.method} ${new URL(this.resolveUrl(req)).pathname}`;
    try {
      return await this.request<Buffer>({
        ...req,
        expect: 'buffer',
        coalesce: false,
        idempotent: false,
        maxBytes,
      });
    } catch (err) {
      if (!(err instanceof CamhubError)) throw err;
      if (err.vendorCode === TOO_LARGE) {
        throw new CamhubError(
          'INVALID_INPUT',
          `${label}: the file is larger than the limit of ${maxBytes} bytes, so nothing was sent. ` +
            "Raise the node's max. bytes (maxBytes) to fetch files this large, or play it instead.",
        );
      }
      const gone =
        err.status === 404 || err.status === 410 || (err.status === 403 && req.auth === false);
      if (gone) {
        throw new CamhubError(
          'CLOUD_ERROR',
          `${label}: the ${this.opts.vendor} cloud refused the download (HTTP ${err.status}). ` +
            'The file is gone or its link expired; list the recordings again.',
          { status: err.status },
        );
      }
      throw err;
    }
  }

  /** Aborts everything in flight and frees the sockets. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.pending) ac.abort();
    this.pending.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new CamhubError(
        'NOT_CONFIGURED',
        `The ${this.opts.vendor} account was closed (the flow was redeployed). Send the msg again.`,
      );
    }
  }

  private resolveUrl(req: HttpRequest): string {
    const base = /^https?:\/\//i.test(req.path)
      ? req.path
      : this.opts.baseUrl.replace(/\/+$/, '') + (req.path.startsWith('/') ? '' : '/') + req.path;
    const url = new URL(base);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  private async withRetries(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    let failures = 0;
    let rateLimitWaits = 0;
    let refreshed = false;
    const label = req.label ?? `${req.method} ${new URL(this.resolveUrl(req)).pathname}`;

    for (;;) {
      this.assertOpen();
      let reply: RawReply;
      const generation = this.authGeneration;
      try {
        reply = await this.send(req, label);
      } catch (err) {
        if (err instanceof AbortedError || this.closed) throw this.closedError();
        // A reply over its size cap: a second try would only read it again.
        if (err instanceof CamhubError) throw err;
        const code = (err as AxiosError).code ?? '';
        const notSent = NOT_SENT_CODES.has(code);
        if ((idempotent || notSent) && failures < this.opts.maxRetries) {
          await this.pause(this.backoff(failures++));
          continue;
        }
        throw this.networkError(err, label, req);
      }

      if (reply.status === 429) {
        // Clouds that send no Retry-After may still say in their body how long to back off.
        const mapped = this.opts.mapError?.(reply, req);
        const vendorWait = mapped?.code === 'RATE_LIMITED' ? mapped.retryAfterMs : undefined;
        const wait = parseRetryAfter(reply.headers['retry-after']) ?? vendorWait;
        // A 429 means the request was refused, not executed: resending is safe for any method.
        if (
          req.retryRateLimited !== false &&
          rateLimitWaits < 1 &&
          (wait === undefined || wait <= this.opts.maxRetryAfterMs)
        ) {
          rateLimitWaits++;
          const ms = wait ?? this.backoff(failures);
          this.log.warn(`${this.opts.vendor}: rate limited, waiting ${ms} ms before one retry`);
          await this.pause(ms);
          continue;
        }
        throw vendorWait !== undefined && mapped
          ? mapped
          : errors.rateLimited(this.opts.vendor, wait);
      }

      const isAuth =
        this.opts.isAuthError ?? ((r: RawReply) => r.status === 401 || r.status === 403);
      if (req.auth !== false && isAuth(reply)) {
        if (!refreshed && this.opts.auth?.refresh) {
          refreshed = true;
          await this.reauthenticate(generation);
          continue;
        }
        const mapped = this.opts.mapError?.(reply, req);
        const refusal =
          mapped && mapped.code === 'AUTH_FAILED'
            ? mapped
            : errors.authFailed(this.opts.vendor, `HTTP ${reply.status}`);
        // A token refused right after its login: logging in again per request would not help.
        if (refreshed) await this.opts.gate?.failed(refusal);
        throw refusal;
      }

      if (reply.status >= 500) {
        if (idempotent && failures < this.opts.maxRetries) {
          const wait = parseRetryAfter(reply.headers['retry-after']);
          const ms =
            wait !== undefined && wait <= this.opts.maxRetryAfterMs ? wait : this.backoff(failures);
          failures++;
          await this.pause(ms);
          continue;
        }
        throw (
          this.opts.mapError?.(reply, req) ??
          new CamhubError(
            'CLOUD_ERROR',
            `${label}: the ${this.opts.vendor} cloud failed (HTTP ${reply.status}). ` +
              'It is probably a passing outage; try again later.',
            { status: reply.status },
          )
        );
      }

      if (reply.status >= 400) {
        throw (
          this.opts.mapError?.(reply, req) ??
          new CamhubError(
            'CLOUD_ERROR',
            `${label}: the ${this.opts.vendor} cloud refused the request (HTTP ${reply.status}). ` +
              'Check the node settings and the msg.',
            { status: reply.status },
          )
        );
      }

      // Some clouds answer 200 with an error inside (Arlo's success:false).
      const inBody = this.opts.mapError?.(reply, req);
      if (inBody) throw inBody;
      return { status: reply.status, headers: reply.headers, data: this.parse(reply, req, label) };
    }
  }

  /** One re-login for every request that was turned away with the same credentials. */
  private async reauthenticate(generation: number): Promise<void> {
    if (generation !== this.authGeneration) return;
    const refresh = this.opts.auth?.refresh;
    if (!refresh) return;
    await this.opts.gate?.check('login');
    await this.refreshFlight.run('refresh', async () => {
      await refresh.call(this.opts.auth);
      this.authGeneration++;
    });
  }

  private parse(reply: RawReply, req: HttpRequest, label: string): unknown {
    const expect = req.expect ?? 'json';
    if (expect === 'buffer') return reply.body;
    if (expect === 'text') return reply.body.toString('utf8');
    if (reply.body.length === 0) return {};
    if (reply.json === undefined) {
      throw new CamhubError(
        'CLOUD_ERROR',
        `${label}: the ${this.opts.vendor} cloud sent a reply that is not valid JSON. ` +
          'It is probably a passing fault; try again.',
        { status: reply.status },
      );
    }
    return reply.json;
  }

  private async send(req: HttpRequest, label: string): Promise<RawReply> {
    const headers: Record<string, string> = { Accept: 'application/json, image/*;q=0.9' };
    if (req.auth !== false && this.opts.auth)
      Object.assign(headers, await this.opts.auth.headers());
    Object.assign(headers, req.headers ?? {});
    let data: string | undefined;
    if (req.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(req.form)) {
        for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
      }
      data = form.toString();
    } else if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json; charset=utf-8';
      data = JSON.stringify(req.body);
    }
    const url = this.resolveUrl(req);
    this.sent++;
    this.log.debug(`${this.opts.vendor}: ${req.method} ${redactUrl(url)}`);
    const ac = this.track();
    const deadlineMs = this.deadlineMs(req);
    const maxBytes = this.maxBytes(req);
    // The socket timeout only notices silence; this one ends the whole exchange, so a server
    // sending a byte every few seconds cannot hold a request (and every request queued behind
    // it) for longer than the account's timeout.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, deadlineMs);
    try {
      const res = await this.axios.request<Readable>({
        url,
        method: req.method as Method,
        headers,
        data,
        timeout: deadlineMs,
        signal: ac.signal,
        responseType: 'stream',
        ...(req.maxRedirects !== undefined ? { maxRedirects: req.maxRedirects } : {}),
      });
      const flatHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers ?? {})) {
        if (v !== undefined && v !== null) flatHeaders[k.toLowerCase()] = String(v);
      }
      const declared = Number(flatHeaders['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.data.destroy();
        throw this.tooLarge(label, res.status, declared, maxBytes);
      }
      const body = await readCapped(res.data, maxBytes, ac.signal, () =>
        this.tooLarge(label, res.status, undefined, maxBytes),
      );
      return { status: res.status, headers: flatHeaders, body, json: tryJson(body) };
    } catch (err) {
      if (timedOut) throw Object.assign(new Error('deadline'), { code: 'ETIMEDOUT' });
      throw err;
    } finally {
      clearTimeout(deadline);
      this.pending.delete(ac);
    }
  }

  private deadlineMs(req: HttpRequest): number {
    return req.timeoutMs ?? this.opts.timeoutMs;
  }

  private maxBytes(req: HttpRequest): number {
    const expect = req.expect ?? 'json';
    return req.maxBytes ?? this.opts.maxBytes?.[expect] ?? MAX_REPLY_BYTES[expect];
  }

  private tooLarge(
    label: string,
    status: number,
    declared: number | undefined,
    max: number,
  ): CamhubError {
    const size = declared === undefined ? 'more than' : `${formatBytes(declared)}, over`;
    return new CamhubError(
      'CLOUD_ERROR',
      `${label}: the ${this.opts.vendor} cloud sent a reply too large to accept ` +
        `(${size} the limit of ${formatBytes(max)}); it was not read. ` +
        'It is probably a fault of the cloud; try again later.',
      { status, vendorCode: TOO_LARGE },
    );
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.opts.random);
  }

  private track(): AbortController {
    const ac = new AbortController();
    this.pending.add(ac);
    return ac;
  }

  private async pause(ms: number): Promise<void> {
    const ac = this.track();
    try {
      await sleep(ms, ac.signal);
    } catch {
      throw this.closedError();
    } finally {
      this.pending.delete(ac);
    }
  }

  private closedError(): CamhubError {
    return new CamhubError(
      'NOT_CONFIGURED',
      `The ${this.opts.vendor} account was closed (the flow was redeployed). Send the msg again.`,
    );
  }

  private networkError(err: unknown, label: string, req: HttpRequest): CamhubError {
    const e = err as AxiosError;
    const secrets = this.opts.secrets?.() ?? [];
    const detail = redact(e.code ?? e.message ?? String(err), secrets);
    if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) {
      return new CamhubError(
        'TIMEOUT',
        `${label}: the ${this.opts.vendor} cloud did not answer in full within ` +
          `${Math.max(1, Math.round(this.deadlineMs(req) / 1000))} s. ` +
          'Check that it is reachable; the next msg retries.',
      );
    }
    return new CamhubError(
      'CLOUD_ERROR',
      `${label}: cannot reach the ${this.opts.vendor} cloud at ${redactUrl(this.opts.baseUrl)} ` +
        `(${detail}). Check the base URL and the network.`,
      { notExecuted: NOT_SENT_CODES.has(e.code ?? '') },
    );
  }
}

/**
 * Reads a reply body up to `max` bytes. Past it the stream is destroyed at once, so an endless
 * body costs at most `max` bytes of memory.
 */
function readCapped(
  stream: Readable,
  max: number,
  signal: AbortSignal,
  tooLarge: () => Error,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      stream.off('data', onData);
      if (err) {
        stream.destroy();
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onAbort = () => finish(new AbortedError());
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) finish(tooLarge());
      else chunks.push(chunk);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.once('end', () => finish());
    stream.once('error', (err: Error) => finish(err));
  });
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round(n / (1024 * 1024))} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

function tryJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const first = body[0];
  // Only bodies that look like JSON are parsed: a JPEG is never fed to JSON.parse.
  if (first !== 0x7b && first !== 0x5b && first !== 0x22 && first !== 0x20 && first !== 0x0a) {
    return undefined;
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
