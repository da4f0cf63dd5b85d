import type { DeviceStatus } from './device';
import { STATE_INTERVAL } from './device';
import { toCamhubError } from './errors';
import type { Logger } from './log';
import type { StatusListener } from './provider';

/**
 * The camera state one account shares with its watching status nodes: the last full reading
 * of each camera, the listeners, and the one slow loop that reads the state while anyone
 * watches. Whatever else reads the state (events, other nodes' requests) publishes here too,
 * so a watch costs no extra cloud calls of its own.
 */
export class StateWatch {
  private readonly listeners = new Set<StatusListener>();
  private readonly last = new Map<string, DeviceStatus>();
  private intervalMs: number = STATE_INTERVAL.defaultMs;
  private loop: AbortController | undefined;
  private lastError = '';
  /** Ends the loop's wait early (after a failed round, once the account connects). */
  private kick: (() => void) | undefined;
  private closed = false;
  /** Rounds of the shared loop started, finished and successful (tests count requests by them). */
  readonly rounds = { started: 0, finished: 0, ok: 0 };

  constructor(
    private readonly read: () => Promise<unknown>,
    private readonly log: Logger,
    /** Told of every reading, e.g. to keep the camera list's battery current. */
    private readonly onReading: (status: DeviceStatus) => void = () => undefined,
  ) {}

  get watched(): boolean {
    return this.listeners.size > 0;
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
  }

  lastOf(id: string): DeviceStatus | undefined {
    return this.last.get(id);
  }

  /** Hands fresh readings to the watchers, each with the reading before it. */
  publish(list: DeviceStatus[]): void {
    for (const st of list) {
      const previous = this.last.get(st.id);
      this.last.set(st.id, st);
      this.onReading(st);
      for (const l of [...this.listeners]) {
        try {
          l(st, previous);
        } catch (err) {
          this.log.error(`status listener failed: ${String(err)}`);
        }
      }
    }
  }

  /**
   * A partial reading (a device packet, a push, an arm read-back) merged into the last full
   * one. Ignored until a full reading exists, so a watch never compares against a guess.
   */
  patch(id: string, patch: Partial<DeviceStatus>): void {
    const last = this.last.get(id);
    if (!last) return;
    const next: DeviceStatus = { ...last, ...patch };
    if (JSON.stringify(next) === JSON.stringify(last)) return;
    this.publish([next]);
  }

  watch(listener: StatusListener): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The account connected: a round that failed before the login completed is retried now. */
  connected(): void {
    if (this.lastError) this.kick?.();
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.listeners.clear();
  }

  /** One loop per account, however many watchers: a reading now, then one per interval. */
  private start(): void {
    const ctrl = new AbortController();
    this.loop = ctrl;
    void (async () => {
      while (!ctrl.signal.aborted && !this.closed) {
        this.rounds.started++;
        try {
          await this.read();
          this.lastError = '';
          this.rounds.ok++;
        } catch (err) {
          const e = toCamhubError(err);
          // One line per new problem, not one per interval.
          if (e.message !== this.lastError && !ctrl.signal.aborted) {
            this.lastError = e.message;
            this.log.warn(`Reading the camera state failed: ${e.message}`);
          }
        } finally {
          this.rounds.finished++;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.kick = undefined;
            ctrl.signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, this.intervalMs);
          this.kick = done;
          // Closed while the round ran: an abort listener added now would never fire.
          if (ctrl.signal.aborted || this.closed) done();
          else ctrl.signal.addEventListener('abort', done, { once: true });
        });
      }
    })();
  }

  private stop(): void {
    this.loop?.abort();
    this.loop = undefined;
  }
}
