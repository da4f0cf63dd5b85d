import { CamhubError, errors } from '../../core/errors';
import type { Logger } from '../../core/log';
import { type ArloClient, type Session, USER_AGENT } from './client';
import type { ArloDevices } from './camera-list';
import { notify, transId } from './commands';
import { ArloEventStream, type StreamTarget } from './stream';
import type { ArloDevice, ArloPacket } from './types';

const DEFAULT_MQTT = 'wss://mqtt-cluster.arloxcld.com:443/mqtt';
/** A base silent this many heartbeats is reported (it answers about once a minute, 2.4). */
const QUIET_HEARTBEATS = 5;

/** What the event stream and its subscriptions need from the provider. */
export interface ArloSubscriptionsHost {
  readonly log: Logger;
  readonly client: ArloClient;
  readonly devices: ArloDevices;
  closed(): boolean;
  /** The session, as a tracked call (its failure shows in the account status). */
  session(): Promise<Session>;
  /** The device list read, so the stream knows every base and topic. */
  listDevices(): Promise<unknown>;
  onPacket(p: ArloPacket): void;
  /** The stream is up, or the set of quiet bases changed while it is. */
  onConnected(): void;
  onDisconnected(): void;
  onQuietChanged(): void;
}

export interface ArloSubscriptionsOptions {
  timeoutMs?: number;
  commandTimeoutMs: number;
  heartbeatMs?: number;
  lingerMs?: number;
  reconnectBaseMs?: number;
}

/**
 * One event stream per account, held open while anyone uses it (event nodes, commands waiting
 * for answers) and a little after; the base stations' registrations on it, renewed every
 * heartbeat; and the bases that have gone quiet.
 */
export class ArloSubscriptions {
  private stream: ArloEventStream | undefined;
  private refs = 0;
  private linger: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly subscribed = new Map<string, Promise<void>>();
  /** Base station id -> when a packet from it last arrived. */
  private readonly heardFrom = new Map<string, number>();
  /** Base stations silent for several heartbeats. */
  private readonly quiet = new Set<string>();
  private readonly warnedQuiet = new Set<string>();
  private kind: 'mqtt' | 'sse' | undefined;

  constructor(
    private readonly host: ArloSubscriptionsHost,
    private readonly opts: ArloSubscriptionsOptions,
  ) {}

  /** The account's transport, known once the stream has been opened. */
  get transport(): 'mqtt' | 'sse' | undefined {
    return this.kind;
  }

  /** Names of the bases that have gone quiet, sorted. */
  quietNames(): string[] {
    return [...this.quiet].map((id) => this.host.devices.name(id)).sort();
  }

  acquire(): void {
    this.refs++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    if (!this.stream && !this.host.closed()) this.open();
  }

  release(): void {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs > 0) return;
    if (this.host.closed()) {
      this.closeStream();
      return;
    }
    if (this.linger) clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.refs === 0) this.closeStream();
    }, this.opts.lingerMs ?? 15_000);
  }

  /** Starts a stream that gave up (waiting for a sign-in, say) again at once. */
  restart(): void {
    this.stream?.restart();
  }

  close(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    this.closeStream();
  }

  whenConnected(): Promise<void> {
    if (this.stream?.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = setInterval(() => {
        if (this.stream?.connected) {
          clearInterval(check);
          resolve();
        } else if (
          this.host.closed() ||
          Date.now() - started > Math.max(this.opts.commandTimeoutMs, 15_000)
        ) {
          clearInterval(check);
          reject(
            this.host.closed()
              ? new CamhubError(
                  'NOT_CONFIGURED',
                  'The Arlo account was closed (the flow was redeployed). Send the msg again.',
                )
              : errors.timeout('The Arlo event stream'),
          );
        }
      }, 25);
    });
  }

  /**
   * Registers a base station once per connection. Resolves when Arlo took the registration
   * (the HTTP reply), never waiting for the base's answer on the stream: that comes about once
   * a minute, or never (vendor facts 2.4).
   */
  ensureGateway(gw: ArloDevice): Promise<void> {
    const id = gw.deviceId as string;
    let p = this.subscribed.get(id);
    if (!p) {
      p = this.subscribe(gw).then(() => undefined);
      this.subscribed.set(id, p);
      p.catch(() => {
        if (this.subscribed.get(id) === p) this.subscribed.delete(id);
      });
    }
    return p;
  }

  /** Notes a packet from a base (or about one of its devices). */
  heard(p: ArloPacket): void {
    const devices = this.host.devices;
    const ids = new Set<string>();
    if (typeof p.from === 'string') ids.add(p.from);
    const m = /^(?:cameras|doorbells)\/(.+)$/.exec(p.resource ?? '');
    if (m) {
      const parent = devices.get(m[1])?.parentId;
      if (parent) ids.add(parent);
    }
    for (const key of Object.keys(p)) if (devices.has(key)) ids.add(key);
    let changed = false;
    for (const id of ids) {
      if (!devices.has(id)) continue;
      this.heardFrom.set(id, Date.now());
      if (this.quiet.delete(id)) {
        changed = true;
        this.host.log.debug(`Arlo base station "${devices.name(id)}" is sending again.`);
      }
    }
    if (changed) this.host.onQuietChanged();
  }

  private get heartbeatMs(): number {
    return this.opts.heartbeatMs ?? 30_000;
  }

  private open(): void {
    const { host } = this;
    this.stream = new ArloEventStream({
      log: host.log,
      backoffBaseMs: this.opts.reconnectBaseMs,
      connectTimeoutMs: this.opts.timeoutMs,
      target: () => this.target(),
      onPacket: (p) => host.onPacket(p),
      onConnected: () => this.onStreamConnected(),
      onDisconnected: (reason) => {
        host.log.debug(`Arlo event stream lost: ${reason}`);
        this.subscribed.clear();
        this.stopHeartbeat();
        if (!host.closed()) host.onDisconnected();
      },
      onAuthRejected: async (token) => {
        // Someone may have logged in again meanwhile; only a session still on the refused
        // token is dropped.
        if (host.client.session?.token === token) host.client.dropSession();
        await host.client.ensureSession();
      },
    });
    this.stream.start();
  }

  private closeStream(): void {
    this.stopHeartbeat();
    this.subscribed.clear();
    this.stream?.stop();
    this.stream = undefined;
  }

  private async target(): Promise<StreamTarget> {
    const session = await this.host.session();
    await this.host.listDevices();
    const topics = new Set<string>();
    for (const d of this.host.devices.all())
      for (const t of d.allowedMqttTopics ?? []) topics.add(t);
    const headers = {
      'Auth-Version': '2',
      SchemaVersion: '1',
      Origin: 'https://my.arlo.com',
      Referer: 'https://my.arlo.com/',
      'User-Agent': USER_AGENT,
    };
    // Devices that list MQTT topics mean the account is on MQTT; otherwise Arlo serves SSE.
    this.kind = topics.size > 0 ? 'mqtt' : 'sse';
    if (topics.size > 0) {
      topics.add(`u/${session.userId}/in/#`);
      return {
        kind: 'mqtt',
        url: session.mqttUrl ?? DEFAULT_MQTT,
        userId: session.userId,
        token: session.token,
        topics: [...topics],
        headers,
      };
    }
    return {
      kind: 'sse',
      url: `${this.host.client.api.baseUrl.replace(/\/+$/, '')}/hmsweb/client/subscribe`,
      userId: session.userId,
      token: session.token,
      topics: [],
      headers,
    };
  }

  private onStreamConnected(): void {
    if (this.host.closed()) return;
    this.subscribed.clear();
    const now = Date.now();
    const gateways = this.host.devices.gateways();
    for (const gw of gateways)
      if (!this.quiet.has(gw.deviceId as string)) this.heardFrom.set(gw.deviceId as string, now);
    this.host.onConnected();
    // Base stations publish nothing until registered, so every one is (re)registered now.
    for (const gw of gateways) void this.ensureGateway(gw).catch(() => undefined);
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.renew(), this.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private subscribe(gw: ArloDevice): Promise<unknown> {
    return notify(this.host.client, gw, {
      action: 'set',
      resource: `subscriptions/${this.host.client.userId}_web`,
      publishResponse: false,
      properties: { devices: [gw.deviceId] },
      transId: transId(),
    });
  }

  /**
   * Every base of the account, every heartbeat, whatever it answered: a base answers its
   * registration about once a minute or never (vendor facts 2.4), and a registration that is
   * not renewed lapses and its events stop (2.11).
   */
  private renew(): void {
    if (this.host.closed() || !this.stream?.connected) return;
    for (const gw of this.host.devices.gateways()) {
      void this.subscribe(gw).catch(() => undefined);
    }
    this.checkQuiet();
  }

  /**
   * A base that has sent nothing for several heartbeats: logged once and shown in the account
   * status, while its registration keeps being renewed. Any packet from it clears it.
   */
  private checkQuiet(): void {
    const limit = QUIET_HEARTBEATS * this.heartbeatMs;
    const now = Date.now();
    let changed = false;
    for (const gw of this.host.devices.gateways()) {
      const id = gw.deviceId as string;
      if (!this.heardFrom.has(id)) this.heardFrom.set(id, now);
      if (now - (this.heardFrom.get(id) ?? now) < limit || this.quiet.has(id)) continue;
      this.quiet.add(id);
      changed = true;
      // Once per base: a base that answers now and then must not fill the log.
      if (this.warnedQuiet.has(id)) continue;
      this.warnedQuiet.add(id);
      this.host.log.warn(
        `Arlo base station "${gw.deviceName ?? id}" has sent nothing for ${Math.round(limit / 1000)} s although its event subscription is renewed; its events may not arrive. Check it in the Arlo app.`,
      );
    }
    if (changed) this.host.onQuietChanged();
  }
}
