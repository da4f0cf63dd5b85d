/** Small async helpers shared by the HTTP layer, pollers and providers. */

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/** A delay that an AbortSignal can cut short, so closing a session never waits for a timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Coalesces concurrent calls with the same key into one: the second caller gets the first
 * caller's promise. Used for identical GETs and for the shared re-login.
 */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, { p: Promise<V>; started: number }>();

  /**
   * @param maxAgeMs a flight older than this is not joined: a caller past the deadline starts
   *   afresh rather than queueing behind a call that should have ended by then.
   */
  constructor(private readonly maxAgeMs?: number) {}

  run(key: string, fn: () => Promise<V>): Promise<V> {
    const existing = this.inflight.get(key);
    if (
      existing &&
      (this.maxAgeMs === undefined || Date.now() - existing.started < this.maxAgeMs)
    ) {
      return existing.p;
    }
    const entry = { p: undefined as unknown as Promise<V>, started: Date.now() };
    entry.p = fn().finally(() => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    });
    this.inflight.set(key, entry);
    return entry.p;
  }

  get size(): number {
    return this.inflight.size;
  }
}

/**
 * Runs tasks for one key one after another. Reolink allows one snapshot in flight per device,
 * Blink wants commands for a camera spaced: both are a per-key queue.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /**
   * @param maxWaitMs a task waits at most this long for the one before it, so one call that
   *   never ends cannot hold every later one of its key.
   */
  constructor(private readonly maxWaitMs?: number) {}

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.bounded(this.tails.get(key) ?? Promise.resolve());
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  private bounded(prev: Promise<unknown>): Promise<unknown> {
    const max = this.maxWaitMs;
    if (max === undefined) return prev;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, max);
      timer.unref?.();
      const done = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      prev.then(done, done);
    });
  }
}

/**
 * fn over every item with at most `limit` calls in flight, results in input order. Asking a
 * cloud for 500 things one at a time takes 500 round trips; all at once is a burst no cloud
 * welcomes. A bounded pool takes items/limit round trips.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

/** Full-jitter exponential backoff: spreads retries of many clients after an outage. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(parseFloat(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Remembers the most recent event ids, so an event that reaches us twice (webhook and poll,
 * a stream redelivering after a reconnect) is emitted once. Bounded: the oldest id goes first.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max = 2000) {}

  /** True the first time an id is offered. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
