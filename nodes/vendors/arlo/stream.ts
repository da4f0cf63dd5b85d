import http from 'node:http';
import https from 'node:https';
import { randomInt, randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { backoffDelay } from '../../core/async';
import type { Logger } from '../../core/log';
import { redactUrl } from '../../core/redact';
import type { ArloPacket } from './types';

/** What a stream needs to (re)connect; asked afresh each time so a new token is used. */
export interface StreamTarget {
  kind: 'mqtt' | 'sse';
  /** MQTT: the broker URL; SSE: the subscribe URL on the API host. */
  url: string;
  userId: string;
  token: string;
  topics: string[];
  headers: Record<string, string>;
}

export interface StreamHooks {
  target(): Promise<StreamTarget>;
  onPacket(packet: ArloPacket): void;
  onConnected(): void;
  onDisconnected(reason: string): void;
  /** The broker or the API refused our token: log in again before the next try. */
  onAuthRejected(token: string): Promise<void>;
  log: Logger;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long a connect may take before it is given up and retried: the account's timeout. */
  connectTimeoutMs?: number;
}

/** hmsweb's "your token is not valid any more" codes. */
const SESSION_ERRORS = new Set(['2015', '2019']);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/i;

/**
 * The account's one event stream, MQTT or SSE, with reconnect and backoff. Owns exactly one
 * socket at a time and no timer once stopped.
 */
export class ArloEventStream {
  private running = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private mqttClient: MqttClient | undefined;
  private sseReq: http.ClientRequest | undefined;
  /** Kept across reconnects so the broker keeps our subscriptions and queued messages. */
  private readonly clientSuffix = String(randomInt(0, 1e10)).padStart(10, '0');
  private generation = 0;
  connected = false;

  constructor(private readonly hooks: StreamHooks) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.teardown();
    this.connected = false;
  }

  /** Drops the current connection and connects again at once (after a re-login). */
  restart(): void {
    if (!this.running) return;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.teardown();
    this.connected = false;
    this.attempt = 0;
    void this.connect();
  }

  private teardown(): void {
    const client = this.mqttClient;
    this.mqttClient = undefined;
    if (client) {
      // Our handlers check the generation and ignore an old client; the client's own 'close'
      // handler must stay, since it is what clears its connect timer.
      client.on('error', () => undefined);
      client.end(true);
    }
    const req = this.sseReq;
    this.sseReq = undefined;
    if (req) {
      req.removeAllListeners();
      req.on('error', () => undefined);
      req.destroy();
    }
  }

  private scheduleReconnect(gen: number, reason: string): void {
    if (!this.running || gen !== this.generation) return;
    this.generation++;
    this.teardown();
    if (this.connected) this.hooks.onDisconnected(reason);
    this.connected = false;
    const ms = backoffDelay(
      this.attempt++,
      this.hooks.backoffBaseMs ?? 1000,
      this.hooks.backoffMaxMs ?? 60_000,
    );
    this.hooks.log.debug(`Arlo event stream: ${reason}; reconnecting in ${ms} ms`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, ms);
  }

  private reauthThenReconnect(reason: string, token: string): void {
    const gen = ++this.generation;
    this.teardown();
    void this.hooks
      .onAuthRejected(token)
      .catch(() => undefined)
      .finally(() => this.scheduleReconnect(gen, reason));
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const gen = ++this.generation;
    let target: StreamTarget;
    try {
      target = await this.hooks.target();
    } catch (err) {
      this.scheduleReconnect(
        gen,
        `cannot sign in (${err instanceof Error ? err.message : String(err)})`,
      );
      return;
    }
    if (!this.running || gen !== this.generation) return;
    if (target.kind === 'mqtt') this.connectMqtt(gen, target);
    else this.connectSse(gen, target);
  }

  private connected_(gen: number): void {
    if (gen !== this.generation) return;
    this.attempt = 0;
    this.connected = true;
    this.hooks.onConnected();
  }

  private packet(text: string): void {
    let p: unknown;
    try {
      p = JSON.parse(text);
    } catch {
      this.hooks.log.debug('Arlo event stream: a packet that is not JSON was skipped');
      return;
    }
    if (p && typeof p === 'object' && !Array.isArray(p)) this.hooks.onPacket(p as ArloPacket);
  }

  private connectMqtt(gen: number, t: StreamTarget): void {
    const url = secureUrl(t.url, 'mqtt');
    const client = mqtt.connect(url, {
      clientId: `user_${t.userId}_${this.clientSuffix}`,
      username: t.userId,
      password: t.token,
      // A persistent session: the broker queues QoS 1 packets while we reconnect.
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: this.hooks.connectTimeoutMs ?? 15_000,
      keepalive: 30,
      rejectUnauthorized: true,
      protocolVersion: 4,
      wsOptions: { headers: { Origin: 'https://my.arlo.com' } },
    });
    this.mqttClient = client;
    let authRejected = false;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      client.subscribe(
        t.topics.map((topic) => topic),
        { qos: 1 },
        (err) => {
          if (gen !== this.generation) return;
          if (err) this.scheduleReconnect(gen, `subscribe failed (${err.message})`);
          else this.connected_(gen);
        },
      );
    });
    client.on('message', (_topic, payload) => {
      if (gen === this.generation) this.packet(payload.toString('utf8'));
    });
    client.on('error', (err) => {
      const code = (err as Error & { code?: number }).code;
      if (code === 4 || code === 5) authRejected = true;
    });
    client.on('close', () => {
      if (gen !== this.generation) return;
      if (authRejected) {
        this.reauthThenReconnect('the broker refused the token', t.token);
        return;
      }
      this.scheduleReconnect(gen, `MQTT connection to ${redactUrl(url)} closed`);
    });
  }

  /**
   * `{"success":false,"data":{"error":"2015"}}`: the token expired (vendor facts 2.10, 2.11).
   * The answer is a new login (a trusted browser needs no code) and a new subscribe.
   */
  private sessionRefused(text: string): boolean {
    let p: unknown;
    try {
      p = JSON.parse(text);
    } catch {
      return false;
    }
    const body = p as { success?: unknown; data?: { error?: unknown } } | null;
    return (
      body !== null &&
      typeof body === 'object' &&
      body.success === false &&
      SESSION_ERRORS.has(String(body.data?.error ?? ''))
    );
  }

  private connectSse(gen: number, t: StreamTarget): void {
    const url = new URL(secureUrl(t.url, 'http'));
    url.searchParams.set('eventId', `FE!${randomUUID()}`);
    url.searchParams.set('time', String(Date.now()));
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {
      method: 'GET',
      headers: { ...t.headers, Authorization: t.token, Accept: 'text/event-stream' },
      agent: false,
    });
    this.sseReq = req;
    // A server that takes the connection but never answers would otherwise hold the stream
    // (and every event) for ever; like MQTT's connectTimeout, give up and reconnect.
    const connectMs = this.hooks.connectTimeoutMs ?? 15_000;
    const connectTimer = setTimeout(
      () => req.destroy(new Error(`no answer within ${Math.round(connectMs / 1000)} s`)),
      connectMs,
    );
    req.on('close', () => clearTimeout(connectTimer));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      if (gen !== this.generation) return;
      if (res.statusCode === 401) {
        res.resume();
        this.reauthThenReconnect(`the API refused the token (HTTP ${res.statusCode})`, t.token);
        return;
      }
      if (res.statusCode !== 200) {
        // A 403 or 429 here is Cloudflare's (vendor facts 2.10), not a verdict on the token:
        // back off, never log in again for it.
        res.resume();
        this.scheduleReconnect(gen, `SSE answered HTTP ${res.statusCode}`);
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      // hmsweb refuses with HTTP 200 and a JSON body, not an event stream (vendor facts 2.10).
      const plainJson = !/event-stream/i.test(String(res.headers['content-type'] ?? ''));
      res.on('data', (chunk: string) => {
        if (gen !== this.generation) return;
        buffer += chunk;
        if (plainJson) {
          if (buffer.length > 65_536) buffer = '';
          return;
        }
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!data) continue;
          if (!this.connected && data.includes('"connected"')) {
            this.connected_(gen);
            continue;
          }
          if (this.sessionRefused(data)) {
            this.reauthThenReconnect('Arlo says the token expired (error 2015)', t.token);
            return;
          }
          this.packet(data);
        }
        if (buffer.length > 1_000_000) buffer = '';
      });
      res.on('end', () => {
        if (gen !== this.generation) return;
        if (plainJson && this.sessionRefused(buffer)) {
          this.reauthThenReconnect('Arlo says the token expired (error 2015)', t.token);
          return;
        }
        this.scheduleReconnect(gen, 'SSE stream ended');
      });
      res.on('error', () => this.scheduleReconnect(gen, 'SSE stream failed'));
    });
    req.on('error', (err) => this.scheduleReconnect(gen, `SSE request failed (${err.message})`));
    req.end();
  }
}

/**
 * The real hosts are TLS-only. A plain URL is used as given only on loopback (the simulator);
 * anywhere else it is upgraded, and certificates are always verified.
 */
export function secureUrl(raw: string, family: 'mqtt' | 'http'): string {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `${family === 'mqtt' ? 'wss' : 'https'}://${raw}`);
  } catch {
    return raw;
  }
  if (LOOPBACK.test(url.hostname)) return url.toString();
  const upgrade: Record<string, string> = {
    'mqtt:': 'mqtts:',
    'ws:': 'wss:',
    'tcp:': 'mqtts:',
    'http:': 'https:',
  };
  if (upgrade[url.protocol]) url.protocol = upgrade[url.protocol];
  if (
    (url.protocol === 'wss:' || url.protocol === 'ws:') &&
    (url.pathname === '' || url.pathname === '/')
  ) {
    url.pathname = '/mqtt';
  }
  return url.toString();
}
