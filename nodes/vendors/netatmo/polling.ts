import { AbortedError, sleep } from '../../core/async';
import { toCamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { redact } from '../../core/redact';
import type { NetatmoClient } from './client';
import { fromPolledEvent, type RawEvent } from './events';
import type { NetatmoEventFeed } from './event-feed';
import type { NetatmoHomes } from './home-state';
import type { NetatmoEvent } from './types';
import type { NetatmoWebhook } from './webhook-registration';

const MAX_PAGES = 5;

/** What the pollers need from the provider. */
export interface NetatmoPollingHost {
  readonly log: Logger;
  readonly client: NetatmoClient;
  readonly homes: NetatmoHomes;
  readonly webhook: NetatmoWebhook;
  readonly feed: NetatmoEventFeed;
  closed(): boolean;
  secrets(): string[];
}

/**
 * getevents per home, each with its own cursor: every minute without a webhook, every safety
 * period beside an active one, where an event the webhook never brought means it went quiet.
 */
export class NetatmoPolling {
  private abort: AbortController | undefined;
  private readonly loggedErrors = new Set<string>();

  constructor(
    private readonly host: NetatmoPollingHost,
    private readonly opts: { eventsPageSize?: number } = {},
  ) {}

  start(): void {
    this.abort = new AbortController();
    void this.run(this.abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.host.webhook.wakeAll();
  }

  /** One poller per home, each with its own cursor; slow while the webhook is active. */
  private async run(signal: AbortSignal): Promise<void> {
    const started = new Map<string, Promise<void>>();
    const interval = this.host.webhook.pollIntervalMs;
    while (!signal.aborted) {
      try {
        const homes = await this.host.homes.known();
        for (const home of homes.values()) {
          if (!started.has(home.id)) started.set(home.id, this.pollHome(home.id, signal));
        }
        await Promise.all(started.values());
        return;
      } catch (err) {
        this.failed(err);
        try {
          await sleep(this.waitAfter(err, interval), signal);
        } catch {
          return;
        }
      }
    }
  }

  private waitAfter(err: unknown, interval: number): number {
    const e = toCamhubError(err);
    return e.code === 'RATE_LIMITED' ? Math.max(interval, e.retryAfterMs ?? interval) : interval;
  }

  private failed(err: unknown): void {
    if (err instanceof AbortedError || this.host.closed()) return;
    const e = toCamhubError(err);
    // The client says "connect first" in the log itself, once.
    if (e.code === 'AUTH_REQUIRED') return;
    // Said once per kind of failure, so a disconnected account does not flood the log.
    if (!this.loggedErrors.has(e.code)) {
      this.loggedErrors.add(e.code);
      this.host.log.warn(
        `polling Netatmo events failed: ${redact(e.message, this.host.secrets())}`,
      );
    }
  }

  private async pollHome(homeId: string, signal: AbortSignal): Promise<void> {
    const { webhook, feed } = this.host;
    const interval = webhook.pollIntervalMs;
    const size = this.opts.eventsPageSize ?? 30;
    // Events from before the node started are history, not news.
    let since = Math.floor(Date.now() / 1000);
    let wait = 0;
    await feed.ready;
    while (!signal.aborted) {
      try {
        await webhook.nap(wait, signal);
      } catch {
        return;
      }
      const pushed = webhook.pushActive;
      wait = pushed ? webhook.safetyPollMs : interval;
      try {
        const fresh = await this.pollOnce(homeId, size, since);
        this.loggedErrors.clear();
        let missed = 0;
        if (!signal.aborted) {
          for (const e of fresh) {
            since = Math.max(since, e.time ?? since);
            if (feed.deliver(e) && pushed) missed++;
          }
        }
        if (missed > 0 && webhook.pushActive) webhook.wentQuiet(missed);
      } catch (err) {
        this.failed(err);
        wait = Math.max(wait, this.waitAfter(err, interval));
      }
      if (!webhook.pushActive) {
        wait = Math.min(wait, interval);
        // No activation since the last registration: ask again, at most once a safety period.
        if (webhook.due) webhook.register();
      }
    }
  }

  /**
   * New events of one home, oldest first. Pages back with the cursor until it reaches events
   * older than the last poll, never asking the same cursor twice; events the webhook already
   * delivered are skipped by id, not taken as the end, so an older unseen one is not lost.
   */
  private async pollOnce(homeId: string, size: number, since: number): Promise<RawEvent[]> {
    const found: NetatmoEvent[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const reply = await this.host.client.getEvents(homeId, size, cursor);
      const events = reply.body?.home?.events ?? [];
      let reachedOld = false;
      for (const e of events) {
        if (typeof e?.id !== 'string') continue;
        if ((e.time ?? 0) < since) {
          reachedOld = true;
          break;
        }
        found.push(e);
      }
      const last = events.at(-1)?.id;
      if (reachedOld || events.length < size || !last || last === cursor) break;
      cursor = last;
    }
    return found.reverse().flatMap((e) => fromPolledEvent(e, homeId));
  }
}
