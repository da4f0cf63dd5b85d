import { createHmac } from 'node:crypto';
import { AbortedError, sleep } from '../../core/async';
import { toCamhubError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { WebhookReply, WebhookRequest } from '../../core/provider';
import { redact } from '../../core/redact';
import { secretEquals } from '../../core/secret';
import type { NetatmoClient } from './client';
import type { NetatmoPush } from './types';

/** One poll per home a minute: 60 calls an hour, well inside the 500 a user may make. */
export const DEFAULT_POLL_MS = 60_000;
/** The safety poll beside an active webhook: 6 calls an hour per home. */
export const DEFAULT_SAFETY_POLL_MS = 600_000;
const MAX_WEBHOOK_BODY = 64 * 1024;

/** What the webhook needs from the provider. */
export interface NetatmoWebhookHost {
  readonly log: Logger;
  readonly client: NetatmoClient;
  closed(): boolean;
  secrets(): string[];
  /** A verified push that is not the activation. */
  onPush(push: NetatmoPush): void;
}

export interface NetatmoWebhookOptions {
  clientSecret: string;
  /** Public URL of this account's webhook; when set, events are pushed instead of polled. */
  webhookUrl?: string;
  pollIntervalMs?: number;
  safetyPollMs?: number;
}

/**
 * The account's webhook: its registration (addwebhook), whether Netatmo activated it, the
 * signed pushes it receives, and the sleep of the pollers, which a lost webhook cuts short.
 */
export class NetatmoWebhook {
  private active = false;
  private registeredAt = 0;
  /** Wake the pollers from a long safety-poll sleep when the webhook is lost. */
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly host: NetatmoWebhookHost,
    private readonly opts: NetatmoWebhookOptions,
  ) {}

  /** Whether events arrive by the activated webhook now. */
  get pushActive(): boolean {
    return this.active;
  }

  get configured(): boolean {
    return !!this.opts.webhookUrl;
  }

  get pollIntervalMs(): number {
    return this.opts.pollIntervalMs ?? DEFAULT_POLL_MS;
  }

  /**
   * While the webhook is active, a slow poll still runs: Netatmo drops and bans webhooks
   * without a word (section 3.8), and this poll is how a quiet webhook is noticed.
   */
  get safetyPollMs(): number {
    return Math.max(this.pollIntervalMs, this.opts.safetyPollMs ?? DEFAULT_SAFETY_POLL_MS);
  }

  /** No activation came within a safety period since the last registration. */
  get due(): boolean {
    return this.configured && Date.now() - this.registeredAt >= this.safetyPollMs;
  }

  /**
   * addwebhook for the account's public URL, whenever the account starts with a saved login
   * (deploy, redeploy, restart), after Connect, and again while no activation came: Netatmo
   * keeps no promise that an earlier registration still stands (section 3.8), and a refused
   * addwebhook (429 code 26) must not leave the account polling for good
   * (home-assistant/core#178195).
   */
  register(): void {
    const url = this.opts.webhookUrl;
    const { host } = this;
    if (!url || host.closed()) return;
    this.registeredAt = Date.now();
    void host.client
      .hasSession()
      .then(async (connected) => {
        if (!connected || host.closed()) return;
        await host.client.addWebhook(url);
        host.log.info('Netatmo webhook registered; waiting for its activation call');
      })
      .catch((err: unknown) =>
        host.log.warn(
          `registering the webhook failed, events are polled instead: ${redact(toCamhubError(err).message, host.secrets())}`,
        ),
      );
  }

  /** The safety poll found events the webhook never brought: it was dropped or banned. */
  wentQuiet(missed: number): void {
    this.setActive(false);
    this.host.log.warn(
      `the Netatmo webhook went quiet (${missed} event${missed === 1 ? '' : 's'} came only by polling): ` +
        'events are polled again and the webhook is registered again',
    );
    this.register();
  }

  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Sleeps until the next poll is due, or until the webhook is lost. */
  async nap(ms: number, signal: AbortSignal): Promise<void> {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.wakers.add(wake);
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([sleep(ms, ac.signal).catch(() => undefined), woken]);
    } finally {
      this.wakers.delete(wake);
      ac.abort();
      signal.removeEventListener('abort', stop);
    }
    if (signal.aborted) throw new AbortedError();
  }

  /** A webhook call: verified over its raw bytes with the app's client secret. */
  handle(req: WebhookRequest): WebhookReply {
    if (req.method !== 'POST') return { status: 405, body: 'POST only' };
    if (req.body.length > MAX_WEBHOOK_BODY) return { status: 413, body: 'too large' };
    const header = req.headers['x-netatmo-secret'];
    const presented = Array.isArray(header) ? header[0] : header;
    const expected = createHmac('sha256', this.opts.clientSecret).update(req.body).digest('hex');
    if (!this.opts.clientSecret || !secretEquals(presented?.toLowerCase(), expected)) {
      return { status: 401, body: 'unauthorized' };
    }
    let push: NetatmoPush;
    try {
      push = JSON.parse(req.body.toString('utf8')) as NetatmoPush;
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    if (!push || typeof push !== 'object') return { status: 400, body: 'body is not an object' };
    if (push.push_type === 'webhook_activation') {
      if (!this.active) {
        this.host.log.info(
          `Netatmo webhook active: events by webhook, with a safety poll every ${Math.round(this.safetyPollMs / 1000)} s`,
        );
      }
      this.setActive(true);
      return { status: 200 };
    }
    // Netatmo wants a quick answer; names and cache refreshes happen after it.
    setImmediate(() => this.host.onPush(push));
    return { status: 200 };
  }

  private setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    if (!active) this.wakeAll();
  }
}
