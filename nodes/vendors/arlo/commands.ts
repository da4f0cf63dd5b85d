import { randomUUID } from 'node:crypto';
import { CamhubError } from '../../core/errors';
import type { ArloClient } from './client';
import type { ArloDevice, ArloPacket } from './types';

/** A fresh transaction id, the form the web client uses; answers on the stream carry it back. */
export function transId(): string {
  return `web!${randomUUID()}`;
}

/** A command to a gateway over the notify endpoint; its answer comes on the event stream. */
export function notify(
  client: ArloClient,
  gw: ArloDevice,
  body: Record<string, unknown>,
): Promise<unknown> {
  return client.hms({
    method: 'POST',
    path: `/hmsweb/users/devices/notify/${encodeURIComponent(gw.deviceId as string)}`,
    headers: { xcloudId: gw.xCloudId ?? '' },
    body: {
      from: `${client.userId}_web`,
      to: gw.deviceId,
      publishResponse: true,
      ...body,
    },
    idempotent: false,
    label: `Command to "${gw.deviceName ?? gw.deviceId}"`,
  });
}

/** What a command needs from the provider: the session, and the event stream held open. */
export interface ArloCommandsHost {
  readonly client: ArloClient;
  commandTimeoutMs(): number;
  /** Holds the event stream open (counted) until release(). */
  acquire(): void;
  release(): void;
  whenConnected(): Promise<void>;
  /** The gateway registered on the stream, so its answer reaches us. */
  ensureGateway(gw: ArloDevice): Promise<void>;
}

interface Waiter {
  match(p: ArloPacket): boolean;
  resolve(p: ArloPacket): void;
  reject(err: Error): void;
}

/** Commands sent over HTTP whose answers arrive as packets on the event stream. */
export class ArloCommands {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly host: ArloCommandsHost) {}

  /**
   * Sends one command and waits for its answer on the stream. Never resent: if the answer does
   * not come the caller gets TIMEOUT, as the base may still have acted on it.
   */
  async command(
    gw: ArloDevice | undefined,
    send: () => Promise<unknown>,
    match: (p: ArloPacket) => boolean,
    who: string,
    what?: string,
  ): Promise<ArloPacket> {
    await this.host.client.ensureSession();
    this.host.acquire();
    try {
      await this.host.whenConnected();
      if (gw) await this.host.ensureGateway(gw);
      const wait = this.waitFor(match, who, what);
      try {
        await send();
      } catch (err) {
        wait.cancel();
        throw err;
      }
      return await wait.promise;
    } finally {
      this.host.release();
    }
  }

  /** Hands a packet to every command waiting for it. */
  onPacket(p: ArloPacket): void {
    for (const w of [...this.waiters]) {
      if (w.match(p)) {
        this.waiters.delete(w);
        w.resolve(p);
      }
    }
  }

  /** Fails every command still waiting. */
  close(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
    this.waiters.clear();
  }

  private waitFor(match: (p: ArloPacket) => boolean, who: string, what = 'answer') {
    const timeoutMs = this.host.commandTimeoutMs();
    let waiter!: Waiter;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<ArloPacket>((resolve, reject) => {
      waiter = { match, resolve, reject };
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new CamhubError(
            'TIMEOUT',
            `${who} did not ${what} within ${Math.round(timeoutMs / 1000)} s. It may be offline, asleep or out of range: check it in the Arlo app, then send the msg again.`,
          ),
        );
      }, timeoutMs);
    });
    promise.catch(() => undefined);
    const done = () => {
      if (timer) clearTimeout(timer);
      this.waiters.delete(waiter);
    };
    promise.then(done, done);
    return { promise, cancel: done };
  }
}
