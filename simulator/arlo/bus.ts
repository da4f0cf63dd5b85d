import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { Aedes } from 'aedes';
import { DelayLine, Latency } from '../common/latency';
import type { ArloDeviceSeed } from './devices';
import type { ArloState } from './state';

/** Client ids look like user_<userId>_<10 digits>, as the web app makes them. */
const CLIENT_ID = /^user_(.+)_\d{10}$/;

export interface PublishedPacket {
  time: string;
  topic: string;
  packet: Record<string, unknown>;
  /** False when the base was not subscribed, so nothing went out. */
  delivered: boolean;
}

interface AuthError extends Error {
  returnCode: number;
}

function authError(code: number): AuthError {
  return Object.assign(new Error('not authorized'), { returnCode: code });
}

/**
 * The account's event stream, both ways the real cloud offers it: an MQTT broker (aedes) on
 * 127.0.0.1 and SSE connections on the API host. Every packet goes to both, as the cloud does
 * not know which one a client reads.
 */
export class ArloBus {
  private broker: Aedes | undefined;
  private tcp: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Open SSE responses and the token each was opened with. */
  private readonly sse = new Map<ServerResponse, string>();
  readonly log: PublishedPacket[] = [];
  mqttUrl = '';
  /** Pushes travel one way to the client, in order (see common/latency.ts). */
  private readonly line: DelayLine;

  constructor(
    private readonly state: ArloState,
    private readonly latency: Latency = new Latency(),
  ) {
    this.line = new DelayLine(latency);
  }

  /** CONNECT/CONNACK and SUBSCRIBE/SUBACK each take one round trip. */
  private afterRoundTrip(fn: () => void): void {
    const ms = this.latency.roundTrip();
    if (ms > 0) setTimeout(fn, ms);
    else fn();
  }

  async start(port = 0): Promise<string> {
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, cb) => {
        const m = CLIENT_ID.exec(client.id ?? '');
        const token = password ? password.toString('utf8') : '';
        const ok =
          m !== null &&
          m[1] === this.state.user.userId &&
          username === this.state.user.userId &&
          this.state.session(token) !== undefined;
        this.afterRoundTrip(() => {
          if (ok) cb(null, true);
          else cb(authError(m ? 4 : 2), false);
        });
      },
      authorizeSubscribe: (_client, sub, cb) => {
        const allowed = this.mayRead(sub.topic);
        this.afterRoundTrip(() => {
          if (allowed) cb(null, sub);
          else cb(new Error(`topic ${sub.topic} is not allowed`), null);
        });
      },
      authorizePublish: (_client, _packet, cb) => cb(new Error('clients do not publish')),
    });
    const tcp = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => resolve());
    });
    this.broker = broker;
    this.tcp = tcp;
    this.mqttUrl = `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    return this.mqttUrl;
  }

  private mayRead(topic: string): boolean {
    if (topic.startsWith(`u/${this.state.user.userId}/`)) return true;
    const xc = this.state.gateways().map((g) => g.xCloudId);
    return xc.some((x) => topic.startsWith(`d/${x}/out/`));
  }

  addSse(res: ServerResponse, token: string): void {
    this.sse.set(res, token);
    res.on('close', () => this.sse.delete(res));
  }

  /**
   * SSE streams whose token no longer holds get hmsweb's `success:false` with error 2015
   * (token expired, 2.10) and end; the client logs in again and resubscribes.
   */
  endExpiredSse(): void {
    for (const [res, token] of this.sse) {
      if (this.state.session(token)) continue;
      const text = JSON.stringify({
        success: false,
        data: { error: '2015', message: 'Your session has expired. Please log in again.' },
      });
      res.end(`event: message\ndata: ${text}\n\n`);
      this.sse.delete(res);
    }
  }

  get connections(): { sse: number; mqtt: number } {
    return { sse: this.sse.size, mqtt: this.broker?.connectedClients ?? 0 };
  }

  /** A packet from a base station (or about one of its devices): only while it is subscribed. */
  fromDevice(gateway: ArloDeviceSeed, resource: string, packet: Record<string, unknown>): boolean {
    const delivered = this.state.publishing(gateway.deviceId);
    this.send(`d/${gateway.xCloudId}/out/${resource}`, packet, delivered);
    return delivered;
  }

  /** A packet from the cloud itself (logout, library, location modes): always sent. */
  toUser(
    subtopic: string,
    packet: Record<string, unknown>,
    options: { mqttOnly?: boolean } = {},
  ): void {
    this.send(`u/${this.state.user.userId}/in/${subtopic}`, packet, true, options.mqttOnly);
  }

  private send(
    topic: string,
    packet: Record<string, unknown>,
    delivered: boolean,
    mqttOnly = false,
  ): void {
    this.log.push({ time: new Date().toISOString(), topic, packet, delivered });
    if (this.log.length > 2000) this.log.shift();
    if (!delivered) return;
    const text = JSON.stringify(packet);
    this.line.send(() => this.publish(topic, text, mqttOnly));
  }

  private publish(topic: string, text: string, mqttOnly: boolean): void {
    if (!mqttOnly)
      for (const res of this.sse.keys()) res.write(`event: message\ndata: ${text}\n\n`);
    this.broker?.publish(
      {
        cmd: 'publish',
        topic,
        payload: Buffer.from(text),
        qos: 1,
        retain: false,
        dup: false,
      },
      () => undefined,
    );
  }

  /** Cuts every SSE and MQTT connection, as a cloud-side network blip does. */
  drop(): void {
    this.line.clear();
    for (const res of this.sse.keys()) res.destroy();
    this.sse.clear();
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    const tcp = this.tcp;
    const broker = this.broker;
    this.tcp = undefined;
    this.broker = undefined;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
  }
}
